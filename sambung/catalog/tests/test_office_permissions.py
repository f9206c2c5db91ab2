"""Every back-office page and method, asked by every persona: allowed, 404 (forbidden looks missing) or sign-in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

import pytest
from django.test import Client

from sambung.catalog.models import Maker
from sambung.catalog.photos import add_photo
from sambung.catalog.tests import login_url, maker_of, office_url
from sambung.tests.helpers import (
    image_bytes,
    make_location,
    make_maker,
    make_member,
    make_piece,
    make_product,
)

MANAGER, OPERATOR, MAKER, VIEWER = "manager", "operator", "maker_user", "viewer"
SMALL_PHOTO = image_bytes((64, 48))
PERSONAS = [MANAGER, OPERATOR, MAKER, VIEWER, "outsider", "buyer"]
NOBODY: frozenset[str] = frozenset()
MANAGERS = frozenset({MANAGER})
PIECE_WRITERS = frozenset({MANAGER, OPERATOR})
STAFF = frozenset({MANAGER, OPERATOR, VIEWER})
EVERY_MEMBER = STAFF | {MAKER}


@dataclass(frozen=True)
class Route:
    label: str
    name: str
    args: Callable[[World], tuple]
    method: str
    allowed: frozenset[str]
    # A POST with no data re-shows the form with its errors (200); a confirmed deletion redirects (302).
    allowed_status: int = 200

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.label}"


def here(*names: str) -> Callable[[World], tuple]:
    """Arguments for a page of the tested cooperative: its slug, then the world's rows by name."""
    return lambda world: (world.slug, *(getattr(world, name).pk for name in names))


def elsewhere(*names: str) -> Callable[[World], tuple]:
    """Arguments that put the tested cooperative's rows under the other cooperative's slug."""
    return lambda world: (world.other_slug, *(getattr(world, name).pk for name in names))


