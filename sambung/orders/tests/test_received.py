"""Order rows from another node go through orders.received: a new status is taken, any other change refused."""

import pytest
from django.utils import translation

from sambung.orders.cart import PricedLine
from sambung.orders.checkout import Buyer, place_order, start_checkout
from sambung.orders.fulfilment import confirm_payment
from sambung.orders.models import OrderEvent, OrderStatus
from sambung.sync.exchange import receive_frame
from sambung.sync.models import Event
from sambung.sync.outbox import order_rows
from sambung.sync.rows import serialize_row
from sambung.sync.tests.remote import RemoteHub
from sambung.tests.helpers import SIKKA_VILLAGE, make_maker, make_piece, make_product, make_shipping_rate


@pytest.fixture(autouse=True)
def _english_and_own_key(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    with translation.override("en"):
        yield


@pytest.fixture
def hub(cooperative):
    return RemoteHub(cooperative)


@pytest.fixture
def order(cooperative, hub):
    piece = make_piece(make_product(cooperative), make_maker(cooperative), location=hub.location)
    checkout = start_checkout(cooperative=cooperative, lines=[PricedLine(piece.sku, piece, 1)])
    buyer = Buyer("Ani", "+6281234567890", "ani@example.com", "Jl. Mawar 1", SIKKA_VILLAGE)
    order = place_order(
        checkout=checkout,
        buyer=buyer,
        shipping_rate=make_shipping_rate(cooperative),
        payment_method="bank_transfer",
    )
    return confirm_payment(order=order)


def _shipped_by(hub, order, **order_changes):
    """The hub's order.changed after shipping: the order with its new status and a new `shipped` step."""
    rows = [serialize_row(row) for row in order_rows(order)]
    rows[2]["f"].update(status="shipped", **order_changes)
    step = OrderEvent(order=order, kind="shipped", courier="JNE REG", tracking_number="JN1")
    rows.append(serialize_row(step))
    return step, rows


def _send(hub, rows) -> Event:
    wire = hub.event("order.changed", {"rows": rows})
    receive_frame(hub.frame([wire]))
    return Event.objects.get(pk=wire.id)


def test_a_hubs_shipment_brings_the_orders_new_status_and_its_step(hub, order):
    step, rows = _shipped_by(hub, order)
    assert _send(hub, rows).state == "applied"
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert OrderEvent.objects.get(pk=step.pk).tracking_number == "JN1"


def test_an_order_event_that_changes_more_than_the_status_is_refused_and_changes_nothing(hub, order):
    _step, rows = _shipped_by(hub, order, total=1, subtotal=1, shipping_cost=0)
    event = _send(hub, rows)
    assert event.state == "review" and "may change only its status" in event.problem
    assert "subtotal" in event.problem
    order.refresh_from_db()
    assert (order.status, order.total) == (OrderStatus.PAID, order.subtotal + order.shipping_cost)
    assert not order.events.filter(kind="shipped").exists()


def test_a_line_or_a_recorded_step_cannot_be_rewritten(hub, order):
    _step, rows = _shipped_by(hub, order)
    rows[3]["f"]["unit_price"] = 1  # the line: sold for Rp 1
    event = _send(hub, rows)
    assert event.state == "review" and "cannot change once written" in event.problem
    assert order.lines.get().unit_price > 1

    _step, rows = _shipped_by(hub, order)
    paid = next(row for row in rows if row["m"] == "orders.orderevent" and row["f"]["kind"] == "paid")
    paid["f"]["note"] = "never paid"
    event = _send(hub, rows)
    assert event.state == "review" and "recorded step of an order cannot change" in event.problem
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_a_step_with_a_reason_that_is_not_a_cancellation_is_refused(hub, order):
    step, rows = _shipped_by(hub, order)
    rows[-1]["f"]["cancel_reason"] = "buyer"
    event = _send(hub, rows)
    assert event.state == "review" and "Only a cancellation of an order has a reason" in event.problem
    assert not OrderEvent.objects.filter(pk=step.pk).exists()
