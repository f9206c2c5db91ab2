"""Photo rows as events: emitted with the upload or deletion, applied within the sender's scope, shown only
once their files are here."""

import hashlib

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sambung.catalog.models import Photo, Piece
from sambung.catalog.photos import add_photo, attach_original, delete_photo
from sambung.catalog.queries import shown_photos
from sambung.lib.ids import uuid7
from sambung.sync.exchange import receive_frame
from sambung.sync.models import Event, RowVersion
from sambung.sync.photos import photo_payload
from sambung.sync.tests.remote import RemoteHub
from sambung.tests.helpers import image_bytes, make_maker, make_piece, make_product


@pytest.fixture
def hub(cooperative):
    return RemoteHub(cooperative)


@pytest.fixture
def product(cooperative):
    return make_product(cooperative, is_published=True)


@pytest.fixture
def maker(cooperative):
    return make_maker(cooperative)


def _photo_event(hub, *, data: bytes, piece=None, product=None, photo_id=None):
    """A photo.saved event as the hub's own upload would write it (row only: its file follows separately)."""
    photo = Photo(
        id=photo_id or uuid7(),
        product=product,
        piece=piece,
        sha256=hashlib.sha256(data).hexdigest(),
        alt_id="Kain di hub",
        thumb_width=480,
        thumb_height=360,
        detail_width=1080,
        detail_height=810,
    )
    photo.created_at = timezone.now()
    return photo.pk, hub.event("photo.saved", photo_payload(photo))


def _hub_piece(hub, product, maker, code="WTB-1"):
    """A piece the hub created and received at its location, as its frames would carry them."""
    sku = product.skus.first()
    piece_id, saved = hub.piece(sku=sku, maker=maker, code=code)
    receipt = hub.move(sku=sku, piece=Piece(id=piece_id), source=None, target=["qc", None], reason="receipt")
    return piece_id, [saved, receipt]


def test_an_upload_emits_photo_saved_with_its_hash_and_a_deletion_emits_photo_deleted(product, maker):
    piece = make_piece(product, maker)
    data = image_bytes()
    photo = add_photo(upload=data, piece=piece, alt_id="Kain")
    saved = Event.objects.get(kind="photo.saved")
    assert saved.payload["id"] == str(photo.pk)
    assert saved.payload["sha256"] == hashlib.sha256(data).hexdigest() == photo.sha256
    assert saved.payload["piece"] == str(piece.pk) and saved.payload["product"] is None
    assert saved.cooperative_id == product.cooperative_id
    assert RowVersion.objects.get(label="catalog.photo", row_id=str(photo.pk)).event_id == saved.pk

    photo_id = photo.pk
    delete_photo(photo=photo)
    deleted = Event.objects.get(kind="photo.deleted")
    assert deleted.payload["id"] == str(photo_id) and deleted.seq == saved.seq + 1
    assert not Photo.objects.filter(pk=photo_id).exists()


def test_a_hubs_photo_of_its_own_piece_is_kept_waiting_for_its_file_and_not_shown(hub, product, maker):
    piece_id, events = _hub_piece(hub, product, maker)
    data = image_bytes()
    photo_id, event = _photo_event(hub, data=data, piece=Piece(id=piece_id))
    result = receive_frame(hub.frame([*events, event]))
    assert (result.applied, result.review) == (3, [])
    photo = Photo.objects.get(pk=photo_id)
    assert not photo.has_files and photo.original.name == photo.thumb.name == ""
    assert not shown_photos().filter(pk=photo_id).exists()

    # Its original arrives: the centre makes the renditions with the upload's own code, and shows it.
    attach_original(photo=photo, data=data)
    photo.refresh_from_db()
    assert (
        photo.has_files
        and photo.thumb.name.endswith("-480.webp")
        and photo.detail.name.endswith("-1080.webp")
    )
    assert photo.original.read() == data
    assert shown_photos().filter(pk=photo_id).exists()


