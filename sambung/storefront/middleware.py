"""Compress what compresses: text, JSON, JS, SVG. Photos are WebP already; gzip only makes them bigger."""

from django.middleware.gzip import GZipMiddleware

COMPRESSIBLE = ("text/", "application/json", "application/javascript", "image/svg+xml")


class CompressTextMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if "immutable" in response.get("Cache-Control", ""):
            # A photo rendition is the same bytes in every language: one cache entry for everyone.
            for header in ("Vary", "Content-Language"):
                if header in response:
                    del response[header]
            return response
        if not response.get("Content-Type", "").startswith(COMPRESSIBLE):
            return response
        return super().process_response(request, response)
