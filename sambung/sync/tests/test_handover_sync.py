"""A hub's hand-over to the town warehouse travels as its stock moves and applies at the centre within scope."""

import pytest
from django.db import transaction
from django.utils import translation

from sambung.inventory.models import Position, StockLevel, StockMove
from sambung.orders import fulfilment, handover
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import Buyer, place_order, start_checkout
from sambung.orders.fulfilment import InvalidTransition
from sambung.orders.models import OrderStatus
from sambung.sync.exchange import receive_frame
from sambung.sync.models import Event, LocalNode
from sambung.sync.node import this_node
from sambung.sync.outbox import move_payload
from sambung.sync.tests.remote import RemoteHub
from sambung.tests import helpers
from sambung.tests.helpers import SIKKA_VILLAGE, make_maker, make_piece, make_product, make_shipping_rate


@pytest.fixture(autouse=True)
def _english_and_own_key(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    with translation.override("en"):
        yield


class _Rollback(Exception):
    pass


def _hand_over_at(hub: RemoteHub, order) -> list[dict]:
    """Run the hand-over as the hub would, and return the moves its outbox sent; this database stays the centre's."""
    payloads = []
    with pytest.raises(_Rollback), transaction.atomic():
        LocalNode.objects.create(pk=1, node=hub.node)
        payloads = [move_payload(move) for move in handover.hand_over_to_warehouse(order=order)]
        raise _Rollback
    return payloads


def _committed(piece, location) -> int:
    level = StockLevel.objects.filter(piece=piece, location=location, position=Position.COMMITTED).first()
    return level.quantity if level else 0


def test_hubs_hand_over_a_shared_order_by_sync_and_the_centre_receives_and_ships_it(cooperative):
    warehouse = helpers.make_location(cooperative, node=this_node(), name="Gudang Maumere")
    nita, sikka = RemoteHub(cooperative, "Hub Nita"), RemoteHub(cooperative, "Hub Sikka")
    product, maker = make_product(cooperative), make_maker(cooperative)
    at_nita, at_sikka = (make_piece(product, maker, location=hub.location) for hub in (nita, sikka))
    checkout = start_checkout(
        cooperative=cooperative, lines=[PricedLine(p.sku, p, 1) for p in (at_nita, at_sikka)]
    )
    buyer = Buyer("Ani", "+6281234567890", "ani@example.com", "Jl. Mawar 1", SIKKA_VILLAGE)
    order = place_order(
        checkout=checkout,
        buyer=buyer,
        shipping_rate=make_shipping_rate(cooperative),
        payment_method="bank_transfer",
    )
    fulfilment.confirm_payment(order=order)
    with pytest.raises(InvalidTransition, match="held at hub Hub Nita, Hub Sikka"):
        fulfilment.ship_order(order=order, courier="JNE REG", tracking_number="JN1")

    # Out of scope: Sikka cannot send Nita's hand-over (a move at another hub's location).
    nita_moves = _hand_over_at(nita, order)
    assert StockMove.objects.filter(reason=StockMove.Reason.TRANSFER_OUT).count() == 0  # rolled back
    receive_frame(sikka.frame([sikka.event("stock.move", nita_moves[0])]))
    event = Event.objects.get(origin=sikka.node.pk, kind="stock.move")
    assert event.state == Event.State.REVIEW and "out of scope" in event.problem
    assert _committed(at_nita, nita.location) == 1

    receive_frame(nita.frame([nita.event("stock.move", payload) for payload in nita_moves]))
    assert _committed(at_nita, nita.location) == 0
    with pytest.raises(InvalidTransition, match=f"from {nita.location.name} are on their way"):
        fulfilment.ship_order(order=order, courier="JNE REG", tracking_number="JN1")
    receipts = handover.receive_at_warehouse(order=order)
    assert [r.pk for r in receipts] == [handover.receipt_id(nita_moves[0]["id"])]
    assert _committed(at_nita, warehouse) == 1
    # The receipt is the centre's own move, sent to the hubs like any other.
    assert Event.objects.filter(kind="stock.move", payload__id=str(receipts[0].pk)).exists()

    # A copy of the same frame applies nothing twice.
    receive_frame(nita.frame([nita.event("stock.move", payload) for payload in nita_moves]))
    assert _committed(at_nita, warehouse) == 1 and _committed(at_nita, nita.location) == 0

    receive_frame(
        sikka.frame([sikka.event("stock.move", payload) for payload in _hand_over_at(sikka, order)])
    )
    handover.receive_at_warehouse(order=order)
    fulfilment.ship_order(order=order, courier="JNE REG", tracking_number="JN1")
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert [_committed(p, warehouse) for p in (at_nita, at_sikka)] == [0, 0]
    assert [_committed(p, hub.location) for p, hub in ((at_nita, nita), (at_sikka, sikka))] == [0, 0]
