"""Every production page and method, asked by every persona: allowed, 404 (forbidden looks missing) or sign-in."""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from sambung.catalog.tests import login_url, maker_of
from sambung.production.capacity import add_unavailability, set_capacity
from sambung.production.models import Capacity, OutboundMessage, Unavailability, WorkOrder
from sambung.production.pledges import pledge_work
from sambung.tests.helpers import make_category, make_location, make_maker, make_member, make_product

MANAGER, OPERATOR, MAKER, VIEWER = "manager", "operator", "maker_user", "viewer"
PERSONAS = [MANAGER, OPERATOR, MAKER, VIEWER, "outsider", "buyer"]
NOBODY: frozenset[str] = frozenset()
MANAGERS = frozenset({MANAGER})
RECORDERS = frozenset({MANAGER, OPERATOR})
STAFF = frozenset({MANAGER, OPERATOR, VIEWER})
EVERY_MEMBER = STAFF | {MAKER}


def url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"production:{name}", args=args)


@dataclass(frozen=True)
class Route:
    label: str
    name: str
    args: Callable[[World], tuple]
    method: str
    allowed: frozenset[str]
    allowed_status: int = 200  # an empty POST re-shows its form with errors (400); a removal redirects (302)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.label}"


def here(*names: str) -> Callable[[World], tuple]:
    return lambda world: (world.slug, *(getattr(world, name).pk for name in names))


def elsewhere(*names: str) -> Callable[[World], tuple]:
    return lambda world: (world.other_slug, *(getattr(world, name).pk for name in names))


ROUTES = [
    Route("work orders", "work_order_list", here(), "get", EVERY_MEMBER),
    Route("pledge", "pledge_create", here(), "get", RECORDERS),
    Route("pledge", "pledge_create", here(), "post", RECORDERS),
    Route("work order", "work_order_detail", here("work_order"), "get", STAFF),
    Route("work order, her own", "work_order_detail", here("own_work_order"), "get", EVERY_MEMBER),
    Route("stage", "stage_record", here("work_order"), "post", RECORDERS, 400),
    Route("stage, her own", "stage_record", here("own_work_order"), "post", RECORDERS, 400),
    Route("complete", "work_order_complete", here("work_order"), "get", RECORDERS),
    Route("complete", "work_order_complete", here("work_order"), "post", RECORDERS),
    Route("cancel", "work_order_cancel", here("work_order"), "get", RECORDERS),
    Route("cancel", "work_order_cancel", here("work_order"), "post", RECORDERS),
    Route("capacity", "maker_production", here("maker"), "get", STAFF),
    Route("capacity, her own", "maker_production", here("own_maker"), "get", EVERY_MEMBER),
    Route("capacity set", "capacity_set", here("maker"), "post", RECORDERS, 400),
    Route("capacity set, her own", "capacity_set", here("own_maker"), "post", RECORDERS, 400),
    Route("capacity remove", "capacity_remove", here("maker", "capacity"), "post", RECORDERS, 302),
    Route("period add", "unavailability_add", here("maker"), "post", RECORDERS, 400),
    Route("period remove", "unavailability_remove", here("maker", "period"), "post", RECORDERS, 302),
    Route("ledger", "ledger", here("maker"), "get", STAFF),
    Route("ledger, her own", "ledger", here("own_maker"), "get", EVERY_MEMBER),
    Route("payout", "payout_create", here("maker"), "post", MANAGERS, 400),
    Route("payout, her own", "payout_create", here("own_maker"), "post", MANAGERS, 400),
    Route("plan", "plan", here(), "get", MANAGERS),
    Route("plan accept", "plan_accept", here(), "post", MANAGERS, 400),
    Route("continuity", "continuity", here(), "get", STAFF),
    Route("stages", "stages", here("category"), "get", MANAGERS),
    Route("stages", "stages", here("category"), "post", MANAGERS),
    Route("messages", "outbound_messages", here(), "get", RECORDERS),
    Route("message sent", "message_sent", here("message"), "post", RECORDERS, 302),
    # Rows of another cooperative under this cooperative's address: missing, for everyone.
    Route("another cooperative's work order", "work_order_detail", here("other_work_order"), "get", NOBODY),
    Route(
        "another cooperative's work order", "work_order_complete", here("other_work_order"), "post", NOBODY
    ),
    Route("another cooperative's stage", "stage_record", here("other_work_order"), "post", NOBODY),
    Route("another cooperative's maker", "maker_production", here("other_maker"), "get", NOBODY),
    Route("another cooperative's capacity", "capacity_set", here("other_maker"), "post", NOBODY),
    Route(
        "another cooperative's capacity row",
        "capacity_remove",
        here("maker", "other_capacity"),
        "post",
        NOBODY,
    ),
    Route(
        "another cooperative's period", "unavailability_remove", here("maker", "other_period"), "post", NOBODY
    ),
    Route("another cooperative's ledger", "ledger", here("other_maker"), "get", NOBODY),
    Route("another cooperative's payout", "payout_create", here("other_maker"), "post", NOBODY),
    Route("another cooperative's message", "message_sent", here("other_message"), "post", NOBODY),
    # This cooperative's rows under the other cooperative's address (where only the outsider is a member).
    Route("a work order elsewhere", "work_order_detail", elsewhere("work_order"), "get", NOBODY),
    Route("a maker elsewhere", "ledger", elsewhere("maker"), "get", NOBODY),
    Route("a capacity elsewhere", "capacity_set", elsewhere("maker"), "post", NOBODY),
    Route("an unknown cooperative", "plan", lambda world: ("tidak-ada",), "get", NOBODY),
]


