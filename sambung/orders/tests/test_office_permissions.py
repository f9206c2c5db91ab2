"""Every orders back-office page and step, asked by every persona: allowed, 404 (forbidden looks missing) or
sign-in."""

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest

from sambung.catalog.models import Cooperative
from sambung.orders.models import Order, OrderEvent, OrderStatus, ShippingRate
from sambung.orders.tests.test_office_orders import (
    login_url,
    make_shop,
    order_in,
    place,
    url,
)
from sambung.tests import helpers

S = OrderStatus
MANAGER, OPERATOR, MAKER, VIEWER = "manager", "operator", "maker_user", "viewer"
PERSONAS = [MANAGER, OPERATOR, MAKER, VIEWER, "outsider", "buyer"]
NOBODY: frozenset[str] = frozenset()
MANAGERS = frozenset({MANAGER})
PACKERS = frozenset({MANAGER, OPERATOR})
READERS = frozenset({MANAGER, OPERATOR, VIEWER})
GOOD_RATE = {
    "courier": "SiCepat REG",
    "destination": "53",
    "first_kg": "30000",
    "next_kg": "25000",
    "days_min": "2",
    "days_max": "4",
    "is_active": "on",
}


@dataclass(frozen=True)
class Route:
    label: str
    name: str
    args: Callable[[SimpleNamespace], tuple]
    method: str
    allowed: frozenset[str]
    data: dict = field(default_factory=dict)
    # A page answers 200; a step or a saved form redirects (302) to the order or the list.
    allowed_status: int = 200

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.label}"


def here(*names: str) -> Callable[[SimpleNamespace], tuple]:
    """Arguments for a page of the tested cooperative: its slug, then the world's orders (by code) or rows."""
    return lambda world: (world.slug, *(world.key(name) for name in names))


def elsewhere(*names: str) -> Callable[[SimpleNamespace], tuple]:
    """The tested cooperative's orders and rates under the other cooperative's address."""
    return lambda world: (world.other_slug, *(world.key(name) for name in names))


ROUTES = [
    Route("order list", "order_list", here(), "get", READERS),
    Route("order detail", "order_detail", here("unpaid"), "get", READERS),
    Route("packing slip", "packing_slip", here("paid"), "get", PACKERS),
    Route("invoice", "invoice", here("paid"), "get", MANAGERS),
    Route("confirm payment", "confirm_payment", here("unpaid"), "post", MANAGERS, allowed_status=302),
    Route("start packing", "start_packing", here("paid"), "post", PACKERS, allowed_status=302),
    Route(
        "ship",
        "ship_order",
        here("paid"),
        "post",
        PACKERS,
        data={"courier": "JNE REG", "tracking_number": "JNE1"},
        allowed_status=302,
    ),
    Route("record delivery", "record_delivery", here("shipped"), "post", PACKERS, allowed_status=302),
    Route("record return", "record_return", here("shipped"), "post", MANAGERS, allowed_status=302),
    Route(
        "cancel",
        "cancel_order",
        here("unpaid"),
        "post",
        MANAGERS,
        data={"reason": "buyer"},
        allowed_status=302,
    ),
    Route("payment settings", "payment_settings", here(), "get", MANAGERS),
    Route(
        "payment settings",
        "payment_settings",
        here(),
        "post",
        MANAGERS,
        data={"bank_name": "Bank NTT", "bank_account_number": "0012345678", "bank_account_name": "Kop"},
        allowed_status=302,
    ),
    Route("shipping rates", "shipping_rate_list", here(), "get", MANAGERS),
    Route("new shipping rate", "shipping_rate_create", here(), "get", MANAGERS),
    Route(
        "new shipping rate",
        "shipping_rate_create",
        here(),
        "post",
        MANAGERS,
        data=GOOD_RATE,
        allowed_status=302,
    ),
    Route("shipping rate edit", "shipping_rate_edit", here("rate"), "get", MANAGERS),
    Route(
        "shipping rate edit",
        "shipping_rate_edit",
        here("rate"),
        "post",
        MANAGERS,
        data=GOOD_RATE,
        allowed_status=302,
    ),
    Route(
        "shipping rate deactivate",
        "shipping_rate_deactivate",
        here("rate"),
        "post",
        MANAGERS,
        allowed_status=302,
    ),
    # Rows of another cooperative under this cooperative's address: missing, for everyone.
    Route("another cooperative's order", "order_detail", here("other_order"), "get", NOBODY),
    Route("another cooperative's packing slip", "packing_slip", here("other_order"), "get", NOBODY),
    Route("another cooperative's invoice", "invoice", here("other_order"), "get", NOBODY),
    Route("another cooperative's payment", "confirm_payment", here("other_order"), "post", NOBODY),
    Route(
        "another cooperative's cancel",
        "cancel_order",
        here("other_order"),
        "post",
        NOBODY,
        data={"reason": "buyer"},
    ),
    Route("another cooperative's rate", "shipping_rate_edit", here("other_rate"), "get", NOBODY),
    Route(
        "another cooperative's rate", "shipping_rate_edit", here("other_rate"), "post", NOBODY, data=GOOD_RATE
    ),
    Route(
        "another cooperative's rate deactivate",
        "shipping_rate_deactivate",
        here("other_rate"),
        "post",
        NOBODY,
    ),
    # This cooperative's rows under the other cooperative's address (where only the outsider is a member).
    Route("an order under another cooperative's address", "order_detail", elsewhere("unpaid"), "get", NOBODY),
    Route(
        "a payment under another cooperative's address",
        "confirm_payment",
        elsewhere("unpaid"),
        "post",
        NOBODY,
    ),
    Route(
        "a rate under another cooperative's address", "shipping_rate_edit", elsewhere("rate"), "get", NOBODY
    ),
    Route("an unknown order", "order_detail", lambda world: (world.slug, "SB-TIDAKADA"), "get", NOBODY),
    Route("an unknown cooperative", "order_list", lambda world: ("tidak-ada",), "get", NOBODY),
]


