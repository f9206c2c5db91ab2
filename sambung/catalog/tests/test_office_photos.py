"""Photos of products and pieces uploaded from a phone: WebP renditions within budget, bad files refused."""

import io

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from sambung.catalog.models import Photo
from sambung.catalog.photos import THUMB_MAX_BYTES, add_photo
from sambung.catalog.tests import media_files, office_url, photo_jpeg, shows
from sambung.tests.helpers import image_bytes, make_maker, make_piece, make_product


@pytest.fixture
def product(cooperative):
    return make_product(cooperative)


@pytest.fixture
def piece(cooperative, product):
    return make_piece(product, make_maker(cooperative))


def upload(data: bytes, name: str = "foto.jpg", content_type: str = "image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def test_phone_jpeg_of_a_product_becomes_a_webp_thumb_within_budget(manager, cooperative, product):
    url = office_url("product_photos", cooperative.slug, product.pk)

    response = manager.post(url, {"photo": upload(photo_jpeg()), "alt_id": "Sarung terlipat"}, follow=True)

    photo = Photo.objects.get()
    assert (photo.product, photo.piece, photo.alt_id) == (product, None, "Sarung terlipat")
    assert photo.thumb.size <= THUMB_MAX_BYTES == 15 * 1024
    with Image.open(photo.thumb.path) as thumb:
        assert thumb.format == "WEBP"
        assert thumb.size == (photo.thumb_width, photo.thumb_height)
    assert response.redirect_chain == [(url, 302)]
    assert shows(response, "Photo added.")
    assert photo.thumb.url in response.content.decode()


def test_operator_adds_a_photo_of_a_piece(operator, cooperative, piece):
    response = operator.post(
        office_url("piece_photos", cooperative.slug, piece.pk), {"photo": upload(image_bytes())}
    )

    assert response.status_code == 302
    photo = Photo.objects.get()
    assert (photo.piece, photo.product) == (piece, None)
    assert len(media_files()) == 3  # original, thumb and detail


def test_manager_deletes_a_product_photo_and_its_files(
    manager, cooperative, product, django_capture_on_commit_callbacks
):
    photo = add_photo(upload=image_bytes(), product=product)
    url = office_url("product_photo_delete", cooperative.slug, product.pk, photo.pk)
    assert shows(manager.get(url), "Delete this photo?")

    with django_capture_on_commit_callbacks(execute=True):
        response = manager.post(url)

    assert response.url == office_url("product_photos", cooperative.slug, product.pk)
    assert not Photo.objects.exists()
    assert media_files() == []


def test_operator_deletes_a_piece_photo(operator, cooperative, piece, django_capture_on_commit_callbacks):
    photo = add_photo(upload=image_bytes(), piece=piece)

    with django_capture_on_commit_callbacks(execute=True):
        operator.post(office_url("piece_photo_delete", cooperative.slug, piece.pk, photo.pk))

    assert not Photo.objects.exists()
    assert media_files() == []


def truncated_jpeg() -> bytes:
    data = image_bytes((800, 600))
    return data[: len(data) // 2]


def text_file() -> bytes:
    return b"bukan foto, hanya teks\n" * 10


def gif() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "red").save(buffer, "GIF")
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("make_data", "message"),
    [
        (truncated_jpeg, "This file is not a photo we can read, or it is damaged."),
        (text_file, "This file is not a photo we can read, or it is damaged."),
        (gif, "Send a JPEG, PNG or HEIC photo."),
        (lambda: b"", "The file is empty."),
    ],
    ids=["corrupt JPEG", "text file", "GIF", "empty file"],
)
@pytest.mark.parametrize("owner", ["product", "piece"])
def test_a_file_that_is_not_a_usable_photo_is_refused(
    request, manager, cooperative, owner, make_data, message
):
    row = request.getfixturevalue(owner)

    response = manager.post(
        office_url(f"{owner}_photos", cooperative.slug, row.pk), {"photo": upload(make_data())}
    )

    assert response.status_code == 200
    assert shows(response, message)
    assert not Photo.objects.exists()
    assert media_files() == []


def test_a_photo_over_12_mb_is_refused(manager, cooperative, product):
    too_big = image_bytes((64, 48)) + b"\0" * settings.PHOTO_MAX_BYTES

    response = manager.post(
        office_url("product_photos", cooperative.slug, product.pk), {"photo": upload(too_big)}
    )

    assert response.status_code == 200
    assert shows(response, "The photo is larger than 12 MB. Send a smaller photo.")
    assert not Photo.objects.exists()
    assert media_files() == []


def test_an_upload_without_a_file_is_refused(manager, cooperative, product):
    response = manager.post(
        office_url("product_photos", cooperative.slug, product.pk), {"alt_id": "tanpa foto"}
    )

    assert shows(response, "Choose a photo to upload.")
    assert not Photo.objects.exists()
