"""Frames from a simulated hub, applied on this node (the centre): scope, waiting, review, idempotence."""

import time
from uuid import UUID

import pytest
from django.utils import timezone

from sambung.catalog.models import SKU, Piece, Product
from sambung.inventory.models import Position, StockLevel
from sambung.inventory.stock import web_store
from sambung.lib.ids import uuid7
from sambung.sync.exchange import PeerRefused, build_frame, receive_frame
from sambung.sync.frames import FrameError
from sambung.sync.models import Event, OriginCursor, Peer
from sambung.sync.node import this_node
from sambung.sync.rows import serialize_row
from sambung.sync.tests.remote import RemoteHub
from sambung.tests.helpers import make_location, make_maker, make_piece, make_product, make_stock


@pytest.fixture
def hub(cooperative):
    return RemoteHub(cooperative)


@pytest.fixture
def sku(cooperative):
    return make_product(cooperative).skus.first()


@pytest.fixture
def maker(cooperative):
    return make_maker(cooperative)


def _qc(piece_id, location) -> int:
    level = StockLevel.objects.filter(
        piece_id=piece_id, location=location, position=Position.QUALITY_CONTROL
    ).first()
    return level.quantity if level else 0


def test_a_hubs_new_piece_and_its_receipt_apply_and_a_replayed_frame_changes_nothing(hub, sku, maker):
    piece_id, saved = hub.piece(sku=sku, maker=maker, code="WTB-1")
    receipt = hub.move(sku=sku, piece=Piece(id=piece_id), source=None, target=["qc", None], reason="receipt")
    frame = hub.frame([saved, receipt])
    result = receive_frame(frame)
    assert (result.new, result.applied, result.review) == (2, 2, [])
    assert Piece.objects.get(pk=piece_id).code == "WTB-1"
    assert _qc(piece_id, hub.location) == 1
    events = Event.objects.count()

    again = receive_frame(frame)
    assert (again.new, again.applied) == (0, 0)
    assert _qc(piece_id, hub.location) == 1
    assert Event.objects.count() == events
    assert OriginCursor.objects.get(pk=hub.node.pk).seq == 2


def test_an_event_that_arrives_before_the_piece_it_moves_waits_then_applies(hub, sku, maker):
    piece_id, saved = hub.piece(sku=sku, maker=maker, code="WTB-2")
    receipt = hub.move(sku=sku, piece=Piece(id=piece_id), source=None, target=["qc", None], reason="receipt")
    early = receive_frame(hub.frame([receipt], ranges=[(hub.node.pk, 2, 2)]))
    assert (early.applied, early.waiting) == (0, 1)
    assert Event.objects.get(pk=receipt.id).state == Event.State.WAITING
    cursor = OriginCursor.objects.get(pk=hub.node.pk)
    assert (cursor.seq, cursor.beyond) == (0, [[2, 2]])

    receive_frame(hub.frame([saved], ranges=[(hub.node.pk, 1, 1)]))
    assert Event.objects.get(pk=receipt.id).state == Event.State.APPLIED
    assert _qc(piece_id, hub.location) == 1
    cursor.refresh_from_db()
    assert (cursor.seq, cursor.beyond) == (2, [])


def test_a_hub_cannot_sell_units_whose_rights_the_web_store_holds_and_the_rest_of_the_frame_applies(
    cooperative, hub, sku, maker
):
    make_stock(sku.product, hub.location, 1)
    web = web_store(cooperative)
    sale = hub.move(sku=sku, source=["available", str(web.pk)], target=None, reason="sale")
    piece_id, saved = hub.piece(sku=sku, maker=maker, code="WTB-3")
    result = receive_frame(hub.frame([sale, saved]))
    assert result.applied == 1
    assert len(result.review) == 1 and "out of scope" in result.review[0]
    assert "does not hold the right" in Event.objects.get(pk=sale.id).problem
    assert (
        StockLevel.objects.get(sku=sku, location=hub.location, channel=web, position="available").quantity
        == 1
    )
    assert Piece.objects.filter(pk=piece_id).exists()


