"""Photos: keep the upload as sent, and write WebP renditions small enough for a slow phone link.

The only writer of Photo rows. A photo that came by sync (sync.photos) is written by `record_synced_photo`
without files (`has_files` False: not shown); its files arrive later (sync.files) and are stored by
`attach_original` (at the centre: the renditions are made here, as for an upload) or `attach_rendition`
(at a hub: the centre's thumb and detail, never the original).
"""

import hashlib
import io
from dataclasses import dataclass

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from sambung.catalog.models import Photo, Piece, Product
from sambung.sync.photos import emit_photo_deleted, emit_photo_saved

# A 200-megapixel phone photo is 200e6 pixels; anything beyond is not a photo but a decompression bomb.
Image.MAX_IMAGE_PIXELS = 210_000_000

THUMB_WIDTH, THUMB_MAX_BYTES = 480, 15 * 1024
DETAIL_WIDTH, DETAIL_MAX_BYTES = 1080, 80 * 1024
ACCEPTED_FORMATS = {"JPEG", "PNG", "HEIF", "WEBP", "MPO"}


class InvalidPhoto(ValueError):
    """The upload is not a photo we can use; the message says why, in the user's language."""


@dataclass(frozen=True)
class Rendition:
    data: bytes
    width: int
    height: int


def open_photo(data: bytes) -> tuple[Image.Image, str]:
    """Decode an upload fully (so truncated files fail here); return it upright, in RGB, with its format."""
    if len(data) > settings.PHOTO_MAX_BYTES:
        raise InvalidPhoto(_("The photo is larger than 12 MB. Send a smaller photo."))
    try:
        image = Image.open(io.BytesIO(data))
        if image.format not in ACCEPTED_FORMATS:
            raise InvalidPhoto(_("Send a JPEG, PNG or HEIC photo."))
        image_format = image.format
        image.load()
        image = ImageOps.exif_transpose(image)
    except InvalidPhoto:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidPhoto(_("This file is not a photo we can read, or it is damaged.")) from None
    if image.mode not in ("RGB", "L"):
        background = Image.new("RGB", image.size, "white")
        rgba = image.convert("RGBA")
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    return image.convert("RGB"), image_format


def make_rendition(image: Image.Image, *, width: int, max_bytes: int) -> Rendition:
    """Return a WebP no wider than `width` and no larger than `max_bytes`, lowering quality, then size."""
    scale = min(1.0, width / image.width)
    while True:
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        resized = image.resize(size, Image.Resampling.LANCZOS) if size != image.size else image
        for quality in (80, 70, 60, 50, 40, 30):
            buffer = io.BytesIO()
            resized.save(buffer, "WEBP", quality=quality, method=4)
            if buffer.tell() <= max_bytes:
                return Rendition(buffer.getvalue(), *size)
        scale *= 0.8


def add_photo(
    *,
    upload: UploadedFile | bytes,
    product: Product | None = None,
    piece: Piece | None = None,
    alt_id: str = "",
    alt_en: str = "",
    position: int | None = None,
) -> Photo:
    """Store a photo of a product or a piece with its renditions; raise InvalidPhoto for a bad file."""
    if (product is None) == (piece is None):
        raise ValueError("a photo belongs to exactly one product or piece")
    data = upload if isinstance(upload, bytes) else b"".join(upload.chunks())
    image, image_format = open_photo(data)
    thumb = make_rendition(image, width=THUMB_WIDTH, max_bytes=THUMB_MAX_BYTES)
    detail = make_rendition(image, width=DETAIL_WIDTH, max_bytes=DETAIL_MAX_BYTES)
    sha256 = hashlib.sha256(data).hexdigest()
    owner = product or piece
    if position is None:
        position = owner.photos.count()
    photo = Photo(
        product=product,
        piece=piece,
        alt_id=alt_id,
        alt_en=alt_en,
        position=position,
        thumb_width=thumb.width,
        thumb_height=thumb.height,
        detail_width=detail.width,
        detail_height=detail.height,
        sha256=sha256,
    )
    # Files first, row second: if the row fails, the files are removed again, so nothing is half-saved.
    _save_files(photo, data, image_format, thumb, detail)
    try:
        with transaction.atomic():
            photo.save()
            emit_photo_saved(photo)
            if product is not None:
                # Measured once, now, from the rendition still in memory: the listing-quality page then
                # decodes no image. Imported here: feedback builds on catalog, not the other way round.
                from sambung.feedback.photo_checks import record_measurement

                record_measurement(photo=photo, detail=detail.data, long_side=max(image.size))
    except Exception:
        for field in (photo.original, photo.thumb, photo.detail):
            field.delete(save=False)
        raise
    return photo