def test_a_pending_photo_is_not_on_the_storefront_and_shows_as_file_pending_in_the_office(
    cooperative, product, maker, manager
):
    hub = RemoteHub(cooperative)
    piece = make_piece(product, maker, location=hub.location)  # held at the hub (on sale online): in scope
    photo_id, event = _photo_event(hub, data=image_bytes(), piece=piece)
    assert receive_frame(hub.frame([event])).review == []
    # The piece is on sale online: its page renders (no broken image, no error) without the waiting photo.
    page = Client().get(reverse("storefront:product_detail", kwargs={"slug": product.slug}))
    assert page.status_code == 200 and piece.code in page.content.decode()
    assert "<img" not in page.content.decode().split(piece.code)[0].rsplit("<li", 1)[-1]
    office = manager.get(reverse("office:piece_photos", args=[cooperative.slug, piece.pk]))
    assert office.status_code == 200 and "file pending" in office.content.decode()
    detail = manager.get(reverse("office:piece_detail", args=[cooperative.slug, piece.pk]))
    assert detail.status_code == 200 and "file pending" in detail.content.decode()


def test_only_the_centre_may_send_product_photos(hub, product):
    photo_id, event = _photo_event(hub, data=image_bytes(), product=product)
    result = receive_frame(hub.frame([event]))
    assert len(result.review) == 1 and "only the centre may change product photos" in result.review[0]
    assert not Photo.objects.filter(pk=photo_id).exists()


def test_a_hub_may_not_photograph_a_piece_it_neither_created_nor_holds(hub, product, maker):
    piece = make_piece(product, maker)  # made at the centre, held nowhere near the hub
    photo_id, event = _photo_event(hub, data=image_bytes(), piece=piece)
    result = receive_frame(hub.frame([event]))
    assert len(result.review) == 1 and "may photograph only pieces it created or holds" in result.review[0]
    assert not Photo.objects.filter(pk=photo_id).exists()


def test_a_hub_may_not_change_a_photo_the_centre_took(hub, product, maker):
    piece = make_piece(product, maker, location=hub.location)
    photo = add_photo(upload=image_bytes(), piece=piece)
    _photo_id, event = _photo_event(hub, data=image_bytes(), piece=piece, photo_id=photo.pk)
    result = receive_frame(hub.frame([event]))
    assert len(result.review) == 1 and "may change only photos it took" in result.review[0]


def test_a_photo_waits_for_its_piece_and_a_replay_or_a_deletion_applies_once(hub, product, maker):
    piece_id, events = _hub_piece(hub, product, maker)
    photo_id, event = _photo_event(hub, data=image_bytes(), piece=Piece(id=piece_id))
    # The photo before its piece (a bundle out of order): it waits, then applies when the piece comes.
    first = receive_frame(hub.frame([event], ranges=[(hub.node.pk, 3, 3)], vector={hub.node.pk: 3}))
    assert first.waiting == 1
    receive_frame(hub.frame(events, ranges=[(hub.node.pk, 1, 2)]))
    assert Photo.objects.filter(pk=photo_id).exists()
    assert Event.objects.get(pk=event.id).state == Event.State.APPLIED
    assert receive_frame(hub.frame([event])).new == 0

    deleted = hub.event("photo.deleted", {"id": str(photo_id), "piece": str(piece_id), "product": None})
    assert receive_frame(hub.frame([deleted])).review == []
    assert not Photo.objects.filter(pk=photo_id).exists()
    # The row's older save, delivered again under a new frame, does not bring it back (last writer wins).
    assert receive_frame(hub.frame([event], ranges=[(hub.node.pk, 3, 3)])).new == 0
    assert not Photo.objects.filter(pk=photo_id).exists()


def test_a_malformed_photo_event_goes_to_review_and_writes_nothing(hub, product, maker):
    piece_id, events = _hub_piece(hub, product, maker)
    photo_id, event = _photo_event(hub, data=image_bytes(), piece=Piece(id=piece_id))
    event.payload["sha256"] = "not-a-hash"
    result = receive_frame(hub.frame([*events, event]))
    assert len(result.review) == 1 and "sha256" in result.review[0]
    assert not Photo.objects.filter(pk=photo_id).exists()
