import threading
import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.django import TestCase

from sambung.inventory.ledger import InsufficientStock, Slot, move_stock
from sambung.inventory.models import Position, StockLevel, StockMove
from sambung.inventory.stock import move_rights, receive_stock, release_stock, web_store
from sambung.tests import helpers


def level(sku, location, slot: Slot) -> int:
    row = StockLevel.objects.filter(
        sku=sku, piece=None, location=location, channel=slot.channel, position=slot.position
    ).first()
    return row.quantity if row else 0


def moves_total(sku, location, slot: Slot) -> int:
    moves = StockMove.objects.filter(sku=sku, location=location)
    into = moves.filter(target_position=slot.position, target_channel=slot.channel)
    out_of = moves.filter(source_position=slot.position, source_channel=slot.channel)
    return sum(into.values_list("quantity", flat=True)) - sum(out_of.values_list("quantity", flat=True))


def receive_for_sale(*, sku, location, quantity: int) -> None:
    """Receive units into quality control and release them to the web store, as a passed inspection does."""
    receive_stock(sku=sku, location=location, quantity=quantity)
    release_stock(sku=sku, location=location, quantity=quantity)


@pytest.fixture
def stock(cooperative):
    return helpers.make_product(cooperative).skus.get(), helpers.make_location(cooperative)


def test_a_sale_is_refused_when_stock_would_go_negative(stock):
    sku, location = stock
    web = web_store(location.cooperative)
    receive_for_sale(sku=sku, location=location, quantity=2)
    available, committed = Slot(Position.AVAILABLE, web), Slot(Position.COMMITTED, web)
    with pytest.raises(InsufficientStock) as refused:
        move_stock(sku=sku, location=location, quantity=3, source=available, target=committed, reason="sale")
    assert (refused.value.available, refused.value.requested) == (2, 3)
    assert level(sku, location, available) == 2 and level(sku, location, committed) == 0
    assert StockMove.objects.count() == 2  # the receipt and the release; the refused sale wrote none


def test_replaying_a_move_id_changes_nothing(stock):
    sku, location = stock
    target = Slot(Position.AVAILABLE, web_store(location.cooperative))
    move_id = uuid.uuid4()
    for _ in range(3):
        move_stock(
            sku=sku,
            location=location,
            quantity=4,
            source=None,
            target=target,
            reason="receipt",
            move_id=move_id,
        )
    assert level(sku, location, target) == 4 and StockMove.objects.count() == 1


def test_a_map_of_level_ids_gives_the_same_levels_and_learns_the_levels_it_creates(stock, cooperative):
    sku, location = stock
    quality_control, available = (
        Slot(Position.QUALITY_CONTROL),
        Slot(Position.AVAILABLE, web_store(cooperative)),
    )
    level_ids: dict = {}

    def move(quantity: int, source: Slot | None, target: Slot | None, reason: str) -> None:
        move_stock(
            sku=sku, location=location, quantity=quantity, source=source, target=target, reason=reason,
            level_ids=level_ids,
        )  # fmt: skip

    move(5, None, quality_control, "receipt")
    move(3, quality_control, available, "release")
    with pytest.raises(InsufficientStock) as refused:
        move(4, available, None, "sale")
    assert (refused.value.available, refused.value.requested) == (3, 4)
    assert level(sku, location, quality_control) == 2 and level(sku, location, available) == 3
    assert sorted(level_ids.values()) == sorted(
        StockLevel.objects.filter(sku=sku).values_list("pk", flat=True)
    )


def test_a_level_missing_from_the_map_is_found_not_created_twice(stock, cooperative):
    sku, location = stock
    available = Slot(Position.AVAILABLE, web_store(cooperative))
    receive_for_sale(
        sku=sku, location=location, quantity=2
    )  # another writer made the level, unknown to the map
    level_ids: dict = {}
    move_stock(
        sku=sku, location=location, quantity=1, source=None, target=available, reason="receipt",
        level_ids=level_ids,
    )  # fmt: skip
    assert level(sku, location, available) == 3
    assert StockLevel.objects.filter(sku=sku, position=Position.AVAILABLE).count() == 1
    assert list(level_ids.values()) == [StockLevel.objects.get(sku=sku, position=Position.AVAILABLE).pk]


