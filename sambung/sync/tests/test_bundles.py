"""Bundle files through the commands: all or nothing, with a message a person can act on."""

import io

import pytest
from django.core.management import CommandError, call_command

from sambung.catalog.models import Piece
from sambung.sync.frames import BUNDLE_FORMAT, decode_bundle, decode_frame, encode_bundle
from sambung.sync.models import Event
from sambung.sync.node import private_key, this_node
from sambung.sync.tests.remote import RemoteHub
from sambung.tests.helpers import make_maker, make_product


@pytest.fixture
def hub(cooperative):
    return RemoteHub(cooperative)


def _hub_bundle(hub, cooperative, codes=("B-1", "B-2"), recipient=None) -> bytes:
    sku = make_product(cooperative).skus.first()
    maker = make_maker(cooperative)
    frames = []
    for code in codes:
        _id, saved = hub.piece(sku=sku, maker=maker, code=code)
        frames.append(hub.frame([saved]))
    return encode_bundle(sender=hub.node.pk, recipient=recipient or this_node().pk, frames=frames)


def _import(path) -> str:
    out = io.StringIO()
    call_command("import_bundle", str(path), stdout=out)
    return out.getvalue()


def test_a_hubs_bundle_imports_and_a_second_import_says_already_imported(cooperative, hub, tmp_path):
    path = tmp_path / "hub.sambung"
    path.write_bytes(_hub_bundle(hub, cooperative))
    output = _import(path)
    assert "imported 2 frames, 2 events" in output
    assert Piece.objects.filter(code__in=["B-1", "B-2"]).count() == 2
    events = Event.objects.count()
    assert "already imported" in _import(path)
    assert Event.objects.count() == events


@pytest.mark.parametrize(
    ("damage", "message"),
    [
        (lambda data: data[:-200], "truncated"),
        (lambda data: data[:-40] + bytes([data[-40] ^ 1]) + data[-39:], "signature"),
        (lambda data: data[:12] + (BUNDLE_FORMAT + 1).to_bytes(2, "big") + data[14:], "newer"),
        (lambda data: b"not a bundle", "not a Sambung bundle"),
    ],
    ids=["truncated", "tampered", "newer-format", "not-a-bundle"],
)
def test_a_bad_bundle_exits_1_with_a_reason_and_applies_nothing(cooperative, hub, tmp_path, damage, message):
    path = tmp_path / "bad.sambung"
    path.write_bytes(damage(_hub_bundle(hub, cooperative)))
    before = Event.objects.count()
    with pytest.raises(CommandError, match=message):
        _import(path)
    assert Event.objects.count() == before
    assert not Piece.objects.filter(code__in=["B-1", "B-2"]).exists()


def test_a_bundle_from_an_unenrolled_node_is_refused(cooperative, tmp_path):
    stranger = RemoteHub(cooperative, "Hub Asing", enrol=False)
    path = tmp_path / "stranger.sambung"
    path.write_bytes(_hub_bundle(stranger, cooperative))
    with pytest.raises(CommandError, match="not enrolled"):
        _import(path)
    assert not Piece.objects.filter(code="B-1").exists()


def test_a_bundle_for_another_node_is_refused(cooperative, hub, tmp_path):
    path = tmp_path / "other.sambung"
    path.write_bytes(_hub_bundle(hub, cooperative, recipient=hub.node.pk))
    with pytest.raises(CommandError, match="another node"):
        _import(path)


def test_export_for_a_hub_holds_its_cooperatives_events_signed_by_the_centre(cooperative, hub, tmp_path):
    make_product(cooperative)
    path = tmp_path / "reply.sambung"
    call_command("export_bundle", str(path), "--for", hub.node.name, stdout=io.StringIO())
    bundle = decode_bundle(path.read_bytes())
    assert bundle.sender == this_node().pk and bundle.recipient == hub.node.pk
    frame = decode_frame(bundle.frames[0], private_key().public_key())
    assert frame.events and all(e.cooperative in (cooperative.pk, None) for e in frame.events)


def test_export_for_an_unknown_node_is_refused(db, tmp_path):
    with pytest.raises(CommandError, match="No enrolled node"):
        call_command("export_bundle", str(tmp_path / "x.sambung"), "--for", "Hub Tidak Ada")


def test_sync_state_is_canonical_json(cooperative):
    import json

    make_product(cooperative)
    out = io.StringIO()
    call_command("sync_state", "--cooperative", cooperative.slug, stdout=out)
    state = json.loads(out.getvalue())
    assert state["models"]["catalog.product"]["count"] == 1
    assert len(state["digest"]) == 64


def test_export_on_the_centre_needs_the_hubs_name(db, tmp_path):
    with pytest.raises(CommandError, match="--for"):
        call_command("export_bundle", str(tmp_path / "x.sambung"))