class World:
    def __init__(self, cooperative, other_cooperative) -> None:
        self.slug, self.other_slug = cooperative.slug, other_cooperative.slug
        self.category = category = make_category(slug="sarung-ikat-izin")
        make_location(cooperative)
        make_location(other_cooperative)
        self.maker = make_maker(cooperative)
        self.own_maker = maker_of("penenun")
        self.other_maker = make_maker(other_cooperative)
        for maker in (self.maker, self.own_maker, self.other_maker):
            set_capacity(maker=maker, category=category, pieces=1, days=30)
            add_unavailability(maker=maker, starts_on=_day(200), ends_on=_day(210), reason="musim tanam")
        product = make_product(cooperative, category=category)
        other_product = make_product(other_cooperative, category=category)
        self.work_order = pledge_work(maker=self.maker, sku=product.skus.get(), quantity=1)
        self.own_work_order = pledge_work(maker=self.own_maker, sku=product.skus.get(), quantity=1)
        self.other_work_order = pledge_work(maker=self.other_maker, sku=other_product.skus.get(), quantity=1)
        self.capacity = Capacity.objects.get(maker=self.maker)
        self.other_capacity = Capacity.objects.get(maker=self.other_maker)
        self.period = Unavailability.objects.get(maker=self.maker)
        self.other_period = Unavailability.objects.get(maker=self.other_maker)
        self.message = OutboundMessage.objects.create(
            cooperative=cooperative, channel="whatsapp", recipient="+6281234567890", body="Halo"
        )
        self.other_message = OutboundMessage.objects.create(
            cooperative=other_cooperative, channel="whatsapp", recipient="+6281234567890", body="Halo"
        )


def _day(n: int) -> datetime.date:
    return timezone.localdate() + datetime.timedelta(days=n)


@pytest.fixture
def world(cooperative, other_cooperative, maker_user) -> World:
    return World(cooperative, other_cooperative)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_production_pages_answer_each_persona_as_its_role_allows(request, world, route, persona):
    client = request.getfixturevalue(persona)
    response = getattr(client, route.method)(url(route.name, *route.args(world)))
    if persona == "buyer":
        assert response.status_code == 302
        assert response.url.startswith(login_url())
    elif persona in route.allowed:
        assert response.status_code == route.allowed_status
    else:
        assert response.status_code == 404


def test_forbidden_posts_change_nothing(operator, viewer, maker_user, outsider, world):
    """A persona that gets a 404 has not written anything either, even with valid data."""
    for client in (viewer, maker_user, outsider):
        client.post(
            url("capacity_set", world.slug, world.own_maker.pk),
            {"category": world.capacity.category_id, "pieces": 5, "days": 30, "rate_per_piece": 0},
        )
        client.post(url("work_order_cancel", world.slug, world.own_work_order.pk), {"note": "tidak jadi"})
        client.post(
            url("payout_create", world.slug, world.own_maker.pk), {"amount": "1000", "paid_on": "2026-01-01"}
        )
    operator.post(
        url("payout_create", world.slug, world.own_maker.pk), {"amount": "1000", "paid_on": "2026-01-01"}
    )
    assert Capacity.objects.get(maker=world.own_maker).pieces == 1
    assert WorkOrder.objects.get(pk=world.own_work_order.pk).status == "pledged"
    assert not world.own_maker.payouts.exists()


def test_read_only_pages_refuse_a_post(manager, world):
    for name, args in [
        ("work_order_list", ()),
        ("work_order_detail", (world.work_order.pk,)),
        ("maker_production", (world.maker.pk,)),
        ("ledger", (world.maker.pk,)),
        ("plan", ()),
        ("continuity", ()),
        ("outbound_messages", ()),
    ]:
        assert manager.post(url(name, world.slug, *args)).status_code == 405, name


def test_post_only_addresses_refuse_a_get(manager, world):
    assert manager.get(url("stage_record", world.slug, world.work_order.pk)).status_code == 405
    assert manager.get(url("plan_accept", world.slug)).status_code == 405
    assert (
        manager.get(url("capacity_remove", world.slug, world.maker.pk, world.capacity.pk)).status_code == 405
    )


def test_post_without_csrf_token_is_refused_and_saves_nothing(cooperative, world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_member(cooperative, "manager", username="manajer"))
    response = client.post(url("work_order_cancel", world.slug, world.work_order.pk), {"note": "tanpa token"})
    assert response.status_code == 403
    assert WorkOrder.objects.get(pk=world.work_order.pk).status == "pledged"


def test_every_post_form_carries_a_csrf_token(manager, world):
    pages = [
        url("pledge_create", world.slug),
        url("work_order_detail", world.slug, world.work_order.pk),
        url("work_order_complete", world.slug, world.work_order.pk),
        url("work_order_cancel", world.slug, world.work_order.pk),
        url("maker_production", world.slug, world.maker.pk),
        url("ledger", world.slug, world.maker.pk),
        url("outbound_messages", world.slug),
        url("stages", world.slug, world.category.pk),
    ]
    for page in pages:
        html = manager.get(page).content.decode()
        assert html.count('method="post"') == html.count('name="csrfmiddlewaretoken"') >= 2, page
