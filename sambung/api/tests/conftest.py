"""Fixtures for the API's tests: a shop with an order, and clients for each persona."""

import pytest
from django.test import Client

from sambung.accounts.models import Role
from sambung.api.auth import create_api_token
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import Buyer, place_order, start_checkout
from sambung.orders.models import Order
from sambung.tests import helpers

BUYER = Buyer(
    name="Ani Wulandari",
    phone="+6281234567890",
    email="ani@example.com",
    address="Jl. Melati 5",
    village_code=helpers.NITA_VILLAGE,
)


def place(cooperative, lines, rate) -> Order:
    checkout = start_checkout(cooperative=cooperative, lines=lines)
    return place_order(checkout=checkout, buyer=BUYER, shipping_rate=rate, payment_method="bank_transfer")


@pytest.fixture
def order_of():
    """Place an order by bank transfer: order_of(cooperative, [PricedLine, …], rate)."""
    return place


@pytest.fixture
def shop(cooperative):
    """A warehouse with 5 bags of coffee and one sarong piece, and an order for 2 bags awaiting payment."""
    location = helpers.make_location(cooperative, name="Gudang Maumere", days_to_pack=2)
    coffee = helpers.make_product(cooperative, price=85_000, weight_g=270, title_id="Kopi Sikka", slug="kopi")
    coffee.skus.update(is_unique=False)
    helpers.make_stock(coffee, location, 5)
    sarong = helpers.make_product(cooperative, price=2_750_000, weight_g=700, slug="sarung-ikat")
    weaver = helpers.make_maker(cooperative, name="Mama Yuliana", shows_name=True)
    piece = helpers.make_piece(sarong, weaver, location=location, code="PC-SARUNG-1")
    rate = helpers.make_shipping_rate(cooperative)
    order = place(cooperative, [PricedLine(coffee.skus.get(), None, 2)], rate)
    return dict(location=location, coffee=coffee, sarong=sarong, piece=piece, rate=rate, order=order)


@pytest.fixture
def theirs(other_cooperative):
    """Another cooperative's order, for asking about it under our slug and under theirs."""
    location = helpers.make_location(other_cooperative)
    product = helpers.make_product(other_cooperative, price=50_000)
    product.skus.update(is_unique=False)
    helpers.make_stock(product, location, 1)
    rate = helpers.make_shipping_rate(other_cooperative)
    return place(other_cooperative, [PricedLine(product.skus.get(), None, 1)], rate)


@pytest.fixture
def anonymous():
    return Client()


@pytest.fixture
def stranger(db):
    """Signed in, but a member of no cooperative (a buyer with an account)."""
    client = Client()
    client.force_login(helpers.make_user("pembeli"))
    return client


@pytest.fixture
def hub_token(cooperative):
    """The hub's laptop: a hub operator's API token."""
    user = helpers.make_member(cooperative, Role.HUB_OPERATOR, username="hub-sikka")
    return create_api_token(user=user, name="Laptop hub Sikka")


@pytest.fixture
def token_user(hub_token):
    """A client that sends the hub's token, with CSRF checks on: a token needs none."""
    return Client(enforce_csrf_checks=True, headers={"authorization": f"Bearer {hub_token[1]}"})
