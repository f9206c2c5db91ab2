"""What buyers send with a review or a complaint — text and a photo — checked, then stored with the row they
belong to: both or neither. Photos are checked and rendered like catalogue photos."""

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from sambung.catalog.photos import (
    DETAIL_MAX_BYTES,
    DETAIL_WIDTH,
    THUMB_MAX_BYTES,
    THUMB_WIDTH,
    InvalidPhoto,
    Rendition,
    make_rendition,
    open_photo,
)
from sambung.feedback.models import MAX_TEXT, BuyerPhoto

T = TypeVar("T")
EXTENSIONS = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "HEIF": "heic", "WEBP": "webp"}


class FeedbackError(ValueError):
    """Something the buyer or the manager can act on; the message says what."""


@dataclass(frozen=True)
class PreparedPhoto:
    data: bytes
    extension: str
    thumb: Rendition
    detail: Rendition


def prepare_photo(data: bytes) -> PreparedPhoto:
    """Decode the upload and make its renditions; raise catalog.photos.InvalidPhoto for a file we cannot use."""
    image, image_format = open_photo(data)
    return PreparedPhoto(
        data=data,
        extension=EXTENSIONS[image_format],
        thumb=make_rendition(image, width=THUMB_WIDTH, max_bytes=THUMB_MAX_BYTES),
        detail=make_rendition(image, width=DETAIL_WIDTH, max_bytes=DETAIL_MAX_BYTES),
    )


def check_text(text: str, *, required: bool = False) -> str:
    """Return the text stripped; raise FeedbackError if it is missing (when required) or too long."""
    text = text.strip()
    if required and not text:
        raise FeedbackError(_("Tell us what happened."))
    if len(text) > MAX_TEXT:
        raise FeedbackError(
            _("Keep the text within %(limit)s characters; it has %(count)s.")
            % {"limit": MAX_TEXT, "count": len(text)}
        )
    return text


def check_photo(photo: bytes | None) -> PreparedPhoto | None:
    """Return the prepared photo (None without one); raise FeedbackError for a file that is not a usable photo."""
    if not photo:
        return None
    try:
        return prepare_photo(photo)
    except InvalidPhoto as error:
        raise FeedbackError(str(error)) from None


def save_with_photo(prepared: PreparedPhoto | None, create: Callable[[BuyerPhoto | None], T]) -> T:
    """Store the photo's files, then run `create(photo)` with the photo's row in one transaction.

    If the transaction fails (a double submit that lost the race, say), the files are removed again.
    """
    if prepared is None:
        with transaction.atomic():
            return create(None)
    digest = hashlib.sha256(prepared.data).hexdigest()[:20]
    photo = BuyerPhoto(
        thumb_width=prepared.thumb.width,
        thumb_height=prepared.thumb.height,
        detail_width=prepared.detail.width,
        detail_height=prepared.detail.height,
    )
    photo.original.save(f"{digest}.{prepared.extension}", ContentFile(prepared.data), save=False)
    photo.thumb.save(f"{digest}-{THUMB_WIDTH}.webp", ContentFile(prepared.thumb.data), save=False)
    photo.detail.save(f"{digest}-{DETAIL_WIDTH}.webp", ContentFile(prepared.detail.data), save=False)
    try:
        with transaction.atomic():
            photo.save()
            return create(photo)
    except BaseException:
        for field in (photo.original, photo.thumb, photo.detail):
            field.delete(save=False)
        raise
