"""Every endpoint asked by every persona: allowed, 401 (no credentials) or 404 (forbidden looks missing)."""

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from sambung.orders.fulfilment import confirm_payment
from sambung.orders.models import OrderEvent

PERSONAS = [
    "anonymous",
    "buyer",
    "stranger",
    "manager",
    "operator",
    "maker_user",
    "viewer",
    "outsider",
    "token_user",
]
EVERYONE = frozenset(PERSONAS)
STAFF = frozenset({"manager", "operator", "viewer", "token_user"})  # token_user is the hub's operator
SHIPPERS = frozenset({"manager", "operator", "token_user"})
MANAGERS = frozenset({"manager"})
SIGNED_OUT = frozenset({"anonymous", "buyer"})


@dataclass(frozen=True)
class Route:
    label: str
    method: str
    path: Callable[[dict], str]
    allowed: frozenset[str]
    body: dict | None = None

    def __str__(self) -> str:
        return self.label


COOP = "/api/v1/cooperatives/nian-tana"
ROUTES = [
    Route("GET products", "get", lambda w: "/api/v1/products", EVERYONE),
    Route("GET product", "get", lambda w: "/api/v1/products/sarung-ikat", EVERYONE),
    Route("GET openapi", "get", lambda w: "/api/v1/openapi.json", EVERYONE),
    Route("GET stock", "get", lambda w: f"{COOP}/stock", STAFF),
    Route("GET orders", "get", lambda w: f"{COOP}/orders", STAFF),
    Route("GET order", "get", lambda w: f"{COOP}/orders/{w['order'].code}", STAFF),
    Route(
        "GET their order under our slug", "get", lambda w: f"{COOP}/orders/{w['theirs'].code}", frozenset()
    ),
    Route("GET their orders", "get", lambda w: "/api/v1/cooperatives/lain/orders", frozenset({"outsider"})),
    Route("GET unknown cooperative", "get", lambda w: "/api/v1/cooperatives/tidak-ada/stock", frozenset()),
    Route(
        "POST packing",
        "post",
        lambda w: f"{COOP}/orders/{w['order'].code}/events",
        SHIPPERS,
        {"kind": "packing"},
    ),
    Route(
        "POST cancelled",
        "post",
        lambda w: f"{COOP}/orders/{w['order'].code}/events",
        MANAGERS,
        {"kind": "cancelled", "cancel_reason": "buyer"},
    ),
    Route(
        "POST to their order",
        "post",
        lambda w: f"{COOP}/orders/{w['theirs'].code}/events",
        frozenset(),
        {"kind": "packing"},
    ),
]


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_each_persona_gets_the_answer_its_role_allows(request, shop, theirs, route, persona):
    confirm_payment(order=shop["order"])  # paid: packing and cancelling are both possible next steps
    world = {"order": shop["order"], "theirs": theirs}
    client = request.getfixturevalue(persona)
    events_before = OrderEvent.objects.count()
    kwargs = {"content_type": "application/json", "data": route.body} if route.body else {}

    response = getattr(client, route.method)(route.path(world), **kwargs)

    if persona in route.allowed:
        assert response.status_code == (201 if route.method == "post" else 200)
    elif persona in SIGNED_OUT and route.path(world).startswith("/api/v1/cooperatives/"):
        assert response.status_code == 401
        assert response.json() == {"detail": "Unauthorized"}
    else:
        assert response.status_code == 404
        assert response.json() == {"detail": "Not Found"}
    assert OrderEvent.objects.count() == events_before + (
        1 if route.method == "post" and persona in route.allowed else 0
    )