def test_a_hub_commits_a_piece_it_passed_to_the_made_to_order_line_it_ships_and_nothing_else(
    cooperative, hub
):
    from sambung.orders.models import OrderLine
    from sambung.sync.tests.test_cancel_requests import _order_at

    order, _sold = _order_at(hub)
    OrderLine.objects.filter(order=order).update(made_to_order=True, piece=None)
    line = order.lines.get()
    made = make_piece(
        Product.objects.get(pk=line.sku.product_id), make_maker(cooperative), location=hub.location
    )
    made.sku_id = line.sku_id
    made.save()
    web = web_store(cooperative)
    StockLevel.objects.filter(piece=made).update(sku=line.sku)
    moves = []
    for reference in ("NT-000000", order.code):  # an order with no such line here, then the right one
        move = hub.move(
            sku=line.sku, piece=made, source=["available", str(web.pk)], target=["committed", str(web.pk)],
            reason="sale",
        )  # fmt: skip
        move.payload["reference"] = reference
        moves.append(move)
    result = receive_frame(hub.frame(moves))
    assert (result.applied, len(result.review)) == (1, 1)
    assert "does not hold the right" in Event.objects.get(pk=moves[0].id).problem
    assert StockLevel.objects.get(piece=made, position=Position.COMMITTED, channel=web).quantity == 1


def test_a_hub_sells_what_its_stall_holds(cooperative, hub, sku):
    from sambung.inventory.stock import move_rights

    make_stock(sku.product, hub.location, 2)
    move_rights(sku=sku, location=hub.location, quantity=1, source=web_store(cooperative), target=hub.stall)
    sale = hub.move(sku=sku, source=["available", str(hub.stall.pk)], target=None, reason="sale")
    assert receive_frame(hub.frame([sale])).applied == 1
    assert StockLevel.objects.get(sku=sku, location=hub.location, channel=hub.stall).quantity == 0
    # A second sale of the same slot: the stall holds nothing more, so it waits (never oversold).
    again = hub.move(sku=sku, source=["available", str(hub.stall.pk)], target=None, reason="sale")
    assert receive_frame(hub.frame([again])).waiting == 1
    assert StockLevel.objects.get(sku=sku, location=hub.location, channel=hub.stall).quantity == 0


def test_a_hub_may_not_write_the_catalogue_or_another_locations_stock(cooperative, hub, sku):
    product = Product.objects.get(pk=sku.product_id)
    product.title_id = "Diubah oleh hub"
    catalogue = hub.event("catalog.product", {"rows": [serialize_row(product)]})
    elsewhere = hub.move(
        sku=sku, source=None, target=["qc", None], reason="receipt", location=make_location(cooperative)
    )
    result = receive_frame(hub.frame([catalogue, elsewhere]))
    assert result.applied == 0
    assert "only the centre may send catalog.product" in Event.objects.get(pk=catalogue.id).problem
    assert "not its location" in Event.objects.get(pk=elsewhere.id).problem
    assert Product.objects.get(pk=product.pk).title_id != "Diubah oleh hub"


def test_an_event_that_fails_validation_goes_to_review_with_its_reason_and_the_rest_applies(hub, sku, maker):
    bad_id, bad = hub.piece(sku=sku, maker=maker, code="X" * 60)
    good_id, good = hub.piece(sku=sku, maker=maker, code="WTB-4")
    result = receive_frame(hub.frame([bad, good]))
    assert result.applied == 1 and len(result.review) == 1
    event = Event.objects.get(pk=bad.id)
    assert event.state == Event.State.REVIEW and "40" in event.problem
    assert not Piece.objects.filter(pk=bad_id).exists()
    assert Piece.objects.filter(pk=good_id).exists()


def test_a_malformed_move_goes_to_review(hub, sku):
    move = hub.move(sku=sku, source=None, target=["qc", None], reason="receipt", quantity=-3)
    receive_frame(hub.frame([move]))
    assert Event.objects.get(pk=move.id).state == Event.State.REVIEW


