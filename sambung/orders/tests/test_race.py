"""Fifty buyers at once for five units and for one piece, with real threads on the real database."""

import threading

import pytest
from django.db import connection

from sambung.orders.cart import PricedLine
from sambung.orders.checkout import SoldOut, place_order, start_checkout
from sambung.orders.models import Order
from sambung.orders.tests.test_checkout import BUYER, quantities
from sambung.tests import helpers

BUYERS = 50


def race(cooperative, line: PricedLine, rate) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(BUYERS)

    def buy() -> None:
        try:
            barrier.wait(timeout=30)
            checkout = start_checkout(cooperative=cooperative, lines=[line])
            place_order(checkout=checkout, buyer=BUYER, shipping_rate=rate, payment_method="bank_transfer")
            outcomes.append("ordered")
        except SoldOut:
            outcomes.append("sold out")
        except Exception as error:  # noqa: BLE001 — any other outcome is a failure, reported below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=buy) for _ in range(BUYERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_fifty_buyers_for_five_units_give_five_orders_and_forty_five_sold_out():
    cooperative = helpers.make_cooperative()
    product = helpers.make_product(cooperative, price=85_000)
    product.skus.update(is_unique=False)
    helpers.make_stock(product, helpers.make_location(cooperative), 5)
    sku = product.skus.get()
    outcomes = race(cooperative, PricedLine(sku, None, 1), helpers.make_shipping_rate(cooperative))
    assert outcomes.count("ordered") == 5, outcomes
    assert outcomes.count("sold out") == 45, outcomes
    assert Order.objects.count() == 5 and quantities(sku) == {"committed": 5}


@pytest.mark.django_db(transaction=True)
def test_fifty_buyers_for_one_piece_give_one_order():
    cooperative = helpers.make_cooperative()
    product = helpers.make_product(cooperative, price=2_750_000)
    piece = helpers.make_piece(
        product, helpers.make_maker(cooperative), location=helpers.make_location(cooperative)
    )
    sku = product.skus.get()
    outcomes = race(cooperative, PricedLine(sku, piece, 1), helpers.make_shipping_rate(cooperative))
    assert outcomes.count("ordered") == 1, outcomes
    assert outcomes.count("sold out") == 49, outcomes
    assert Order.objects.count() == 1 and quantities(sku) == {"committed": 1}
