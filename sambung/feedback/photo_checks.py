"""Measure catalogue photos for listing quality, once each, and keep the figures as PhotoCheck rows.

A photo's files never change (their names carry a content hash), so a measurement never goes stale; a deleted
photo takes its row with it. A product photo is measured when it is uploaded (catalog.photos.add_photo calls
`record_measurement` with the detail rendition it has just made, still in memory). Photos stored before that,
or copied in bulk, are measured later from their files (`measure_photos`: the listing-quality page a few per
visit, `manage.py measure_listing_photos` all at once), reading the detail rendition (≤ 1080 px, ~10 ms) and
only the header of the original (for its resolution), never decoding the original itself.
"""

import io
import logging

from django.db.models import QuerySet
from PIL import Image, UnidentifiedImageError

from sambung.catalog.listing import measure_photo
from sambung.catalog.models import Cooperative, Photo
from sambung.feedback.models import PhotoCheck

logger = logging.getLogger(__name__)


def unmeasured_photos(cooperative: Cooperative | None = None) -> QuerySet[Photo]:
    """Product photos (of one cooperative, or all) that have no measurement yet, oldest first."""
    photos = Photo.objects.filter(product__isnull=False, listing_check__isnull=True, has_files=True)
    if cooperative is not None:
        photos = photos.filter(product__cooperative=cooperative)
    return photos.order_by("created_at")


def _measure(photo: Photo) -> PhotoCheck | None:
    try:
        with photo.original.open("rb") as original:
            long_side = max(Image.open(original).size)  # the header only: the pixels are not decoded
        with photo.detail.open("rb") as detail:
            metrics = measure_photo(Image.open(detail), long_side=long_side)
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        logger.warning("photo %s: its files cannot be read; not measured", photo.pk)
        return None
    return PhotoCheck(
        photo=photo,
        long_side=metrics.long_side,
        sharpness=metrics.sharpness,
        brightness=metrics.brightness,
        shadows_clipped=metrics.shadows_clipped,
        highlights_clipped=metrics.highlights_clipped,
    )


def record_measurement(*, photo: Photo, detail: bytes, long_side: int) -> PhotoCheck:
    """Measure a product photo being stored, from its detail rendition's bytes, and keep the figures."""
    metrics = measure_photo(Image.open(io.BytesIO(detail)), long_side=long_side)
    check = PhotoCheck(
        photo=photo,
        long_side=metrics.long_side,
        sharpness=metrics.sharpness,
        brightness=metrics.brightness,
        shadows_clipped=metrics.shadows_clipped,
        highlights_clipped=metrics.highlights_clipped,
    )
    PhotoCheck.objects.bulk_create([check], ignore_conflicts=True)
    return check


def measure_photos(*, photos: QuerySet[Photo], limit: int | None = None) -> int:
    """Measure photos not measured yet (at most `limit`); return how many were measured."""
    todo = photos.filter(listing_check__isnull=True)
    if limit is not None:
        todo = todo[:limit]
    checks = [check for check in map(_measure, todo) if check is not None]
    # Two requests may measure the same photo at once: the second insert is ignored, both figures are equal.
    PhotoCheck.objects.bulk_create(checks, ignore_conflicts=True)
    return len(checks)
