"""The HTTP transport and enrolment, through Django's test client (the two-process run is in test_two_nodes)."""

import base64
import datetime
import json

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from django.test import Client
from django.utils import timezone

from sambung.catalog.models import Piece
from sambung.sync.enrolment import EnrolmentError, enrol, issue_code, read_certificate, revoke_hub
from sambung.sync.frames import decode_frame
from sambung.sync.models import EnrolmentCode, Event, Peer
from sambung.sync.node import private_key, public_bytes, this_node
from sambung.sync.tests.remote import RemoteHub
from sambung.tests.helpers import make_maker, make_product


def _enrol(client: Client, code: str, key=None):
    key = key or Ed25519PrivateKey.generate()
    body = json.dumps({"code": code, "public_key": base64.b64encode(public_bytes(key)).decode()})
    return client.post("/sync/v1/enrol", body, content_type="application/json")


@pytest.fixture
def hub(cooperative):
    return RemoteHub(cooperative, enrol=False)


def test_enrolment_with_a_valid_code_returns_a_certificate_of_the_hubs_scope(cooperative, hub):
    code = issue_code(node=hub.node)
    response = _enrol(
        Client(HTTP_ACCEPT_LANGUAGE="en"), code.lower().replace("-", " ")
    )  # read aloud and typed loosely
    assert response.status_code == 200
    certificate = read_certificate(response.content)
    assert certificate.node == hub.node.pk
    assert certificate.cooperative == cooperative.pk
    assert certificate.locations == [hub.location.pk]
    assert certificate.centre == this_node().pk
    assert certificate.centre_key == public_bytes(private_key())
    assert Peer.objects.filter(pk=hub.node.pk).exists()
    # The snapshot: the cooperative's rows are events the hub will pull.
    assert Event.objects.filter(kind="catalog.cooperative", cooperative=cooperative).exists()


def test_a_wrong_code_is_refused_and_nothing_changes(hub):
    issue_code(node=hub.node)
    response = _enrol(Client(HTTP_ACCEPT_LANGUAGE="en"), "AAAA-BBBB-CCCC")
    assert response.status_code == 403
    assert "not valid" in response.content.decode()
    assert not Peer.objects.exists()


def test_a_used_code_cannot_enrol_a_second_key(hub):
    code = issue_code(node=hub.node)
    first = Ed25519PrivateKey.generate()
    assert _enrol(Client(HTTP_ACCEPT_LANGUAGE="en"), code, first).status_code == 200
    response = _enrol(Client(HTTP_ACCEPT_LANGUAGE="en"), code)
    assert response.status_code == 403 and "already used" in response.content.decode()
    assert bytes(Peer.objects.get(pk=hub.node.pk).public_key) == public_bytes(first)


def test_an_expired_code_is_refused(hub):
    code = issue_code(node=hub.node, now=timezone.now() - datetime.timedelta(days=4))
    response = _enrol(Client(HTTP_ACCEPT_LANGUAGE="en"), code)
    assert response.status_code == 403 and "expired" in response.content.decode()
    assert EnrolmentCode.objects.get().used_at is None


def test_only_the_hash_of_a_code_is_kept(hub):
    code = issue_code(node=hub.node)
    stored = EnrolmentCode.objects.get()
    assert code.replace("-", "") not in stored.code_hash


def test_a_revoked_hubs_codes_stop_working(hub):
    code = issue_code(node=hub.node)
    revoke_hub(node=hub.node)
    with pytest.raises(EnrolmentError):
        enrol(code=code, public_key=public_bytes(Ed25519PrivateKey.generate()))


def test_a_malformed_enrolment_request_is_400(db):
    assert (
        Client(HTTP_ACCEPT_LANGUAGE="en")
        .post("/sync/v1/enrol", "{", content_type="application/json")
        .status_code
        == 400
    )


def test_push_applies_the_frame_and_answers_with_a_signed_acknowledgement(cooperative):
    hub = RemoteHub(cooperative)
    sku = make_product(cooperative).skus.first()
    piece_id, saved = hub.piece(sku=sku, maker=make_maker(cooperative), code="HTTP-1")
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/sync/v1/push", hub.frame([saved]), content_type="application/octet-stream"
    )
    assert response.status_code == 200
    ack = decode_frame(response.content, private_key().public_key())
    assert ack.vector[hub.node.pk] == 1
    assert Piece.objects.filter(pk=piece_id).exists()
    assert Peer.objects.get(pk=hub.node.pk).last_sync_at is not None


