"""Who takes each step of an order held at a hub: payment is the centre's, packing and shipping the hub's."""

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import translation

from sambung.inventory.models import Position, StockLevel
from sambung.orders import fulfilment
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import Buyer, place_order, start_checkout
from sambung.orders.fulfilment import InvalidTransition
from sambung.orders.models import OrderStatus
from sambung.orders.routing import Step, refusal
from sambung.sync.models import CancelRequest, LocalNode
from sambung.sync.tests.remote import RemoteHub
from sambung.tests.helpers import SIKKA_VILLAGE, make_maker, make_piece, make_product, make_shipping_rate

BUYER = Buyer("Ani", "+6281234567890", "ani@example.com", "Jl. Mawar 1", SIKKA_VILLAGE)


@pytest.fixture(autouse=True)
def _english_and_own_key(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    with translation.override("en"):
        yield


def _order(cooperative, *locations):
    rate = make_shipping_rate(cooperative)
    product, maker = make_product(cooperative), make_maker(cooperative)
    pieces = [make_piece(product, maker, location=location) for location in locations]
    checkout = start_checkout(cooperative=cooperative, lines=[PricedLine(p.sku, p, 1) for p in pieces])
    order = place_order(checkout=checkout, buyer=BUYER, shipping_rate=rate, payment_method="bank_transfer")
    return order, pieces


def _committed(piece) -> int:
    level = StockLevel.objects.filter(piece=piece, position=Position.COMMITTED).first()
    return level.quantity if level else 0


def _url(name: str, order) -> str:
    return reverse(f"orders_office:{name}", args=[order.cooperative.slug, order.code])


def test_the_centre_confirms_payment_but_does_not_offer_to_ship_what_a_hub_holds(cooperative, manager):
    hub = RemoteHub(cooperative)
    order, (piece,) = _order(cooperative, hub.location)

    manager.post(_url("confirm_payment", order), {"note": ""})
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID  # the buyer pays the cooperative: the centre confirms it

    page = manager.get(_url("order_detail", order)).content.decode()
    assert _url("ship_order", order) not in page and _url("start_packing", order) not in page
    assert _url("cancel_order", order) in page  # asked of the hub (sync.requests)
    message = refusal(order, Step.SHIP)
    assert f"held at hub {hub.node.name}: the hub packs and ships them" in message
    assert message in page.replace("&#x27;", "'")

    response = manager.post(_url("ship_order", order), {"courier": "JNE REG", "tracking_number": "JN1"})
    assert [str(m) for m in get_messages(response.wsgi_request)] == [message]
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and _committed(piece) == 1
    for step in (fulfilment.start_packing, fulfilment.record_delivery, fulfilment.record_return):
        with pytest.raises(InvalidTransition, match="the hub packs and ships them"):
            step(order=order)


def test_the_centre_waits_for_the_hubs_answer_before_confirming_payment_of_an_order_it_asked_to_cancel(
    cooperative,
):
    hub = RemoteHub(cooperative)
    order, _pieces = _order(cooperative, hub.location)
    fulfilment.cancel_order(order=order, reason="buyer")
    assert refusal(order, Step.PAY)
    with pytest.raises(InvalidTransition, match="waiting for the answer of hub Hub Watublapi"):
        fulfilment.confirm_payment(order=order)
    order.refresh_from_db()
    assert order.status == OrderStatus.AWAITING_PAYMENT

    CancelRequest.objects.filter(order=order).update(state="refused")
    fulfilment.confirm_payment(order=order)  # answered: the centre may confirm again
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID


def test_an_order_at_an_unenrolled_hub_is_still_shipped_from_the_centre(cooperative):
    hub = RemoteHub(cooperative, enrol=False)  # it does not sync: the centre runs its location
    order, (piece,) = _order(cooperative, hub.location)
    fulfilment.confirm_payment(order=order)
    fulfilment.ship_order(order=order, courier="JNE REG", tracking_number="JN1")
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and _committed(piece) == 0


def test_at_the_hub_payment_and_unasked_cancels_are_refused_and_it_ships_what_it_holds(cooperative):
    hub = RemoteHub(cooperative)
    order, (piece,) = _order(cooperative, hub.location)
    fulfilment.confirm_payment(order=order)
    LocalNode.objects.create(node=hub.node)  # this database is now the hub

    with pytest.raises(InvalidTransition, match="Payment is confirmed at the centre"):
        fulfilment.confirm_payment(order=order)
    with pytest.raises(InvalidTransition, match="cancelled by the cooperative's manager at the centre"):
        fulfilment.cancel_order(order=order, reason="seller_no_stock")
    fulfilment.start_packing(order=order)
    fulfilment.ship_order(order=order, courier="JNE REG", tracking_number="JN1")
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED and _committed(piece) == 0


def test_a_hub_does_not_ship_an_order_that_also_has_items_elsewhere(cooperative):
    nita, sikka = RemoteHub(cooperative, "Hub Nita"), RemoteHub(cooperative, "Hub Sikka")
    order, pieces = _order(cooperative, nita.location, sikka.location)
    fulfilment.confirm_payment(order=order)
    LocalNode.objects.create(node=nita.node)

    with pytest.raises(InvalidTransition, match="also has items at Hub Sikka"):
        fulfilment.ship_order(order=order, courier="JNE REG", tracking_number="JN1")
    order.refresh_from_db()
    assert order.status == OrderStatus.PAID and [_committed(p) for p in pieces] == [1, 1]


def test_payment_details_are_the_centres_they_reach_the_hubs_and_a_hub_cannot_change_them(cooperative):
    from sambung.demo.cooperative import DEMO_QRIS
    from sambung.orders.payments import InvalidPaymentDetails, save_payment_details
    from sambung.sync.models import Event

    details = dict(qris_static=DEMO_QRIS, bank_name="Bank NTT", bank_account_number="001.02.03.004567-8",
                   bank_account_name="Koperasi Tenun Nian Tana")  # fmt: skip
    save_payment_details(cooperative=cooperative, **details)
    sent = Event.objects.filter(kind="catalog.cooperative", cooperative=cooperative).last()
    assert sent.payload["rows"][0]["f"]["qris_static"] == DEMO_QRIS  # the hubs' stalls show the new code

    hub = RemoteHub(cooperative)
    LocalNode.objects.create(node=hub.node)
    with pytest.raises(InvalidPaymentDetails, match="set at the centre"):
        save_payment_details(cooperative=cooperative, **{**details, "bank_name": "Bank Lain"})
    cooperative.refresh_from_db()
    assert cooperative.bank_name == "Bank NTT"