def test_a_unit_sold_by_one_channel_cannot_be_sold_by_another(stock, cooperative):
    sku, location = stock
    web = web_store(cooperative)
    stall = helpers.make_channel(cooperative, name="Lapak pasar Nita")
    receive_for_sale(sku=sku, location=location, quantity=3)
    move_rights(sku=sku, location=location, quantity=2, source=web, target=stall)
    with pytest.raises(InsufficientStock):
        move_stock(
            sku=sku,
            location=location,
            quantity=2,
            source=Slot(Position.AVAILABLE, web),
            target=Slot(Position.COMMITTED, web),
            reason="sale",
        )
    assert level(sku, location, Slot(Position.AVAILABLE, web)) == 1
    assert level(sku, location, Slot(Position.AVAILABLE, stall)) == 2


def test_quality_control_belongs_to_no_channel(stock, cooperative):
    with pytest.raises(ValueError):
        Slot(Position.QUALITY_CONTROL, web_store(cooperative))
    with pytest.raises(ValueError):
        Slot(Position.AVAILABLE)


def test_the_database_refuses_a_negative_level_even_past_the_ledger(stock):
    sku, location = stock
    receive_for_sale(sku=sku, location=location, quantity=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        StockLevel.objects.filter(sku=sku).update(quantity=-1)


def test_a_piece_moves_one_unit_at_a_time(stock, cooperative):
    sku, location = stock
    piece = helpers.make_piece(sku.product, helpers.make_maker(cooperative))
    with pytest.raises(ValueError):
        receive_stock(sku=sku, location=location, quantity=2, piece=piece)


@pytest.mark.django_db(transaction=True)
def test_concurrent_sales_never_take_more_than_there_is():
    cooperative = helpers.make_cooperative()
    sku, location = helpers.make_product(cooperative).skus.get(), helpers.make_location(cooperative)
    web = web_store(cooperative)
    receive_for_sale(sku=sku, location=location, quantity=5)
    outcomes: list[str] = []
    barrier = threading.Barrier(20)

    def sell() -> None:
        try:
            barrier.wait()
            move_stock(
                sku=sku,
                location=location,
                quantity=1,
                source=Slot(Position.AVAILABLE, web),
                target=Slot(Position.COMMITTED, web),
                reason="sale",
            )
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
    assert level(sku, location, Slot(Position.AVAILABLE, web)) == 0
    assert level(sku, location, Slot(Position.COMMITTED, web)) == 5


POSITIONS = [Position.AVAILABLE, Position.RESERVED, Position.COMMITTED, None]


class LedgerProperties(TestCase):
    @given(
        st.lists(
            st.tuples(st.sampled_from(POSITIONS), st.sampled_from(POSITIONS), st.integers(1, 4)).filter(
                lambda move: move[0] != move[1]
            ),
            max_size=30,
        )
    )
    @settings(max_examples=40, deadline=None)
    def test_every_level_equals_the_sum_of_its_moves_and_is_never_negative(self, moves):
        cooperative = helpers.make_cooperative()
        sku, location = helpers.make_product(cooperative).skus.get(), helpers.make_location(cooperative)
        web = web_store(cooperative)
        slots = {p: Slot(p, web) for p in POSITIONS if p}
        expected = dict.fromkeys(slots, 0)
        for source, target, quantity in moves:
            try:
                move_stock(
                    sku=sku,
                    location=location,
                    quantity=quantity,
                    reason="adjustment",
                    source=slots.get(source),
                    target=slots.get(target),
                )
                if source:
                    expected[source] -= quantity
                if target:
                    expected[target] += quantity
            except InsufficientStock:
                assert source and expected[source] < quantity
            for position, slot in slots.items():
                assert (
                    level(sku, location, slot) == expected[position] == moves_total(sku, location, slot) >= 0
                )