@pytest.fixture
def world(cooperative, other_cooperative):
    """Orders in three states and a rate in the tested cooperative; an order and a rate in another one."""
    shop = make_shop(cooperative)
    other = make_shop(other_cooperative, piece_code="LAIN-001")
    rows = {
        "unpaid": place(shop, coffee=1, piece=False),
        "paid": order_in(shop, S.PAID, coffee=1, piece=False),
        "shipped": order_in(shop, S.SHIPPED, coffee=1, piece=False),
        "rate": shop.rate,
        "other_order": place(other),
        "other_rate": other.rate,
    }
    return SimpleNamespace(
        slug=cooperative.slug,
        other_slug=other_cooperative.slug,
        rows=rows,
        key=lambda name: rows[name].code if isinstance(rows[name], Order) else rows[name].pk,
    )


def snapshot() -> tuple:
    """Everything a step or a setting could change."""
    return (
        list(Order.objects.order_by("code").values_list("code", "status")),
        OrderEvent.objects.count(),
        list(
            ShippingRate.objects.order_by("pk").values_list("courier", "destination", "first_kg", "is_active")
        ),
        list(
            Cooperative.objects.order_by("pk").values_list("qris_static", "bank_name", "bank_account_number")
        ),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_orders_back_office_answers_each_persona_as_its_role_allows(request, world, route, persona):
    client = request.getfixturevalue(persona)
    before = snapshot()
    response = getattr(client, route.method)(url(route.name, *route.args(world)), route.data)
    if persona == "buyer":
        assert response.status_code == 302
        assert response.url.startswith(login_url())
    elif persona in route.allowed:
        assert response.status_code == route.allowed_status
        if route.method == "post":
            assert snapshot() != before, "an allowed step or save changes something"
    else:
        assert response.status_code == 404
    if persona not in route.allowed:
        assert snapshot() == before, "a refused request writes nothing"


def test_the_maker_persona_is_a_member_but_sees_no_orders(maker_user, cooperative):
    for name in ("order_list", "payment_settings", "shipping_rate_list"):
        assert maker_user.get(url(name, cooperative.slug)).status_code == 404


def test_a_superuser_manages_the_orders_of_every_cooperative(client, world):
    client.force_login(helpers.make_user("admin", is_superuser=True, is_staff=True))
    assert client.get(url("order_list", world.slug)).status_code == 200
    assert client.get(url("invoice", world.slug, world.key("paid"))).status_code == 200