def test_an_event_dated_more_than_a_day_ahead_refuses_the_whole_frame(hub, sku, maker):
    _id, fine = hub.piece(sku=sku, maker=maker, code="WTB-5")
    future = hub.move(sku=sku, source=None, target=["qc", None], reason="receipt")
    future.occurred_ms = int((time.time() + 25 * 3600) * 1000)
    before = Event.objects.count()
    with pytest.raises(FrameError, match="24 hours ahead"):
        receive_frame(hub.frame([fine, future]))
    assert Event.objects.count() == before
    assert not Piece.objects.filter(code="WTB-5").exists()


def test_a_frame_whose_events_lie_outside_its_ranges_is_refused(hub, sku, maker):
    _id, saved = hub.piece(sku=sku, maker=maker, code="WTB-6")
    with pytest.raises(FrameError, match="outside"):
        receive_frame(hub.frame([saved], ranges=[(hub.node.pk, 5, 6)]))


def test_a_hub_may_not_send_events_in_another_nodes_name(cooperative, hub, sku, maker):
    other = RemoteHub(cooperative, "Hub Nita")
    _id, forged = other.piece(sku=sku, maker=maker, code="WTB-7")
    with pytest.raises(FrameError, match="own events"):
        receive_frame(hub.frame([forged], ranges=[(other.node.pk, 1, 1)]))
    assert not Piece.objects.filter(code="WTB-7").exists()


def test_an_unenrolled_or_revoked_hub_is_refused(cooperative, sku, maker):
    stranger = RemoteHub(cooperative, "Hub Asing", enrol=False)
    _id, saved = stranger.piece(sku=sku, maker=maker, code="WTB-8")
    with pytest.raises(PeerRefused, match="not enrolled"):
        receive_frame(stranger.frame([saved]))
    revoked = RemoteHub(cooperative, "Hub Dicabut")
    Peer.objects.filter(pk=revoked.node.pk).update(revoked_at=timezone.now())
    _id, saved = revoked.piece(sku=sku, maker=maker, code="WTB-9")
    with pytest.raises(PeerRefused, match="revoked"):
        receive_frame(revoked.frame([saved]))
    assert not Piece.objects.filter(code__in=["WTB-8", "WTB-9"]).exists()


def test_a_frame_signed_with_a_key_other_than_the_enrolled_one_is_refused(hub, sku, maker):
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    _id, saved = hub.piece(sku=sku, maker=maker, code="WTB-10")
    with pytest.raises(FrameError, match="signature"):
        receive_frame(hub.frame([saved], key=Ed25519PrivateKey.generate()))


def test_the_later_write_of_a_row_wins_whatever_order_the_events_arrive_in(hub, sku, maker):
    piece_id, created = hub.piece(sku=sku, maker=maker, code="WTB-11")
    _same, first = hub.piece(sku=sku, maker=maker, code="WTB-11", pk=piece_id, notes_id="pertama")
    _same, second = hub.piece(sku=sku, maker=maker, code="WTB-11", pk=piece_id, notes_id="kedua")
    receive_frame(hub.frame([created, second], ranges=[(hub.node.pk, 1, 1), (hub.node.pk, 3, 3)]))
    receive_frame(hub.frame([first], ranges=[(hub.node.pk, 2, 2)]))
    assert Piece.objects.get(pk=piece_id).notes_id == "kedua"
    assert Event.objects.get(pk=first.id).state == Event.State.APPLIED  # held, and superseded


def test_a_hub_may_not_change_a_piece_the_centre_created(cooperative, hub, sku, maker):
    from sambung.catalog.pieces import save_piece

    piece = save_piece(piece=Piece(sku=sku, maker=maker, code="PUSAT-1"))
    _same, change = hub.piece(sku=sku, maker=maker, code="PUSAT-1", pk=piece.pk, notes_id="diubah")
    receive_frame(hub.frame([change]))
    assert "only pieces it created" in Event.objects.get(pk=change.id).problem
    assert Piece.objects.get(pk=piece.pk).notes_id == ""


