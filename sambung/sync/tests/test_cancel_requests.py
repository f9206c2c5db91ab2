"""A centre cancel of an order whose units sit at a hub is a request the hub carries out (DESIGN.md §5)."""

from django.urls import reverse

from sambung.inventory.models import Position, StockLevel
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import Buyer, place_order, start_checkout
from sambung.orders.fulfilment import confirm_payment, expire_unpaid_orders
from sambung.orders.models import OrderStatus
from sambung.sync.exchange import receive_frame
from sambung.sync.models import CancelRequest, Event
from sambung.sync.tests.remote import RemoteHub
from sambung.tests.helpers import SIKKA_VILLAGE, make_maker, make_piece, make_product, make_shipping_rate


def _order_at(hub: RemoteHub, *, paid: bool = True):
    cooperative = hub.node.cooperative
    rate = make_shipping_rate(cooperative)
    piece = make_piece(make_product(cooperative), make_maker(cooperative), location=hub.location)
    checkout = start_checkout(cooperative=cooperative, lines=[PricedLine(piece.sku, piece, 1)])
    buyer = Buyer("Ani", "+6281234567890", "ani@example.com", "Jl. Mawar 1", SIKKA_VILLAGE)
    order = place_order(checkout=checkout, buyer=buyer, shipping_rate=rate, payment_method="bank_transfer")
    if paid:
        confirm_payment(order=order)
    return order, piece


def _committed(piece) -> int:
    level = StockLevel.objects.filter(piece=piece, position=Position.COMMITTED).first()
    return level.quantity if level else 0


def test_a_managers_cancel_of_a_hub_held_order_is_sent_to_the_hub_and_shown_plainly(cooperative, manager):
    hub = RemoteHub(cooperative)
    order, piece = _order_at(hub)
    url = reverse("orders_office:cancel_order", args=[cooperative.slug, order.code])

    response = manager.post(url, {"reason": "buyer", "note": "berubah pikiran"}, follow=True)

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID  # nothing moved at the centre: the hub moves its units
    assert _committed(piece) == 1
    request = CancelRequest.objects.get(order=order)
    assert (request.state, request.hub, request.reason) == ("pending", hub.node, "buyer")
    event = Event.objects.get(kind="order.cancel_request")
    assert event.payload["id"] == str(request.pk) and event.cooperative_id == cooperative.pk
    text = response.content.decode()
    assert f"sent to hub {hub.node.name}" in text and "Cancellation asked" in text
    manager.post(url, {"reason": "buyer", "note": ""})
    assert CancelRequest.objects.count() == 1  # asked once

    # The hub had shipped already: it refuses, and the manager's page says so.
    answer = hub.event("order.cancel_answer", {"id": str(request.pk), "state": "refused", "status": "shipped",
                                               "at": "2026-11-02T08:00:00+00:00"})  # fmt: skip
    receive_frame(hub.frame([answer]))
    request.refresh_from_db()
    assert request.state == "refused"
    page = manager.get(reverse("orders_office:order_detail", args=[cooperative.slug, order.code]))
    assert (
        f"Cancellation refused by hub {hub.node.name}: the parcel had already shipped."
        in page.content.decode()
    )


def test_only_the_hub_asked_may_answer(cooperative):
    hub, other = RemoteHub(cooperative), RemoteHub(cooperative, "Hub Nita")
    order, _piece = _order_at(hub)
    from sambung.orders.fulfilment import cancel_order

    cancel_order(order=order, reason="buyer")
    request = CancelRequest.objects.get()
    answer = other.event("order.cancel_answer", {"id": str(request.pk), "state": "done", "status": "cancelled",
                                                 "at": "2026-11-02T08:00:00+00:00"})  # fmt: skip
    receive_frame(other.frame([answer]))
    assert Event.objects.get(kind="order.cancel_answer").state == "review"
    request.refresh_from_db()
    assert request.state == "pending"


def test_the_centres_expiry_of_an_unpaid_hub_held_order_asks_the_hub_once(cooperative):
    import datetime

    from django.utils import timezone

    hub = RemoteHub(cooperative)
    order, piece = _order_at(hub, paid=False)
    later = timezone.now() + datetime.timedelta(days=30)
    assert expire_unpaid_orders(now=later) == 1
    assert expire_unpaid_orders(now=later) == 0
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT and _committed(piece) == 1
    assert CancelRequest.objects.get().reason == "payment_expired"


def test_a_hub_may_not_ask_for_cancellations(cooperative):
    hub = RemoteHub(cooperative)
    order, _piece = _order_at(hub)
    request = hub.event("order.cancel_request", {"id": "0190f000-0000-7000-8000-000000000001", "order": str(order.pk),
                                                 "hub": str(hub.node.pk), "reason": "buyer", "note": "", "by": "",
                                                 "at": "2026-11-02T08:00:00+00:00"})  # fmt: skip
    receive_frame(hub.frame([request]))
    assert Event.objects.get(kind="order.cancel_request").state == "review"
    assert not CancelRequest.objects.exists()
