"""A hub hands its part of an order to the town warehouse; once received there, the centre packs and ships it."""

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import translation

from sambung.accounts.models import Role
from sambung.catalog.models import Location
from sambung.inventory.models import Position, StockLevel, StockMove
from sambung.orders import fulfilment, handover
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import Buyer, place_order, start_checkout
from sambung.orders.fulfilment import InvalidTransition
from sambung.orders.models import OrderStatus
from sambung.orders.routing import Step, refusal
from sambung.sync.models import LocalNode
from sambung.sync.node import this_node
from sambung.sync.tests.remote import RemoteHub
from sambung.tests import helpers
from sambung.tests.helpers import SIKKA_VILLAGE, make_maker, make_piece, make_product, make_shipping_rate

BUYER = Buyer("Ani", "+6281234567890", "ani@example.com", "Jl. Mawar 1", SIKKA_VILLAGE)


@pytest.fixture(autouse=True)
def _english_and_own_key(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    with translation.override("en"):
        yield


@pytest.fixture
def warehouse(cooperative):
    return helpers.make_location(cooperative, node=this_node(), name="Gudang Maumere")


def _order(cooperative, *locations, paid=True):
    rate = make_shipping_rate(cooperative)
    product, maker = make_product(cooperative), make_maker(cooperative)
    pieces = [make_piece(product, maker, location=location) for location in locations]
    checkout = start_checkout(cooperative=cooperative, lines=[PricedLine(p.sku, p, 1) for p in pieces])
    order = place_order(checkout=checkout, buyer=BUYER, shipping_rate=rate, payment_method="bank_transfer")
    if paid:
        fulfilment.confirm_payment(order=order)
    return order, pieces


def _level(piece, location, position=Position.COMMITTED) -> int:
    level = StockLevel.objects.filter(piece=piece, location=location, position=position).first()
    return level.quantity if level else 0


def _as(hub):
    LocalNode.objects.update_or_create(pk=1, defaults={"node": hub.node})


def _as_centre():
    LocalNode.objects.all().delete()


def _url(name: str, order) -> str:
    return reverse(f"orders_office:{name}", args=[order.cooperative.slug, order.code])


def test_two_hubs_hand_over_a_shared_order_and_the_centre_ships_it_from_the_warehouse(cooperative, warehouse):
    nita, sikka = RemoteHub(cooperative, "Hub Nita"), RemoteHub(cooperative, "Hub Sikka")
    order, (at_nita, at_sikka) = _order(cooperative, nita.location, sikka.location)
    assert "cannot pack or ship it as one parcel" in (_as(nita) or refusal(order, Step.SHIP))

    moves = handover.hand_over_to_warehouse(order=order)
    assert [(m.reason, m.reference, m.location, m.piece) for m in moves] == [
        (StockMove.Reason.TRANSFER_OUT, order.code, nita.location, at_nita)
    ]
    assert _level(at_nita, nita.location) == 0 and _level(at_sikka, sikka.location) == 1
    assert "handed over to the town warehouse" in refusal(order, Step.SHIP)
    with pytest.raises(InvalidTransition, match="already handed over"):
        handover.hand_over_to_warehouse(order=order)

    _as_centre()
    assert f"from {nita.location.name} are on their way" in refusal(order, Step.SHIP)
    handover.receive_at_warehouse(order=order)
    assert _level(at_nita, warehouse) == 1
    with pytest.raises(InvalidTransition, match="Nothing of order .* is on its way"):
        handover.receive_at_warehouse(order=order)
    # Sikka still holds its part: nobody ships yet.
    with pytest.raises(InvalidTransition, match="held at hub Hub Sikka"):
        fulfilment.ship_order(order=order, courier="JNE REG", tracking_number="JN1")

    _as(sikka)
    handover.hand_over_to_warehouse(order=order)
    _as_centre()
    handover.receive_at_warehouse(order=order)
    assert refusal(order, Step.SHIP) == ""
    fulfilment.start_packing(order=order)
    fulfilment.ship_order(order=order, courier="JNE REG", tracking_number="JN1")
    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert [_level(p, warehouse) for p in (at_nita, at_sikka)] == [0, 0]
    shipped = StockMove.objects.filter(reference=order.code, reason=StockMove.Reason.SHIPMENT)
    assert {m.location for m in shipped} == {warehouse}


def test_an_order_held_at_the_warehouse_is_cancelled_at_the_centre_back_on_sale_there(cooperative, warehouse):
    hub = RemoteHub(cooperative)
    order, (piece,) = _order(cooperative, hub.location)
    _as(hub)
    handover.hand_over_to_warehouse(order=order)
    _as_centre()
    handover.receive_at_warehouse(order=order)

    fulfilment.cancel_order(order=order, reason="buyer")
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED and not order.cancel_requests.exists()
    assert _level(piece, warehouse) == 0 and _level(piece, warehouse, Position.AVAILABLE) == 1


def test_a_hub_refuses_a_cancel_of_a_part_it_already_handed_over(cooperative, warehouse):
    from sambung.sync.requests import carry_out_requests

    hub = RemoteHub(cooperative)
    order, (piece,) = _order(cooperative, hub.location)
    _as(hub)
    handover.hand_over_to_warehouse(order=order)
    _as_centre()
    fulfilment.cancel_order(order=order, reason="buyer")  # asked of the hub: the part is on its way
    _as(hub)
    carry_out_requests()
    request = order.cancel_requests.get()
    order.refresh_from_db()
    assert request.state == "refused" and order.status == OrderStatus.PAID
    assert _level(piece, hub.location, Position.AVAILABLE) == 0


@pytest.mark.parametrize(
    ("setup", "message"),
    [
        ("unpaid", "only a paid order not yet shipped is handed over"),
        ("cancel pending", "is being cancelled: its items stay here"),
        ("elsewhere", "No item of order .* is held at this hub"),
        ("no warehouse", "no town warehouse"),
        ("centre", "Only a hub hands its items over"),
    ],
)
def test_a_hand_over_that_is_not_possible_says_why_and_moves_nothing(cooperative, setup, message):
    hub, other = RemoteHub(cooperative), RemoteHub(cooperative, "Hub Nita")
    if setup != "no warehouse":
        helpers.make_location(cooperative, node=this_node())
    order, (piece,) = _order(
        cooperative, (other if setup == "elsewhere" else hub).location, paid=setup != "unpaid"
    )
    if setup == "cancel pending":
        fulfilment.cancel_order(order=order, reason="buyer")
    if setup != "centre":
        _as(hub)
    before = StockMove.objects.count()
    with pytest.raises(InvalidTransition, match=message):
        handover.hand_over_to_warehouse(order=order)
    assert StockMove.objects.count() == before


def test_a_hub_does_not_hand_over_a_shipped_order(cooperative, warehouse):
    hub = RemoteHub(cooperative)
    order, _pieces = _order(cooperative, hub.location)
    _as(hub)
    fulfilment.ship_order(order=order, courier="JNE REG", tracking_number="JN1")
    with pytest.raises(InvalidTransition, match="is shipped: only a paid order"):
        handover.hand_over_to_warehouse(order=order)


def test_the_receipt_is_refused_at_a_hub(cooperative, warehouse):
    hub = RemoteHub(cooperative)
    order, _pieces = _order(cooperative, hub.location)
    _as(hub)
    with pytest.raises(InvalidTransition, match="received at the town warehouse, at the centre"):
        handover.receive_at_warehouse(order=order)


def test_the_hub_operator_hands_over_from_the_order_page_and_the_manager_receives_it(
    cooperative, warehouse, operator, manager
):
    hub = RemoteHub(cooperative)
    order, (piece,) = _order(cooperative, hub.location)
    _as(hub)
    page = operator.get(_url("order_detail", order)).content.decode()
    assert _url("hand_over", order) in page and _url("receive_at_warehouse", order) not in page

    response = operator.post(_url("hand_over", order))
    assert response.status_code == 302
    assert [str(m) for m in get_messages(response.wsgi_request)] == [
        f"The items of {order.code} here were sent to the town warehouse; it receives them at the centre."
    ]
    assert _level(piece, hub.location) == 0
    response = operator.post(_url("hand_over", order))
    assert "already handed over" in [str(m) for m in get_messages(response.wsgi_request)][-1]
    assert _url("hand_over", order) not in operator.get(_url("order_detail", order)).content.decode()

    _as_centre()
    page = manager.get(_url("order_detail", order)).content.decode().replace("&#x27;", "'")
    assert _url("receive_at_warehouse", order) in page and _url("ship_order", order) not in page
    assert f"from {hub.location.name} are on their way to the town warehouse" in page
    manager.post(_url("receive_at_warehouse", order))
    assert _level(piece, warehouse) == 1
    page = manager.get(_url("order_detail", order)).content.decode()
    assert _url("receive_at_warehouse", order) not in page and _url("ship_order", order) in page


def test_the_hand_over_views_check_role_method_and_csrf(cooperative, warehouse, operator):
    hub = RemoteHub(cooperative)
    order, (piece,) = _order(cooperative, hub.location)
    _as(hub)
    maker = Client()
    maker.force_login(helpers.make_member(cooperative, Role.MAKER, username="penenun"))
    assert maker.post(_url("hand_over", order)).status_code == 404
    assert operator.get(_url("hand_over", order)).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(helpers.make_member(cooperative, Role.HUB_OPERATOR, username="operator2"))
    assert strict.post(_url("hand_over", order)).status_code == 403
    _as_centre()
    assert operator.post(_url("receive_at_warehouse", order)).status_code == 404  # a manager's step
    assert _level(piece, hub.location) == 1
    assert not Location.objects.filter(moves__reason="transfer_in").exists()


def test_the_hand_over_speaks_indonesian():
    with translation.override("id"):
        assert translation.gettext("Hand over to the town warehouse") == "Serahkan ke gudang kota"
        assert translation.gettext("Nothing of order %(code)s is on its way to the warehouse.") % {
            "code": "SB-1"
        } == ("Tidak ada barang pesanan SB-1 yang sedang dalam perjalanan ke gudang.")