def test_a_hub_receives_its_cooperatives_events_and_its_vector_moves_past_the_others(
    cooperative, other_cooperative, hub
):
    make_product(cooperative)
    make_product(other_cooperative)
    peer = Peer.objects.get(pk=hub.node.pk)
    outgoing = build_frame(peer)
    from sambung.sync.frames import decode_frame
    from sambung.sync.node import private_key

    frame = decode_frame(outgoing.data, private_key().public_key())
    assert {e.cooperative for e in frame.events} <= {cooperative.pk, None}
    centre = this_node().pk
    assert frame.ranges == [(centre, 1, OriginCursor.objects.get(pk=centre).seq)]
    assert frame.vector[centre] == OriginCursor.objects.get(pk=centre).seq


def test_a_full_frame_ends_its_range_at_its_last_event(cooperative, hub):
    make_product(cooperative)
    peer = Peer.objects.get(pk=hub.node.pk)
    outgoing = build_frame(peer, limit=3)
    assert outgoing.events == 3
    (origin, first, last) = outgoing.ranges[0]
    assert first == 1 and last == Event.objects.filter(origin=origin).order_by("seq")[2].seq


def test_the_snapshot_for_a_new_hub_never_resends_another_hubs_rows_in_the_centres_name(
    cooperative, hub, sku, maker
):
    from sambung.sync.enrolment import write_snapshot

    piece_id, saved = hub.piece(sku=sku, maker=maker, code="WTB-12")
    receipt = hub.move(sku=sku, piece=Piece(id=piece_id), source=None, target=["qc", None], reason="receipt")
    receive_frame(hub.frame([saved, receipt]))
    write_snapshot(cooperative)
    centre = this_node().pk
    resent = Event.objects.filter(origin=centre, kind__in=["stock.move", "piece.saved"])
    assert not [e for e in resent if e.payload.get("id") == receipt.payload["id"]]
    assert not [
        e for e in resent if e.kind == "piece.saved" and e.payload["rows"][0]["f"]["id"] == str(piece_id)
    ]


def _stall_sale(hub, sku, *, line_id, sale_id=None, channel=None) -> dict:
    return {
        "id": str(sale_id or uuid7()),
        "channel": str((channel or hub.stall).pk),
        "payment_method": "cash",
        "cash_received": 100_000,
        "buyer_phone": "",
        "sold_at": "2026-11-01T09:00:00+00:00",
        "lines": [
            {
                "id": str(line_id),
                "sku": str(sku.pk),
                "piece": None,
                "location": str(hub.location.pk),
                "quantity": 1,
                "unit_price": 85_000,
            }
        ],
    }


def test_a_hubs_market_sale_arrives_with_its_moves_and_its_price_once(cooperative, hub):
    from sambung.inventory.stock import move_rights
    from sambung.pos.models import StallSale

    sku = make_product(cooperative, price=85_000).skus.get()
    SKU.objects.filter(pk=sku.pk).update(is_unique=False)  # counted units, like coffee

    make_stock(sku.product, hub.location, 2)
    move_rights(sku=sku, location=hub.location, quantity=2, source=web_store(cooperative), target=hub.stall)
    sale = hub.move(sku=sku, source=["available", str(hub.stall.pk)], target=None, reason="sale")
    record = hub.event("pos.stall_sale", _stall_sale(hub, sku, line_id=sale.payload["id"]))
    frame = hub.frame([sale, record])
    assert receive_frame(frame).applied == 2
    stall_sale = StallSale.objects.get(pk=record.payload["id"])
    line = stall_sale.lines.get()
    assert (line.move_id, line.unit_price, stall_sale.channel_id) == (
        UUID(sale.payload["id"]),
        85_000,
        hub.stall.pk,
    )
    assert StockLevel.objects.get(sku=sku, location=hub.location, channel=hub.stall).quantity == 1
    receive_frame(frame)  # the same frame again changes nothing
    assert StallSale.objects.count() == 1
    assert StockLevel.objects.get(sku=sku, location=hub.location, channel=hub.stall).quantity == 1


def test_a_market_sale_for_a_stall_of_another_hub_goes_to_review(cooperative, hub, sku):
    other = RemoteHub(cooperative, "Hub Nita")
    record = hub.event("pos.stall_sale", _stall_sale(hub, sku, line_id=uuid7(), channel=other.stall))
    (problem,) = receive_frame(hub.frame([record])).review
    assert "out of scope" in problem and "out of scope" in Event.objects.get(pk=record.id).problem
