import datetime

import pytest
from django.core import mail
from django.utils import timezone, translation
from lokal.qris import parse_qris

from sambung.demo.cooperative import DEMO_QRIS
from sambung.inventory.models import StockLevel
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import (
    Buyer,
    CheckoutError,
    HoldExpired,
    SoldOut,
    place_order,
    quote_shipping,
    release_expired_checkouts,
    start_checkout,
)
from sambung.orders.models import Checkout, Order, OrderEvent, PaymentMethod
from sambung.tests import helpers

BUYER = Buyer(
    name="Ani",
    phone="+6281234567890",
    email="ani@example.com",
    address="Jl. Melati 5",
    village_code="53.07.04.2001",
)


def quantities(sku) -> dict[str, int]:
    totals: dict[str, int] = {}
    for level in StockLevel.objects.filter(sku=sku):
        totals[level.position] = totals.get(level.position, 0) + level.quantity
    return {k: v for k, v in totals.items() if v}


@pytest.fixture
def shop(cooperative):
    cooperative.qris_static = DEMO_QRIS
    cooperative.save()
    location = helpers.make_location(cooperative, days_to_pack=3)
    coffee = helpers.make_product(
        cooperative, price=85_000, weight_g=270, length_cm=20, width_cm=12, height_cm=6
    )
    coffee.skus.update(is_unique=False)
    helpers.make_stock(coffee, location, 5)
    sarong = helpers.make_product(
        cooperative, price=2_750_000, weight_g=700, length_cm=40, width_cm=30, height_cm=5
    )
    piece = helpers.make_piece(sarong, helpers.make_maker(cooperative), location=location)
    rates = {
        "sikka": helpers.make_shipping_rate(cooperative, destination="53.07", first_kg=10_000, next_kg=8_000),
        "anywhere": helpers.make_shipping_rate(cooperative, destination="", first_kg=60_000, next_kg=45_000),
        "pos": helpers.make_shipping_rate(
            cooperative, courier="POS", destination="53", first_kg=24_000, next_kg=19_000
        ),
    }
    return dict(
        coop=cooperative, coffee=coffee.skus.get(), sarong=sarong.skus.get(), piece=piece, rates=rates
    )


def test_checkout_holds_the_units_and_the_order_commits_them(shop):
    coffee, sarong, piece = shop["coffee"], shop["sarong"], shop["piece"]
    checkout = start_checkout(
        cooperative=shop["coop"], lines=[PricedLine(coffee, None, 2), PricedLine(sarong, piece, 1)]
    )
    assert quantities(coffee) == {"available": 3, "reserved": 2}
    assert quantities(sarong) == {"reserved": 1}
    order = place_order(
        checkout=checkout,
        buyer=BUYER,
        shipping_rate=shop["rates"]["sikka"],
        payment_method=PaymentMethod.QRIS,
    )
    assert quantities(coffee) == {"available": 3, "committed": 2}
    assert quantities(sarong) == {"committed": 1}
    # 2 × 270 g of coffee + a 700 g sarong = 1.24 kg; volumetric 2×1440 + 6000 cm³ = 1.48 kg → 2 kg.
    assert (order.shipping_weight_kg, order.shipping_cost) == (2, 18_000)
    assert order.subtotal == 2 * 85_000 + 2_750_000 and order.total == order.subtotal + 18_000
    assert order.promised_ship_by == timezone.localdate() + datetime.timedelta(days=3)
    assert list(order.events.values_list("kind", flat=True)) == [OrderEvent.Kind.PLACED]


def test_qris_order_carries_a_dynamic_code_for_the_exact_amount_and_its_code(shop):
    checkout = start_checkout(cooperative=shop["coop"], lines=[PricedLine(shop["coffee"], None, 1)])
    order = place_order(
        checkout=checkout,
        buyer=BUYER,
        shipping_rate=shop["rates"]["sikka"],
        payment_method=PaymentMethod.QRIS,
    )
    info = parse_qris(order.qris_payload)
    assert info.valid and info.type == "dynamic"
    assert info.amount == str(order.total) == str(85_000 + 10_000)
    assert order.code in order.qris_payload and order.amount_due == order.total


def test_qris_is_refused_above_ten_million_and_bank_transfer_gets_a_unique_code(shop, cooperative):
    dear = helpers.make_product(cooperative, price=9_995_000, weight_g=500)
    piece = helpers.make_piece(
        dear, helpers.make_maker(cooperative), location=helpers.make_location(cooperative)
    )
    checkout = start_checkout(cooperative=cooperative, lines=[PricedLine(dear.skus.get(), piece, 1)])
    rate = shop["rates"]["sikka"]
    with pytest.raises(CheckoutError, match="10.000.000"):
        place_order(checkout=checkout, buyer=BUYER, shipping_rate=rate, payment_method=PaymentMethod.QRIS)
    assert Order.objects.count() == 0
    order = place_order(
        checkout=checkout, buyer=BUYER, shipping_rate=rate, payment_method=PaymentMethod.BANK_TRANSFER
    )
    assert 1 <= order.unique_code <= 999 and order.amount_due == order.total + order.unique_code