ROUTES = [
    Route("dashboard", "dashboard", here(), "get", EVERY_MEMBER),
    Route("maker list", "maker_list", here(), "get", STAFF),
    Route("maker detail", "maker_detail", here("maker"), "get", STAFF),
    Route("maker detail, her own", "maker_detail", here("own_maker"), "get", EVERY_MEMBER),
    Route("maker create", "maker_create", here(), "get", MANAGERS),
    Route("maker create", "maker_create", here(), "post", MANAGERS),
    Route("maker edit", "maker_edit", here("maker"), "get", MANAGERS),
    Route("maker edit", "maker_edit", here("maker"), "post", MANAGERS),
    Route("maker edit, her own", "maker_edit", here("own_maker"), "post", MANAGERS),
    Route("product list", "product_list", here(), "get", STAFF),
    Route("product detail", "product_detail", here("product"), "get", STAFF),
    Route("product create", "product_create", here(), "get", MANAGERS),
    Route("product create", "product_create", here(), "post", MANAGERS),
    Route("product edit", "product_edit", here("product"), "get", MANAGERS),
    Route("product edit", "product_edit", here("product"), "post", MANAGERS),
    Route("SKU create", "sku_create", here("product"), "get", MANAGERS),
    Route("SKU create", "sku_create", here("product"), "post", MANAGERS),
    Route("SKU edit", "sku_edit", here("product", "sku"), "get", MANAGERS),
    Route("SKU edit", "sku_edit", here("product", "sku"), "post", MANAGERS),
    Route("product photos", "product_photos", here("product"), "get", MANAGERS),
    Route("product photos", "product_photos", here("product"), "post", MANAGERS),
    Route("product photo delete", "product_photo_delete", here("product", "product_photo"), "get", MANAGERS),
    Route(
        "product photo delete",
        "product_photo_delete",
        here("product", "product_photo"),
        "post",
        MANAGERS,
        allowed_status=302,
    ),
    Route("piece list", "piece_list", here(), "get", EVERY_MEMBER),
    Route("piece detail", "piece_detail", here("piece"), "get", STAFF),
    Route("piece detail, her own", "piece_detail", here("own_piece"), "get", EVERY_MEMBER),
    Route("piece create", "piece_create", here(), "get", PIECE_WRITERS),
    Route("piece create", "piece_create", here(), "post", PIECE_WRITERS),
    Route("piece edit", "piece_edit", here("piece"), "get", PIECE_WRITERS),
    Route("piece edit", "piece_edit", here("piece"), "post", PIECE_WRITERS),
    Route("piece edit, her own", "piece_edit", here("own_piece"), "post", PIECE_WRITERS),
    Route("piece photos", "piece_photos", here("piece"), "get", PIECE_WRITERS),
    Route("piece photos", "piece_photos", here("piece"), "post", PIECE_WRITERS),
    Route("piece photos, her own", "piece_photos", here("own_piece"), "get", PIECE_WRITERS),
    Route("piece photo delete", "piece_photo_delete", here("piece", "piece_photo"), "get", PIECE_WRITERS),
    Route(
        "piece photo delete",
        "piece_photo_delete",
        here("piece", "piece_photo"),
        "post",
        PIECE_WRITERS,
        allowed_status=302,
    ),
    # Rows of another cooperative under this cooperative's address: missing, for everyone.
    Route("another cooperative's maker", "maker_detail", here("other_maker"), "get", NOBODY),
    Route("another cooperative's maker edit", "maker_edit", here("other_maker"), "post", NOBODY),
    Route("another cooperative's product", "product_detail", here("other_product"), "get", NOBODY),
    Route("another cooperative's product edit", "product_edit", here("other_product"), "post", NOBODY),
    Route("another cooperative's SKU", "sku_edit", here("other_product", "other_sku"), "post", NOBODY),
    Route(
        "another cooperative's SKU under this product",
        "sku_edit",
        here("product", "other_sku"),
        "get",
        NOBODY,
    ),
    Route("SKU create for another cooperative", "sku_create", here("other_product"), "post", NOBODY),
    Route("another cooperative's product photos", "product_photos", here("other_product"), "post", NOBODY),
    Route(
        "another cooperative's product photo",
        "product_photo_delete",
        here("product", "other_product_photo"),
        "post",
        NOBODY,
    ),
    Route(
        "a piece's photo as a product's",
        "product_photo_delete",
        here("product", "piece_photo"),
        "post",
        NOBODY,
    ),
    Route("another cooperative's piece", "piece_detail", here("other_piece"), "get", NOBODY),
    Route("another cooperative's piece edit", "piece_edit", here("other_piece"), "post", NOBODY),
    Route("another cooperative's piece photos", "piece_photos", here("other_piece"), "post", NOBODY),
    Route(
        "another cooperative's piece photo",
        "piece_photo_delete",
        here("piece", "other_piece_photo"),
        "post",
        NOBODY,
    ),
    # This cooperative's rows under the other cooperative's address (where only the outsider is a member).
    Route(
        "a product under another cooperative's address", "product_detail", elsewhere("product"), "get", NOBODY
    ),
    Route("a piece under another cooperative's address", "piece_edit", elsewhere("piece"), "post", NOBODY),
    Route("a maker under another cooperative's address", "maker_edit", elsewhere("maker"), "get", NOBODY),
    Route("an unknown cooperative", "dashboard", lambda world: ("tidak-ada",), "get", NOBODY),
]


