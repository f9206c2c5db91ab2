"""Photo files over HTTP (Django's test client) and in a bundle's file part: signed, checked, resumable."""

import hashlib
import struct

import msgpack
import pytest
from django.test import Client

from sambung.catalog.models import Photo, Piece
from sambung.catalog.photos import add_photo
from sambung.sync import files
from sambung.sync.enrolment import revoke_hub
from sambung.sync.exchange import receive_frame
from sambung.sync.models import Peer, WantedFile
from sambung.sync.node import private_key, public_bytes, this_node
from sambung.sync.tests.remote import RemoteHub
from sambung.sync.tests.test_photos import _hub_piece, _photo_event
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


def _post(hub, path: str, header: dict, body: bytes = b"", key=None):
    data = files.encode_envelope(header, body, sender=hub.node.pk, key=key or hub.key)
    return Client(HTTP_ACCEPT_LANGUAGE="en").post(
        f"/sync/v1/files/{path}", data, content_type="application/octet-stream"
    )


def _centre() -> Peer:
    """The centre as its hubs know it (a Peer row on a hub; here, only its key)."""
    return Peer(node=this_node(), public_key=public_bytes(private_key()))


def _answer(response) -> dict:
    assert response.status_code == 200, response.content
    _peer, header, _body = files.open_envelope(response.content, peer=_centre())
    return header


def _pending_hub_photo(hub, product, maker, data: bytes) -> Photo:
    piece_id, events = _hub_piece(hub, product, maker)
    photo_id, event = _photo_event(hub, data=data, piece=Piece(id=piece_id))
    assert receive_frame(hub.frame([*events, event])).review == []
    return Photo.objects.get(pk=photo_id)


def test_the_centre_asks_for_a_hubs_original_and_a_cut_upload_resumes_where_it_stopped(hub, product, maker):
    data = image_bytes((1600, 1200))
    photo = _pending_hub_photo(hub, product, maker, data)
    sha256 = hashlib.sha256(data).hexdigest()
    wants = _answer(_post(hub, "wants", {"op": "wants"}))["w"]
    assert wants == [[photo.pk.bytes, "original", sha256, 0]]

    half = len(data) // 2
    header = {"op": "put", "p": photo.pk.bytes, "h": sha256, "n": len(data)}
    assert _answer(_post(hub, "put", {**header, "o": 0}, data[:half]))["held"] == half
    # The link dropped; the hub asks again: the centre says how much it holds, and takes the rest from there.
    assert _answer(_post(hub, "wants", {"op": "wants"}))["w"][0][3] == half
    assert (
        _answer(_post(hub, "put", {**header, "o": 0}, data))["held"] == half
    )  # wrong offset: nothing written
    photo.refresh_from_db()
    assert not photo.has_files
    done = _answer(_post(hub, "put", {**header, "o": half}, data[half:]))
    assert done["done"] and done["held"] == len(data)
    photo.refresh_from_db()
    assert photo.has_files and photo.original.read() == data and photo.thumb.name.endswith(".webp")
    assert _answer(_post(hub, "wants", {"op": "wants"}))["w"] == []  # already there: skipped next time