def test_submitting_the_same_checkout_twice_gives_one_order(shop):
    checkout = start_checkout(cooperative=shop["coop"], lines=[PricedLine(shop["coffee"], None, 1)])
    kwargs = dict(buyer=BUYER, shipping_rate=shop["rates"]["sikka"], payment_method=PaymentMethod.QRIS)
    first = place_order(checkout=checkout, **kwargs)
    again = place_order(checkout=Checkout.objects.get(pk=checkout.pk), **kwargs)
    assert first.pk == again.pk and Order.objects.count() == 1
    assert quantities(shop["coffee"]) == {"available": 4, "committed": 1}


def test_a_second_checkout_for_a_held_piece_is_told_it_is_sold_out(shop):
    line = PricedLine(shop["sarong"], shop["piece"], 1)
    start_checkout(cooperative=shop["coop"], lines=[line])
    with translation.override("en"), pytest.raises(SoldOut, match="Sold out"):
        start_checkout(cooperative=shop["coop"], lines=[line])
    assert Checkout.objects.count() == 1


def test_asking_for_more_than_there_is_holds_nothing(shop):
    with translation.override("en"), pytest.raises(SoldOut, match="Only 5"):
        start_checkout(
            cooperative=shop["coop"],
            lines=[PricedLine(shop["sarong"], shop["piece"], 1), PricedLine(shop["coffee"], None, 6)],
        )
    assert quantities(shop["coffee"]) == {"available": 5} and quantities(shop["sarong"]) == {"available": 1}
    assert Checkout.objects.count() == 0


def test_an_expired_hold_places_no_order_and_is_released_by_the_sweep(shop):
    checkout = start_checkout(cooperative=shop["coop"], lines=[PricedLine(shop["coffee"], None, 2)])
    later = timezone.now() + datetime.timedelta(minutes=16)
    with pytest.raises(HoldExpired):
        place_order(
            checkout=checkout,
            buyer=BUYER,
            shipping_rate=shop["rates"]["sikka"],
            payment_method=PaymentMethod.QRIS,
            now=later,
        )
    assert Order.objects.count() == 0 and quantities(shop["coffee"]) == {"available": 3, "reserved": 2}
    assert release_expired_checkouts(now=later) == 1
    assert quantities(shop["coffee"]) == {"available": 5}


def test_the_most_specific_zone_rate_wins_per_courier(shop):
    checkout = start_checkout(cooperative=shop["coop"], lines=[PricedLine(shop["coffee"], None, 1)])
    in_sikka = {
        rate.courier: price
        for rate, _, price in quote_shipping(checkout=checkout, village_code="53.07.04.2001")
    }
    in_java = {
        rate.courier: price
        for rate, _, price in quote_shipping(checkout=checkout, village_code="33.74.01.1001")
    }
    assert in_sikka == {"JNE REG": 10_000, "POS": 24_000}
    assert in_java == {"JNE REG": 60_000}


def test_a_courier_that_does_not_reach_the_village_is_refused(shop):
    checkout = start_checkout(cooperative=shop["coop"], lines=[PricedLine(shop["coffee"], None, 1)])
    java = Buyer(**{**BUYER.__dict__, "village_code": "33.74.01.1001"})
    with pytest.raises(CheckoutError):
        place_order(checkout=checkout, buyer=java, shipping_rate=shop["rates"]["pos"], payment_method="qris")
    assert Order.objects.count() == 0


def test_goods_of_two_cooperatives_cannot_share_a_checkout(shop, other_cooperative):
    other = helpers.make_product(other_cooperative)
    piece = helpers.make_piece(
        other, helpers.make_maker(other_cooperative), location=helpers.make_location(other_cooperative)
    )
    with pytest.raises(CheckoutError):
        start_checkout(
            cooperative=shop["coop"],
            lines=[PricedLine(shop["coffee"], None, 1), PricedLine(other.skus.get(), piece, 1)],
        )


def test_the_buyer_is_mailed_once_the_order_is_committed(shop, django_capture_on_commit_callbacks):
    checkout = start_checkout(cooperative=shop["coop"], lines=[PricedLine(shop["coffee"], None, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        order = place_order(
            checkout=checkout,
            buyer=BUYER,
            shipping_rate=shop["rates"]["sikka"],
            payment_method=PaymentMethod.QRIS,
        )
    assert len(mail.outbox) == 1 and order.code in mail.outbox[0].subject
    assert "Rp 95.000" in mail.outbox[0].body
