"""A hub's Sync page with photo files: a bundle's file part is stored and its bytes shown, or refused whole."""

from django.core.files.uploadedfile import SimpleUploadedFile

from sambung.catalog.models import Photo
from sambung.catalog.photos import (
    DETAIL_MAX_BYTES,
    DETAIL_WIDTH,
    THUMB_MAX_BYTES,
    THUMB_WIDTH,
    make_rendition,
    open_photo,
    record_synced_photo,
)
from sambung.lib.ids import uuid7
from sambung.sync import files
from sambung.sync.frames import encode_bundle, encode_frame
from sambung.sync.node import private_key
from sambung.sync.tests import test_views
from sambung.sync.tests.test_views import sync_url
from sambung.tests.helpers import image_bytes, make_product

as_hub = test_views.as_hub  # this installation as a hub whose centre signs with the same key file


def _centre_bundle(centre, hub, photo: Photo, *, tamper: bool = False) -> bytes:
    image, _format = open_photo(image_bytes())
    thumb = make_rendition(image, width=THUMB_WIDTH, max_bytes=THUMB_MAX_BYTES).data
    detail = make_rendition(image, width=DETAIL_WIDTH, max_bytes=DETAIL_MAX_BYTES).data
    part = files.encode_file_part(
        [], [(photo.pk, "thumb", thumb), (photo.pk, "detail", detail)], sender=centre.pk, key=private_key()
    )
    if tamper:
        part = part[:-100] + bytes([part[-100] ^ 1]) + part[-99:]  # inside the detail rendition
    frame = encode_frame(sender=centre.pk, key=private_key(), vector={})
    return encode_bundle(sender=centre.pk, recipient=hub.pk, frames=[frame], files=part)


def _pending_product_photo(cooperative) -> Photo:
    return record_synced_photo(
        photo=Photo(
            id=uuid7(),
            product=make_product(cooperative),
            sha256="a" * 64,
            thumb_width=480,
            thumb_height=360,
            detail_width=1080,
            detail_height=810,
        )  # fmt: skip
    )


def test_a_hub_imports_the_centres_photo_files_and_sees_their_bytes(cooperative, operator, as_hub):
    centre, hub = as_hub
    photo = _pending_product_photo(cooperative)
    bundle = _centre_bundle(centre, hub, photo)
    response = operator.post(
        sync_url(cooperative, "impor/"), {"bundle": SimpleUploadedFile("b.sambung", bundle)}
    )
    assert response.status_code == 200
    steps = response.context["steps"]
    assert [(step.direction, step.part, step.files) for step in steps] == [
        ("import", "frame", 0),
        ("import", "files", 2),
    ]
    assert response.context["total_size"] == sum(step.size for step in steps) > 0
    assert "2 berkas foto" in response.content.decode()  # the page speaks Indonesian
    photo.refresh_from_db()
    assert photo.has_files and photo.original.name == "" and photo.thumb.name.endswith("-480.webp")


def test_a_tampered_file_part_imports_nothing(cooperative, operator, as_hub):
    centre, hub = as_hub
    photo = _pending_product_photo(cooperative)
    bundle = _centre_bundle(centre, hub, photo, tamper=True)
    response = operator.post(
        sync_url(cooperative, "impor/"), {"bundle": SimpleUploadedFile("b.sambung", bundle)}
    )
    assert response.status_code == 200
    error = response.context["error"]
    assert (
        error.startswith("Tidak ada yang diimpor") and "tanda tangan" in error
    )  # nothing imported; signature
    assert "steps" not in response.context or not response.context["steps"]
    photo.refresh_from_db()
    assert not photo.has_files
