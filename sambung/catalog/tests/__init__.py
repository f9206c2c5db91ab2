"""Shared helpers for the back-office tests: English addresses, page text checks, files left in MEDIA_ROOT."""

import io
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape
from PIL import Image, ImageFilter

from sambung.accounts.models import Membership
from sambung.catalog.models import Maker


def office_url(name: str, *args, query: str = "") -> str:
    """Return the English address of a back-office page, so that tests read the English msgids."""
    with translation.override("en"):
        url = reverse(f"office:{name}", args=args)
    return f"{url}?{query}" if query else url


def login_url() -> str:
    with translation.override("en"):
        return reverse("accounts:login")


def page_text(response) -> str:
    return response.content.decode()


def shows(response, text: str) -> bool:
    """Whether the page shows this text (as the template escapes it)."""
    return escape(str(text)) in page_text(response)


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [path for path in root.rglob("*") if path.is_file()] if root.exists() else []


def maker_of(username: str) -> Maker:
    """Return the maker record of a persona with the maker role."""
    return Membership.objects.get(user__username=username).maker


def photo_jpeg(size: tuple[int, int] = (1600, 1200)) -> bytes:
    """Return a JPEG with grain and a gradient, which compresses like a photo (unlike a flat colour)."""
    noise = Image.effect_noise(size, 40).convert("RGB")
    gradient = Image.linear_gradient("L").resize(size).convert("RGB")
    image = Image.blend(noise, gradient, 0.5).filter(ImageFilter.GaussianBlur(1))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=90)
    return buffer.getvalue()
