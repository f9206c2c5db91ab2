"""A centre cancel of an order whose units sit at a hub is a request the hub carries out (DESIGN.md §5)."""

import pytest
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


# An order with lines at two hubs: each hub is asked, and only a yes from every hub cancels it.


def _order_at_two_hubs(cooperative):
    nita, sikka = RemoteHub(cooperative, "Hub Nita"), RemoteHub(cooperative, "Hub Sikka")
    rate = make_shipping_rate(cooperative)
    product, maker = make_product(cooperative), make_maker(cooperative)
    pieces = [make_piece(product, maker, location=hub.location) for hub in (nita, sikka)]
    checkout = start_checkout(
        cooperative=cooperative, lines=[PricedLine(piece.sku, piece, 1) for piece in pieces]
    )
    buyer = Buyer("Ani", "+6281234567890", "ani@example.com", "Jl. Mawar 1", SIKKA_VILLAGE)
    order = place_order(checkout=checkout, buyer=buyer, shipping_rate=rate, payment_method="bank_transfer")
    confirm_payment(order=order)
    return order, (nita, sikka), pieces


def _answer(hub: RemoteHub, request: CancelRequest, state: str, status: str = "paid") -> None:
    event = hub.event("order.cancel_answer", {"id": str(request.pk), "state": state, "status": status,
                                              "at": "2026-11-02T08:00:00+00:00"})  # fmt: skip
    receive_frame(hub.frame([event]))


def _detail(manager, order) -> str:
    return manager.get(
        reverse("orders_office:order_detail", args=[order.cooperative.slug, order.code])
    ).content.decode()


def test_a_cancel_of_an_order_held_at_two_hubs_is_asked_of_both_and_done_only_when_both_agree(
    cooperative, manager
):
    order, (nita, sikka), pieces = _order_at_two_hubs(cooperative)
    url = reverse("orders_office:cancel_order", args=[cooperative.slug, order.code])

    response = manager.post(url, {"reason": "buyer", "note": ""}, follow=True)

    requests = {r.hub: r for r in CancelRequest.objects.filter(order=order)}
    assert set(requests) == {nita.node, sikka.node}
    assert {r.state for r in requests.values()} == {"pending"}
    asked = Event.objects.filter(kind="order.cancel_request")
    assert sorted(e.payload["hub"] for e in asked) == sorted([str(nita.node.pk), str(sikka.node.pk)])
    assert "asked of hubs Hub Nita, Hub Sikka" in response.content.decode()
    manager.post(url, {"reason": "buyer", "note": ""})
    assert CancelRequest.objects.count() == 2  # the round is asked once

    _answer(nita, requests[nita.node], "done")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID  # one yes is not enough
    assert "waiting for Hub Sikka" in _detail(manager, order)

    _answer(sikka, requests[sikka.node], "done")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.events.filter(kind="cancelled", cancel_reason="buyer").count() == 1
    # The units stay committed here: each hub gives its own part back when it sees the order cancelled.
    assert [_committed(piece) for piece in pieces] == [1, 1]
    assert "every hub holding items of this order agreed (Hub Nita, Hub Sikka)" in _detail(manager, order)
    assert Event.objects.filter(kind="order.changed").last().payload["rows"][2]["f"]["status"] == "cancelled"


def test_when_one_hub_has_shipped_its_part_the_order_stays_and_the_manager_is_told_so(cooperative, manager):
    order, (nita, sikka), pieces = _order_at_two_hubs(cooperative)
    from sambung.orders.fulfilment import cancel_order

    cancel_order(order=order, reason="buyer")
    requests = {r.hub: r for r in CancelRequest.objects.filter(order=order)}
    _answer(nita, requests[nita.node], "done")
    _answer(sikka, requests[sikka.node], "refused", "shipped")

    order.refresh_from_db()
    assert order.status == OrderStatus.PAID
    assert not order.events.filter(kind="cancelled").exists()
    assert [_committed(piece) for piece in pieces] == [1, 1]
    page = _detail(manager, order)
    assert "The order is not cancelled: hub Hub Sikka had already shipped its part and refused." in page
    assert "hubs that had agreed (Hub Nita) may ship their parts again" in page


def test_a_hub_agrees_for_its_part_holds_it_back_and_gives_it_back_once_the_centre_cancelled(cooperative):
    """One database playing both nodes in turn: the centre, then hub Nita (its LocalNode row), and back."""
    from sambung.orders.fulfilment import InvalidTransition, cancel_order, ship_order
    from sambung.sync.models import LocalNode
    from sambung.sync.requests import carry_out_requests

    order, (nita, sikka), pieces = _order_at_two_hubs(cooperative)
    cancel_order(order=order, reason="buyer")

    LocalNode.objects.create(node=nita.node)  # now this database is hub Nita
    assert carry_out_requests() == 1
    request = CancelRequest.objects.get(order=order, hub=nita.node)
    assert request.state == "done"  # agreed, but nothing moved: the order is not cancelled yet
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and [_committed(piece) for piece in pieces] == [1, 1]
    answer = Event.objects.get(kind="order.cancel_answer")
    assert (answer.origin, answer.payload["state"]) == (nita.node.pk, "done")
    with pytest.raises(InvalidTransition, match="agreed to hold its items back"):
        ship_order(order=order, courier="JNE", tracking_number="JN1")

    LocalNode.objects.all().delete()  # the centre again: hub Sikka agrees too, so the centre cancels
    _answer(sikka, CancelRequest.objects.get(order=order, hub=sikka.node), "done")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED

    LocalNode.objects.create(node=nita.node)  # hub Nita sees the order cancelled: its part goes back on sale
    carry_out_requests()
    carry_out_requests()  # once only
    assert [_committed(piece) for piece in pieces] == [0, 1]  # Sikka's part is Sikka's to give back
    assert StockLevel.objects.get(piece=pieces[0], position=Position.AVAILABLE).quantity == 1
    moves = Event.objects.filter(kind="stock.move", origin=nita.node.pk)
    assert [(m.payload["reason"], m.payload["location"]) for m in moves] == [
        ("cancel", str(nita.location.pk))
    ]