def _save_files(photo: Photo, data: bytes, image_format: str, thumb: Rendition, detail: Rendition) -> None:
    digest = photo.sha256[:20]
    extension = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "HEIF": "heic", "WEBP": "webp"}[image_format]
    photo.original.save(f"{digest}.{extension}", ContentFile(data), save=False)
    photo.thumb.save(f"{digest}-{THUMB_WIDTH}.webp", ContentFile(thumb.data), save=False)
    photo.detail.save(f"{digest}-{DETAIL_WIDTH}.webp", ContentFile(detail.data), save=False)


def delete_photo(*, photo: Photo) -> None:
    """Delete a photo row and its files once the deletion is committed."""
    files = [name for name in (photo.original.name, photo.thumb.name, photo.detail.name) if name]
    storage = photo.original.storage
    with transaction.atomic():
        emit_photo_deleted(photo)
        photo.delete()
    transaction.on_commit(lambda: [storage.delete(name) for name in files])


def record_synced_photo(*, photo: Photo) -> Photo:
    """Write a photo row another node sent: its files are not here yet, so it is not shown until they are.

    A row already here keeps its files and their sizes; only what its writer may change is taken.
    """
    current = Photo.objects.filter(pk=photo.pk).first()
    if current is None:
        photo.original.name = photo.thumb.name = photo.detail.name = ""
        photo.has_files = False
        photo.save(force_insert=True)
        return photo
    if current.sha256 != photo.sha256:
        raise ValueError(_("A photo's file cannot change; upload a new photo instead."))
    for name in ("alt_id", "alt_en", "position"):
        setattr(current, name, getattr(photo, name))
    current.save(update_fields=["alt_id", "alt_en", "position"])
    return current


def attach_original(*, photo: Photo, data: bytes) -> Photo:
    """Store a synced photo's original and make its renditions with the upload's own code; raise InvalidPhoto."""
    if hashlib.sha256(data).hexdigest() != photo.sha256:
        raise InvalidPhoto(_("The file does not match the photo's SHA-256: refused, not stored."))
    image, image_format = open_photo(data)
    thumb = make_rendition(image, width=THUMB_WIDTH, max_bytes=THUMB_MAX_BYTES)
    detail = make_rendition(image, width=DETAIL_WIDTH, max_bytes=DETAIL_MAX_BYTES)
    old = [name for name in (photo.original.name, photo.thumb.name, photo.detail.name) if name]
    _save_files(photo, data, image_format, thumb, detail)
    photo.thumb_width, photo.thumb_height = thumb.width, thumb.height
    photo.detail_width, photo.detail_height = detail.width, detail.height
    photo.has_files = True
    try:
        with transaction.atomic():
            photo.save()
            if photo.product_id is not None:
                from sambung.feedback.photo_checks import record_measurement

                record_measurement(photo=photo, detail=detail.data, long_side=max(image.size))
    except Exception:
        for field in (photo.original, photo.thumb, photo.detail):
            field.delete(save=False)
        raise
    storage = photo.original.storage
    transaction.on_commit(lambda: [storage.delete(name) for name in old])
    return photo


RENDITIONS = {"thumb": THUMB_WIDTH, "detail": DETAIL_WIDTH}


def attach_rendition(*, photo: Photo, role: str, data: bytes) -> Photo:
    """Store one rendition (thumb or detail) a hub received; the photo is shown once it has both."""
    if role not in RENDITIONS:
        raise ValueError(f"unknown rendition {role!r}")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != "WEBP":
                raise InvalidPhoto(_("This file is not a photo we can read, or it is damaged."))
            image.load()
            width, height = image.size
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidPhoto(_("This file is not a photo we can read, or it is damaged.")) from None
    field = getattr(photo, role)
    old = field.name
    field.save(f"{photo.sha256[:20]}-{RENDITIONS[role]}.webp", ContentFile(data), save=False)
    setattr(photo, f"{role}_width", width)
    setattr(photo, f"{role}_height", height)
    photo.has_files = bool(photo.thumb.name and photo.detail.name)
    try:
        photo.save()
    except Exception:
        field.delete(save=False)
        raise
    if old:
        storage = field.storage
        transaction.on_commit(lambda: storage.delete(old))
    return photo


def hash_original(*, photo: Photo) -> str:
    """Record the SHA-256 of a photo uploaded before photos synced; return it ("" if its file cannot be read)."""
    try:
        with photo.original.open("rb") as original:
            digest = hashlib.file_digest(original, "sha256").hexdigest()
    except (OSError, ValueError):
        return ""
    Photo.objects.filter(pk=photo.pk).update(sha256=digest)
    photo.sha256 = digest
    return digest
