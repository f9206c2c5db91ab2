import threading
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from sambung.inventory import ledger
from sambung.inventory.ledger import InsufficientStock
from sambung.inventory.models import StockLevel, StockMove
from sambung.tests import helpers


def level(sku, location) -> int:
    row = StockLevel.objects.filter(sku=sku, location=location).first()
    return row.on_hand if row else 0


def moves_total(sku, location) -> int:
    return sum(StockMove.objects.filter(sku=sku, location=location).values_list("quantity", flat=True))


@pytest.fixture
def stock(cooperative):
    product = helpers.make_product(cooperative)
    return product.skus.get(), helpers.make_location(cooperative)


def test_a_sale_is_refused_when_stock_would_go_negative(stock):
    sku, location = stock
    ledger.record_move(sku=sku, location=location, quantity=2, reason=StockMove.Reason.RECEIPT)
    with pytest.raises(InsufficientStock) as refused:
        ledger.record_move(sku=sku, location=location, quantity=-3, reason=StockMove.Reason.SALE)
    assert (refused.value.available, refused.value.requested) == (2, 3)
    assert level(sku, location) == 2 and StockMove.objects.count() == 1


def test_replaying_a_move_id_changes_nothing(stock):
    sku, location = stock
    move_id = uuid.uuid4()
    for _ in range(3):
        ledger.record_move(
            sku=sku, location=location, quantity=4, reason=StockMove.Reason.RECEIPT, move_id=move_id
        )
    assert level(sku, location) == 4 and StockMove.objects.count() == 1


def test_the_database_refuses_a_negative_level_even_past_the_ledger(stock):
    sku, location = stock
    ledger.record_move(sku=sku, location=location, quantity=1, reason=StockMove.Reason.RECEIPT)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(sku=sku, location=location).update(on_hand=-1)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sales_never_take_more_than_there_is():
    cooperative = helpers.make_cooperative()
    sku, location = helpers.make_product(cooperative).skus.get(), helpers.make_location(cooperative)
    ledger.record_move(sku=sku, location=location, quantity=5, reason=StockMove.Reason.RECEIPT)
    outcomes: list[str] = []
    barrier = threading.Barrier(20)

    def sell() -> None:
        try:
            barrier.wait()
            ledger.record_move(sku=sku, location=location, quantity=-1, reason=StockMove.Reason.SALE)
            outcomes.append("sold")
        except InsufficientStock:
            outcomes.append("sold out")
        finally:
            connection.close()

    threads = [threading.Thread(target=sell) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert outcomes.count("sold") == 5 and outcomes.count("sold out") == 15
    assert level(sku, location) == 0 == moves_total(sku, location)


class LedgerProperties(TestCase):
    @given(st.lists(st.integers(min_value=-5, max_value=5).filter(bool), max_size=30))
    @settings(max_examples=40, deadline=None)
    def test_level_equals_the_sum_of_moves_and_is_never_negative(self, quantities):
        cooperative = helpers.make_cooperative()
        sku, location = helpers.make_product(cooperative).skus.get(), helpers.make_location(cooperative)
        expected = 0
        for quantity in quantities:
            try:
                ledger.record_move(
                    sku=sku, location=location, quantity=quantity, reason=StockMove.Reason.ADJUSTMENT
                )
                expected += quantity
            except InsufficientStock:
                assert expected + quantity < 0
            assert level(sku, location) == expected == moves_total(sku, location) >= 0
