"""Fixtures for production tests: a hub, an ikat sarong and a shawl, weavers with capacities, a fixed today."""

import datetime

import pytest
from django.utils import translation

from sambung.catalog.models import Location
from sambung.production.capacity import set_capacity
from sambung.tests import helpers

# A Monday, so that weeks read easily in the tests.
TODAY = datetime.date(2027, 1, 4)


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


@pytest.fixture(autouse=True)
def _english():
    """Tests read the English msgids; the pages' own tests ask for /en/ addresses."""
    with translation.override("en"):
        yield


@pytest.fixture
def hub(cooperative) -> Location:
    return helpers.make_location(cooperative, kind=Location.Kind.HUB, name="Hub Desa Sikka", days_to_pack=2)


@pytest.fixture
def sarong_category(db):
    return helpers.make_category(slug="sarung-ikat-uji", name_id="Sarung ikat", name_en="Ikat sarong")


@pytest.fixture
def shawl_category(db):
    return helpers.make_category(slug="selendang-uji", name_id="Selendang", name_en="Shawl")


@pytest.fixture
def sarong(cooperative, sarong_category, hub):
    return helpers.make_product(cooperative, category=sarong_category, title_en="Mata Manuk sarong")


@pytest.fixture
def shawl(cooperative, shawl_category, hub):
    return helpers.make_product(cooperative, category=shawl_category, price=450_000, title_en="Jentu shawl")


@pytest.fixture
def weaver(cooperative, sarong_category, shawl_category):
    """One sarong in 30 days (paid Rp 900.000), one shawl in 14 days (Rp 250.000)."""
    maker = helpers.make_maker(cooperative, name="Maria Goreti Nona")
    set_capacity(maker=maker, category=sarong_category, pieces=1, days=30, rate_per_piece=900_000)
    set_capacity(maker=maker, category=shawl_category, pieces=1, days=14, rate_per_piece=250_000)
    return maker


@pytest.fixture
def second_weaver(cooperative, sarong_category):
    maker = helpers.make_maker(cooperative, name="Yosefina Dua")
    set_capacity(maker=maker, category=sarong_category, pieces=1, days=30, rate_per_piece=900_000)
    return maker


def make_order_line(product, *, quantity: int = 1, promised_ship_by: datetime.date, location=None):
    """An order line sold made to order, as checkout would write it (no stock held or committed)."""
    from django.utils import timezone

    from sambung.inventory.stock import web_store
    from sambung.orders.models import Checkout, Order, OrderLine

    cooperative = product.cooperative
    location = location or cooperative.locations.first()
    checkout = Checkout.objects.create(
        cooperative=cooperative, status=Checkout.Status.PLACED, expires_at=timezone.now()
    )
    sku = product.skus.get()
    order = Order.objects.create(
        code=f"SB-T{str(checkout.pk)[-6:].upper()}",
        cooperative=cooperative,
        checkout=checkout,
        buyer_name="Ani",
        buyer_phone="+6281234567890",
        address="Jl. Melati 5",
        village_code="53.07.04.2001",
        postal_code="86152",
        shipping_rate=helpers.make_shipping_rate(cooperative, courier=f"JNE {checkout.pk}"),
        shipping_weight_kg=1,
        subtotal=sku.price * quantity,
        shipping_cost=0,
        total=sku.price * quantity,
        payment_method="qris",
        amount_due=sku.price * quantity,
        promised_ship_by=promised_ship_by,
        pay_by=timezone.now(),
    )
    return OrderLine.objects.create(
        order=order,
        sku=sku,
        location=location,
        channel=web_store(cooperative),
        title=product.title,
        quantity=quantity,
        unit_price=sku.price,
        promised_ship_by=promised_ship_by,
    )