def test_push_from_a_revoked_hub_is_403_and_applies_nothing(cooperative):
    hub = RemoteHub(cooperative)
    revoke_hub(node=hub.node)
    sku = make_product(cooperative).skus.first()
    _id, saved = hub.piece(sku=sku, maker=make_maker(cooperative), code="HTTP-2")
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/sync/v1/push", hub.frame([saved]), content_type="application/octet-stream"
    )
    assert response.status_code == 403
    assert "revoked" in response.content.decode()
    assert not Piece.objects.filter(code="HTTP-2").exists()


def test_a_tampered_push_is_400_and_applies_nothing(cooperative):
    hub = RemoteHub(cooperative)
    sku = make_product(cooperative).skus.first()
    _id, saved = hub.piece(sku=sku, maker=make_maker(cooperative), code="HTTP-3")
    data = bytearray(hub.frame([saved]))
    data[-100] ^= 0xFF
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/sync/v1/push", bytes(data), content_type="application/octet-stream"
    )
    assert response.status_code == 400
    assert "nothing applied" in response.content.decode()
    assert not Piece.objects.filter(code="HTTP-3").exists()


def test_pull_sends_what_the_hub_lacks_and_records_its_acknowledgement(cooperative):
    hub = RemoteHub(cooperative)
    make_product(cooperative)
    request = hub.frame([], vector={})
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/sync/v1/pull", request, content_type="application/octet-stream"
    )
    assert response.status_code == 200
    frame = decode_frame(response.content, private_key().public_key())
    assert frame.events and {e.cooperative for e in frame.events} <= {cooperative.pk, None}
    centre = this_node().pk
    ack = Client(HTTP_ACCEPT_LANGUAGE="en").post(
        "/sync/v1/pull",
        hub.frame([], vector={centre: frame.ranges[0][2]}),
        content_type="application/octet-stream",
    )
    assert decode_frame(ack.content, private_key().public_key()).ranges == []
    assert Peer.objects.get(pk=hub.node.pk).acknowledged[str(centre)] == frame.ranges[0][2]


def test_the_endpoints_take_only_post(db):
    assert Client(HTTP_ACCEPT_LANGUAGE="en").get("/sync/v1/pull").status_code == 405


def test_a_hub_whose_link_dropped_after_the_centre_accepted_its_code_gets_the_same_certificate_again(hub):
    code = issue_code(node=hub.node)
    key = Ed25519PrivateKey.generate()
    first = _enrol(Client(HTTP_ACCEPT_LANGUAGE="en"), code, key)  # the reply is lost on the way back
    events = Event.objects.count()

    again = _enrol(Client(HTTP_ACCEPT_LANGUAGE="en"), code, key)

    assert first.status_code == again.status_code == 200
    assert again.content == first.content  # the same certificate, byte for byte
    assert read_certificate(again.content).node == hub.node.pk
    assert Event.objects.count() == events  # no second snapshot
    assert bytes(Peer.objects.get(pk=hub.node.pk).public_key) == public_bytes(key)
    stranger = _enrol(Client(HTTP_ACCEPT_LANGUAGE="en"), code)  # the same code with another key: still used
    assert stranger.status_code == 403 and "already used" in stranger.content.decode()
    assert bytes(Peer.objects.get(pk=hub.node.pk).public_key) == public_bytes(key)


def test_a_retry_with_the_same_key_is_refused_once_the_code_expired_or_the_hub_synced_or_was_revoked(hub):
    key = public_bytes(Ed25519PrivateKey.generate())
    code = issue_code(node=hub.node)
    enrol(code=code, public_key=key)
    with pytest.raises(EnrolmentError, match="already used"):
        enrol(code=code, public_key=key, now=timezone.now() + datetime.timedelta(days=4))
    Peer.objects.filter(pk=hub.node.pk).update(last_sync_at=timezone.now())
    with pytest.raises(EnrolmentError, match="already used"):
        enrol(code=code, public_key=key)  # it synced: it holds its certificate, the code is spent

    Peer.objects.filter(pk=hub.node.pk).update(last_sync_at=None)
    enrol(code=code, public_key=key)  # (the same retry, before the revocation below)
    revoke_hub(node=hub.node)
    with pytest.raises(EnrolmentError, match="already used"):
        enrol(code=code, public_key=key)


def test_enrol_hub_tells_the_operator_to_retry_with_the_same_code_when_the_link_drops(db):
    from django.core.management import CommandError, call_command

    with pytest.raises(CommandError, match="run the same command again with the same code"):
        call_command("enrol_hub", "--centre", "http://127.0.0.1:9", "--code", "AAAA-BBBB-CCCC")
    assert not Peer.objects.exists()