class World:
    """Rows of the tested cooperative (one maker's and the maker persona's own) and of another cooperative.

    Photos are made only for the routes that use them: rendering them is the slowest part of the setup.
    """

    def __init__(self, cooperative, other_cooperative) -> None:
        self.slug, self.other_slug = cooperative.slug, other_cooperative.slug
        self.maker = make_maker(cooperative)
        self.own_maker = maker_of("penenun")
        self.product = make_product(cooperative)
        self.sku = self.product.skus.get()
        self.piece = make_piece(self.product, self.maker, location=make_location(cooperative))
        self.own_piece = make_piece(self.product, self.own_maker)
        self.other_maker = make_maker(other_cooperative)
        self.other_product = make_product(other_cooperative)
        self.other_sku = self.other_product.skus.get()
        self.other_piece = make_piece(self.other_product, self.other_maker)

    @cached_property
    def product_photo(self):
        return add_photo(upload=SMALL_PHOTO, product=self.product)

    @cached_property
    def piece_photo(self):
        return add_photo(upload=SMALL_PHOTO, piece=self.piece)

    @cached_property
    def other_product_photo(self):
        return add_photo(upload=SMALL_PHOTO, product=self.other_product)

    @cached_property
    def other_piece_photo(self):
        return add_photo(upload=SMALL_PHOTO, piece=self.other_piece)


@pytest.fixture
def world(cooperative, other_cooperative, maker_user) -> World:
    return World(cooperative, other_cooperative)


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_back_office_answers_each_persona_as_its_role_allows(request, world, route, persona):
    client = request.getfixturevalue(persona)
    response = getattr(client, route.method)(office_url(route.name, *route.args(world)))
    if persona == "buyer":
        assert response.status_code == 302
        assert response.url.startswith(login_url())
    elif persona in route.allowed:
        assert response.status_code == route.allowed_status
    else:
        assert response.status_code == 404


def test_forbidden_posts_change_nothing(operator, viewer, maker_user, outsider, world):
    """A persona that gets a 404 has not written anything either, even with valid data."""
    data = {"name": "Diganti", "village_code": "53.07.03.2005"}
    for client in (operator, viewer, maker_user, outsider):
        client.post(office_url("maker_edit", world.slug, world.maker.pk), data)
        client.post(office_url("maker_edit", world.slug, world.own_maker.pk), data)
    assert not Maker.objects.filter(name="Diganti").exists()


def test_anonymous_visitor_of_the_back_office_home_is_sent_to_sign_in(buyer):
    response = buyer.get(office_url("home"))
    assert response.status_code == 302
    assert response.url.startswith(login_url())


@pytest.mark.parametrize("persona", [MANAGER, OPERATOR, MAKER, VIEWER, "outsider"])
def test_back_office_home_takes_a_member_of_one_cooperative_to_its_dashboard(request, persona):
    client = request.getfixturevalue(persona)
    response = client.get(office_url("home"))
    slug = "lain" if persona == "outsider" else "nian-tana"
    assert response.status_code == 302
    assert response.url == office_url("dashboard", slug)


def test_back_office_home_lists_no_cooperative_for_an_account_without_membership(buyer, django_user_model):
    buyer.force_login(django_user_model.objects.create_user(username="pembeli"))
    response = buyer.get(office_url("home"))
    assert response.status_code == 200
    assert "does not belong to any cooperative" in response.content.decode()


def test_read_only_pages_refuse_a_post(manager, cooperative):
    assert manager.post(office_url("dashboard", cooperative.slug)).status_code == 405
    assert manager.post(office_url("piece_list", cooperative.slug)).status_code == 405


def test_post_without_csrf_token_is_refused_and_saves_nothing(cooperative):
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_member(cooperative, "manager", username="manajer"))
    response = client.post(
        office_url("maker_create", cooperative.slug), {"name": "Tanpa token", "village_code": "53.07.03.2005"}
    )
    assert response.status_code == 403
    assert not Maker.objects.filter(name="Tanpa token").exists()


def test_every_post_form_carries_a_csrf_token(manager, world):
    pages = [
        office_url("maker_create", world.slug),
        office_url("product_edit", world.slug, world.product.pk),
        office_url("sku_create", world.slug, world.product.pk),
        office_url("product_photos", world.slug, world.product.pk),
        office_url("product_photo_delete", world.slug, world.product.pk, world.product_photo.pk),
        office_url("piece_create", world.slug),
        office_url("piece_photos", world.slug, world.piece.pk),
    ]
    for page in pages:
        html = manager.get(page).content.decode()
        assert html.count('method="post"') == html.count('name="csrfmiddlewaretoken"') >= 2, page
