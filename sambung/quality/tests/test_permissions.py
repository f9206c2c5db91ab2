"""Every quality page and method, asked by every persona: allowed, 404 (forbidden looks missing) or sign-in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from sambung.catalog.models import Category, Piece
from sambung.catalog.tests import login_url, maker_of
from sambung.inventory.models import StockMove
from sambung.quality.models import Inspection, Standard, StandardVersion
from sambung.quality.standards import add_default_standard, criteria_of, current_version, passing_value
from sambung.tests import helpers

MANAGER, OPERATOR, MAKER, VIEWER = "manager", "operator", "maker_user", "viewer"
PERSONAS = [MANAGER, OPERATOR, MAKER, VIEWER, "outsider", "buyer"]
NOBODY: frozenset[str] = frozenset()
MANAGERS = frozenset({MANAGER})
INSPECTORS = frozenset({MANAGER, OPERATOR})
STAFF = frozenset({MANAGER, OPERATOR, VIEWER})
EVERY_MEMBER = STAFF | {MAKER}


def quality_url(name: str, *args, query: str = "") -> str:
    with translation.override("en"):
        url = reverse(f"quality:{name}", args=args)
    return f"{url}?{query}" if query else url


@dataclass(frozen=True)
class Route:
    label: str
    name: str
    args: Callable[[World], tuple]
    method: str
    allowed: frozenset[str]
    allowed_status: int = 200
    query: str = ""

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.label}"


def here(*names: str) -> Callable[[World], tuple]:
    return lambda world: (world.slug, *(getattr(world, name) for name in names))


def elsewhere(*names: str) -> Callable[[World], tuple]:
    return lambda world: (world.other_slug, *(getattr(world, name) for name in names))


class World:
    """A standard, a piece waiting in quality control, a passed piece (the maker persona's own), a coffee
    batch waiting; and the same kinds of rows in another cooperative."""

    def __init__(self, cooperative, other_cooperative) -> None:
        self.slug, self.other_slug = cooperative.slug, other_cooperative.slug
        category = Category.objects.create(slug="sarung-ikat", name_id="Sarung ikat", name_en="Ikat sarong")
        product = helpers.make_product(cooperative, category=category)
        location = helpers.make_location(cooperative)
        add_default_standard(cooperative=cooperative, category=category)
        self.standard = Standard.objects.get(cooperative=cooperative).pk
        self.key = "edges_fringes"
        self.waiting = helpers.make_piece(
            product, helpers.make_maker(cooperative), location=location, sellable=False
        ).pk
        own = helpers.make_piece(product, maker_of("penenun"), location=location, sellable=False)
        self.own_piece = own.pk
        self.own_inspection = helpers.pass_inspection(piece=own, photos=[helpers.image_bytes((64, 48))]).pk
        coffee_category = helpers.make_category(slug="kopi", name_id="Kopi", name_en="Coffee")
        add_default_standard(cooperative=cooperative, category=coffee_category)
        coffee = helpers.make_product(cooperative, category=coffee_category)
        coffee.skus.update(is_unique=False)
        helpers.make_stock(coffee, location, 10, sellable=False)
        coffee_version = current_version(
            Standard.objects.get(cooperative=cooperative, category=coffee_category)
        )
        coffee_answers = {c.key: passing_value(c, coffee) for c in criteria_of(coffee_version)}
        helpers.pass_inspection(
            sku=coffee.skus.get(),
            location=location,
            quantity=2,
            results={**coffee_answers, "no_live_insects": "fail"},
        )
        self.sku, self.location = coffee.skus.get().pk, location.pk
        self.kind = "measurement"
        self.own_maker = own.maker_id
        rejected = helpers.make_piece(
            product, helpers.make_maker(cooperative), location=location, sellable=False
        )
        version = current_version(Standard.objects.get(cooperative=cooperative, category=category))
        answers = {c.key: passing_value(c, product) for c in criteria_of(version)}
        helpers.pass_inspection(piece=rejected, results={**answers, "no_stains_holes": "fail"})
        self.rejected = rejected.pk
        self.colleague = Piece.objects.get(pk=self.waiting).maker_id

        other_category = helpers.make_category()
        other_product = helpers.make_product(other_cooperative, category=other_category)
        other_location = helpers.make_location(other_cooperative)
        self.other_standard = helpers.make_standard(other_cooperative, other_category).pk
        self.other_piece = helpers.make_piece(
            other_product, helpers.make_maker(other_cooperative), location=other_location, sellable=False
        ).pk
        passed = helpers.make_piece(
            other_product, helpers.make_maker(other_cooperative), location=other_location
        )
        self.other_inspection = passed.inspections.get().pk
        self.other_location = other_location.pk
        self.other_maker = passed.maker_id
        self.other_sku = other_product.skus.get().pk


ROUTES = [
    Route("queue", "queue", here(), "get", STAFF),
    Route("standard list", "standard_list", here(), "get", STAFF),
    Route("standard add default", "standard_add_default", here(), "get", MANAGERS),
    Route("standard add default", "standard_add_default", here(), "post", MANAGERS),
    Route("standard detail", "standard_detail", here("standard"), "get", STAFF),
    Route("criterion create", "criterion_create", here("standard", "kind"), "get", MANAGERS),
    Route("criterion create", "criterion_create", here("standard", "kind"), "post", MANAGERS),
    Route("criterion edit", "criterion_edit", here("standard", "key"), "get", MANAGERS),
    Route("criterion edit", "criterion_edit", here("standard", "key"), "post", MANAGERS),
    Route("criterion delete", "criterion_delete", here("standard", "key"), "get", MANAGERS),
    Route("criterion delete", "criterion_delete", here("standard", "key"), "post", MANAGERS, 200),
    Route("inspect a piece", "inspect_piece", here("waiting"), "get", INSPECTORS),
    Route("inspect a piece", "inspect_piece", here("waiting"), "post", INSPECTORS),
    Route("inspect a batch", "inspect_batch", here("sku", "location"), "get", INSPECTORS),
    Route("inspect a batch", "inspect_batch", here("sku", "location"), "post", INSPECTORS),
    Route("inspection detail, her piece", "inspection_detail", here("own_inspection"), "get", EVERY_MEMBER),
    Route("piece quality", "piece_quality", here("waiting"), "get", STAFF),
    Route("piece quality, her piece", "piece_quality", here("own_piece"), "get", EVERY_MEMBER),
    Route("hang tags", "hang_tags", here(), "get", INSPECTORS),
    Route("write off a rejected piece", "write_off_piece", here("rejected"), "get", INSPECTORS),
    Route("write off a rejected piece", "write_off_piece", here("rejected"), "post", INSPECTORS, 302),
    Route("return a rejected piece", "return_piece", here("rejected"), "get", INSPECTORS),
    Route("return a rejected piece", "return_piece", here("rejected"), "post", INSPECTORS, 302),
    Route("receive a piece back", "receive_piece", here("rejected"), "get", INSPECTORS),
    Route("receive a piece back", "receive_piece", here("rejected"), "post", INSPECTORS),
    Route("write off a batch", "write_off_batch", here("sku", "location"), "get", INSPECTORS),
    Route("write off a batch", "write_off_batch", here("sku", "location"), "post", INSPECTORS),
    Route("maker record, her own", "maker_record", here("own_maker"), "get", EVERY_MEMBER),
    Route("maker record, another maker's", "maker_record", here("colleague"), "get", STAFF),
    Route("hang tag file, none chosen", "hang_tags_file", here(), "get", INSPECTORS, 302),
    # Rows of another cooperative under this cooperative's address: missing, for everyone.
    Route("another cooperative's standard", "standard_detail", here("other_standard"), "get", NOBODY),
    Route("another cooperative's criterion", "criterion_edit", here("other_standard", "key"), "post", NOBODY),
    Route("another cooperative's piece", "inspect_piece", here("other_piece"), "post", NOBODY),
    Route("another cooperative's piece quality", "piece_quality", here("other_piece"), "get", NOBODY),
    Route(
        "another cooperative's batch", "inspect_batch", here("other_sku", "other_location"), "post", NOBODY
    ),
    Route("our SKU at their location", "inspect_batch", here("sku", "other_location"), "get", NOBODY),
    Route("another cooperative's inspection", "inspection_detail", here("other_inspection"), "get", NOBODY),
    Route("another cooperative's piece, written off", "write_off_piece", here("other_piece"), "post", NOBODY),
    Route("another cooperative's piece, returned", "return_piece", here("other_piece"), "post", NOBODY),
    Route("another cooperative's piece, received", "receive_piece", here("other_piece"), "post", NOBODY),
    Route(
        "another cooperative's batch, written off",
        "write_off_batch",
        here("other_sku", "other_location"),
        "post",
        NOBODY,
    ),
    Route("another cooperative's maker record", "maker_record", here("other_maker"), "get", NOBODY),
    Route(
        "an unknown kind of criterion", "criterion_create", lambda w: (w.slug, w.standard, "x"), "get", NOBODY
    ),
    Route(
        "an unknown criterion", "criterion_edit", lambda w: (w.slug, w.standard, "tidak_ada"), "get", NOBODY
    ),
    # This cooperative's rows under the other cooperative's address.
    Route("our standard at their address", "standard_detail", elsewhere("standard"), "get", NOBODY),
    Route("our piece at their address", "inspect_piece", elsewhere("waiting"), "post", NOBODY),
    Route("our inspection at their address", "inspection_detail", elsewhere("own_inspection"), "get", NOBODY),
    Route("our maker's record at their address", "maker_record", elsewhere("own_maker"), "get", NOBODY),
]


@pytest.fixture
def world(cooperative, other_cooperative, maker_user) -> World:
    return World(cooperative, other_cooperative)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_quality_pages_answer_each_persona_as_its_role_allows(request, world, route, persona):
    client = request.getfixturevalue(persona)
    response = getattr(client, route.method)(quality_url(route.name, *route.args(world), query=route.query))
    if persona == "buyer":
        assert response.status_code == 302
        assert response.url.startswith(login_url())
    elif persona in route.allowed:
        assert response.status_code == route.allowed_status
    else:
        assert response.status_code == 404


def test_forbidden_posts_record_nothing(operator, viewer, maker_user, outsider, world):
    versions = StandardVersion.objects.count()
    inspections = Inspection.objects.count()
    answers = {"k_edges_fringes": "pass", "version": "x"}
    for client in (operator, viewer, maker_user, outsider):
        client.post(quality_url("criterion_delete", world.slug, world.standard, world.key))
        client.post(
            quality_url("criterion_edit", world.slug, world.standard, world.key), {"label_id": "Baru"}
        )
    for client in (viewer, maker_user, outsider):
        client.post(quality_url("inspect_piece", world.slug, world.waiting), answers)
    for client in (viewer, maker_user, outsider):
        client.post(quality_url("write_off_piece", world.slug, world.rejected))
        client.post(quality_url("return_piece", world.slug, world.rejected))
        client.post(quality_url("write_off_batch", world.slug, world.sku, world.location), {"quantity": "1"})
    assert StandardVersion.objects.count() == versions and Inspection.objects.count() == inspections
    assert not StockMove.objects.filter(reason__in=["write_off", "return_to_maker"]).exists()


def test_a_hang_tag_of_another_cooperatives_piece_is_not_printed(manager, world):
    response = manager.get(quality_url("hang_tags_file", world.slug, query=f"karya={world.other_piece}"))
    assert response.status_code == 302  # back to the list: nothing chosen that this cooperative may print


def test_posts_without_a_csrf_token_are_refused_and_record_nothing(cooperative, world):
    for role, name, args in (
        ("manager", "criterion_delete", (world.slug, world.standard, world.key)),
        ("hub_operator", "inspect_piece", (world.slug, world.waiting)),
    ):
        client = Client(enforce_csrf_checks=True)
        client.force_login(helpers.make_member(cooperative, role))
        assert client.post(quality_url(name, *args), {"based_on": "x"}).status_code == 403
    assert StandardVersion.objects.count() == 3 and Inspection.objects.count() == 4


def test_every_post_form_carries_a_csrf_token(manager, world, cooperative):
    helpers.make_product(cooperative)  # a category without a standard: the list offers to add one
    pages = [
        quality_url("standard_list", world.slug),
        quality_url("standard_add_default", world.slug),
        quality_url("criterion_create", world.slug, world.standard, "grade"),
        quality_url("criterion_edit", world.slug, world.standard, world.key),
        quality_url("criterion_delete", world.slug, world.standard, world.key),
        quality_url("inspect_piece", world.slug, world.waiting),
        quality_url("inspect_batch", world.slug, world.sku, world.location),
    ]
    for page in pages:
        html = manager.get(page).content.decode()
        assert html.count('method="post"') == html.count('name="csrfmiddlewaretoken"') >= 2, page


def test_read_only_pages_refuse_a_post(manager, world):
    for name, args in (
        ("queue", ()),
        ("standard_list", ()),
        ("standard_detail", (world.standard,)),
        ("inspection_detail", (world.own_inspection,)),
        ("piece_quality", (world.own_piece,)),
        ("hang_tags", ()),
        ("hang_tags_file", ()),
        ("maker_records", ()),
        ("maker_record", (world.own_maker,)),
    ):
        assert manager.post(quality_url(name, world.slug, *args)).status_code == 405, name


@pytest.mark.parametrize("persona", PERSONAS)
def test_the_makers_records_list_is_for_staff_and_sends_a_maker_to_her_own(request, world, persona):
    client = request.getfixturevalue(persona)
    response = client.get(quality_url("maker_records", world.slug))
    if persona in STAFF:
        assert response.status_code == 200
    elif persona == MAKER:
        assert response.status_code == 302
        assert response.url == quality_url("maker_record", world.slug, world.own_maker)
    elif persona == "buyer":
        assert response.status_code == 302 and response.url.startswith(login_url())
    else:
        assert response.status_code == 404