def test_a_file_that_does_not_match_its_hash_is_refused_and_not_stored(hub, product, maker, settings):
    data = image_bytes()
    photo = _pending_hub_photo(hub, product, maker, data)
    sha256 = hashlib.sha256(data).hexdigest()
    damaged = bytearray(data)
    damaged[len(data) // 2] ^= 0xFF
    response = _post(
        hub, "put", {"op": "put", "p": photo.pk.bytes, "h": sha256, "n": len(data), "o": 0}, bytes(damaged)
    )
    assert response.status_code == 400 and "SHA-256" in response.content.decode()
    photo.refresh_from_db()
    assert not photo.has_files and photo.original.name == ""
    assert list(files.incoming_dir().iterdir()) == []  # the part was dropped too
    longer = _post(hub, "put", {"op": "put", "p": photo.pk.bytes, "h": sha256, "n": 10, "o": 0}, data[:20])
    assert longer.status_code == 400 and not list(files.incoming_dir().iterdir())


def test_an_unenrolled_or_revoked_hub_and_a_forged_signature_are_refused(cooperative, hub, product, maker):
    stranger = RemoteHub(cooperative, "Hub Asing", enrol=False)
    assert _post(stranger, "wants", {"op": "wants"}).status_code == 403
    forged = _post(hub, "wants", {"op": "wants"}, key=stranger.key)
    assert forged.status_code == 400 and "signature" in forged.content.decode()
    revoke_hub(node=hub.node)
    refused = _post(hub, "get", {"op": "get", "p": b"\0" * 16, "r": "thumb", "o": 0})
    assert refused.status_code == 403 and "revoked" in refused.content.decode()


def test_a_hub_gets_only_renditions_of_its_own_cooperatives_photos(hub, product, maker, other_cooperative):
    photo = add_photo(upload=image_bytes(), product=product)
    answer = _post(hub, "get", {"op": "get", "p": photo.pk.bytes, "r": "thumb", "o": 0})
    assert answer.status_code == 200
    _peer, header, body = files.open_envelope(answer.content, peer=_centre())
    assert body == photo.thumb.read() and header["h"] == hashlib.sha256(body).hexdigest()
    assert _answer(_post(hub, "get", {"op": "get", "p": photo.pk.bytes, "r": "original", "o": 0}))["missing"]
    other = add_photo(upload=image_bytes(), product=make_product(other_cooperative))
    assert _answer(_post(hub, "get", {"op": "get", "p": other.pk.bytes, "r": "thumb", "o": 0}))["missing"]


def _part_header(part: bytes) -> dict:
    (length,) = struct.unpack_from(">I", part, 5)
    return msgpack.unpackb(part[9 : 9 + length], raw=False)


def test_the_centres_file_part_for_a_hub_carries_renditions_never_the_original(hub, product, maker):
    piece = make_piece(product, maker, location=hub.location)
    photo = add_photo(upload=image_bytes(), piece=piece)
    WantedFile.objects.create(peer=hub.peer, photo_id=photo.pk, role="original")  # asked, but never sent
    part, count = files.build_file_part(hub.peer, [photo.pk])
    carried = _part_header(part)["f"]
    assert count == 2 and sorted(role for _id, role, _sha, _n in carried) == ["detail", "thumb"]
    assert {bytes(sha) for *_rest, sha, _n in carried} == {
        hashlib.sha256(photo.thumb.read()).digest(),
        hashlib.sha256(photo.detail.read()).digest(),
    }


def test_a_hubs_file_part_stores_its_original_and_a_damaged_part_is_refused_whole(hub, product, maker):
    data = image_bytes()
    photo = _pending_hub_photo(hub, product, maker, data)
    waits = [(photo.pk, "thumb")]  # what the hub itself waits for: the next bundle for it carries it
    part = files.encode_file_part(waits, [(photo.pk, "original", data)], sender=hub.node.pk, key=hub.key)

    truncated, tampered = part[:-10], bytearray(part)
    tampered[len(part) // 2] ^= 1
    for damaged, message in ((truncated, "cut short"), (bytes(tampered), "altered")):
        with pytest.raises(files.FileRefused, match=message):
            files.read_file_part(damaged, hub.peer)
    # Signed by the hub, yet not the file its row names: refused by the hash check.
    wrong = files.encode_file_part(
        [], [(photo.pk, "original", image_bytes(color=(1, 2, 3)))], sender=hub.node.pk, key=hub.key
    )
    stored, problems = files.store_file_part(hub.peer, files.read_file_part(wrong, hub.peer))
    assert stored == 0 and len(problems) == 1 and "SHA-256" in problems[0]
    photo.refresh_from_db()
    assert not photo.has_files

    stored, problems = files.store_file_part(hub.peer, files.read_file_part(part, hub.peer))
    assert (stored, problems) == (1, [])
    photo.refresh_from_db()
    assert photo.has_files and photo.original.read() == data
    assert list(WantedFile.objects.values_list("photo_id", "role")) == waits
