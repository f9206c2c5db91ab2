import io
import random

import pytest
from django.conf import settings
from PIL import Image

from sambung.catalog.models import Photo
from sambung.catalog.photos import (
    DETAIL_MAX_BYTES,
    THUMB_MAX_BYTES,
    InvalidPhoto,
    add_photo,
    delete_photo,
)
from sambung.tests import helpers


def noisy_photo(size=(4000, 3000), fmt="JPEG") -> bytes:
    """A phone-sized photo full of detail, the hardest case for small renditions."""
    rng = random.Random(7)
    image = Image.effect_noise(size, 80).convert("RGB")
    for _ in range(200):
        x, y = rng.randrange(size[0]), rng.randrange(size[1])
        image.paste((rng.randrange(256), rng.randrange(256), rng.randrange(256)), (x, y, x + 150, y + 90))
    buffer = io.BytesIO()
    image.save(buffer, fmt, quality=92)
    return buffer.getvalue()


def media_files() -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_phone_photo_becomes_webp_renditions_within_budget(cooperative):
    data = noisy_photo()
    assert len(data) > 3_000_000
    photo = add_photo(upload=data, product=helpers.make_product(cooperative))
    thumb, detail = photo.thumb.read(), photo.detail.read()
    assert thumb[8:12] == b"WEBP" and detail[8:12] == b"WEBP"
    assert len(thumb) <= THUMB_MAX_BYTES and len(detail) <= DETAIL_MAX_BYTES
    assert Image.open(photo.thumb.path).size == (photo.thumb_width, photo.thumb_height)
    assert photo.detail_width <= 1080 and photo.original.read() == data


def test_png_with_transparency_and_heic_are_accepted(cooperative):
    product = helpers.make_product(cooperative)
    buffer = io.BytesIO()
    Image.new("RGBA", (300, 200), (10, 20, 30, 0)).save(buffer, "PNG")
    assert add_photo(upload=buffer.getvalue(), product=product).original.name.endswith(".png")
    from pillow_heif import from_pillow

    heif = io.BytesIO()
    from_pillow(Image.new("RGB", (320, 240), (200, 100, 50))).save(heif, quality=80)
    assert add_photo(upload=heif.getvalue(), product=product).original.name.endswith(".heic")


def test_exif_orientation_is_applied(cooperative):
    image = Image.new("RGB", (400, 200), "red")
    exif = image.getexif()
    exif[0x0112] = 6  # rotate 90° clockwise when shown
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", exif=exif)
    photo = add_photo(upload=buffer.getvalue(), product=helpers.make_product(cooperative))
    assert photo.detail_width < photo.detail_height


@pytest.mark.parametrize(
    "data",
    [b"not an image at all", helpers.image_bytes()[:2000], b"GIF89a" + b"\0" * 100],
    ids=["text", "truncated-jpeg", "gif"],
)
def test_corrupt_or_unsupported_files_are_refused_and_nothing_is_kept(cooperative, data):
    product = helpers.make_product(cooperative)
    with pytest.raises(InvalidPhoto):
        add_photo(upload=data, product=product)
    assert Photo.objects.count() == 0 and media_files() == []


def test_a_file_over_12_mb_is_refused(cooperative, settings):
    settings.PHOTO_MAX_BYTES = 1000
    with pytest.raises(InvalidPhoto, match="12 MB"):
        add_photo(upload=helpers.image_bytes(), product=helpers.make_product(cooperative))


def test_deleting_a_photo_removes_its_files(cooperative, django_capture_on_commit_callbacks):
    photo = add_photo(upload=helpers.image_bytes(), product=helpers.make_product(cooperative))
    assert len(media_files()) == 3
    with django_capture_on_commit_callbacks(execute=True):
        delete_photo(photo=photo)
    assert media_files() == [] and Photo.objects.count() == 0
