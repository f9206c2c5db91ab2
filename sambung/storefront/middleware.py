"""Compress only what compresses, and pick the language from the path or, outside the pages, the browser."""

from django.conf import settings
from django.middleware.gzip import GZipMiddleware
from django.middleware.locale import LocaleMiddleware
from django.utils import translation

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


class LanguageMiddleware(LocaleMiddleware):
    """Pages take their language from the path (/en/… or Indonesian); the API and admin from Accept-Language."""

    UNPREFIXED = ("/api/", "/admin/", "/media/", settings.STATIC_URL)

    def process_request(self, request):
        if not request.path_info.startswith(self.UNPREFIXED):
            return super().process_request(request)
        translation.activate(translation.get_language_from_request(request, check_path=False))
        request.LANGUAGE_CODE = translation.get_language()
        return None
