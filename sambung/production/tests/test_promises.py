import datetime

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from sambung.production.capacity import ProductionError, add_unavailability, set_capacity
from sambung.production.models import Allocation, WorkOrder, WorkOrderStatus
from sambung.production.pledges import (
    cancel_work_order,
    complete_work_order,
    pledge_for_order_line,
    pledge_work,
    record_past_work_order,
)
from sambung.production.promises import Kind, Planner, padding_days, promises_for_products
from sambung.production.schedule import Rate
from sambung.production.tests.conftest import TODAY, days, make_order_line
from sambung.storefront.queries import published_products
from sambung.tests import helpers


def promise(product, *, quantity=1, today=TODAY):
    planner = Planner(cooperative_ids=[product.cooperative_id], today=today)
    return planner.promise(product.skus.get(), quantity=quantity)


def test_padding_is_the_90th_percentile_of_past_delays_rounded_up_and_never_negative():
    assert padding_days([]) == 0
    assert padding_days([-3, -1]) == 0
    assert padding_days([4]) == 4
    assert padding_days([2, 5, 10]) == 9  # 5 + 0.8 × (10 − 5)
    assert padding_days([0, 0, 0, 0, 0, 0, 0, 0, 0, 1]) == 1  # 0.9 rounded up


def test_product_in_the_web_store_is_ready_to_ship(cooperative, shawl, hub, weaver):
    helpers.make_stock(shawl, hub, 2)
    product = published_products().get(pk=shawl.pk)
    assert product.available == 2
    assert promises_for_products([product], today=TODAY)[shawl.pk].kind == Kind.READY


def test_shawl_is_made_to_order_from_her_free_capacity_plus_days_to_pack(weaver, shawl):
    result = promise(shawl)
    assert result.kind == Kind.MADE_TO_ORDER
    assert result.ship_by == TODAY + days(
        13 + 2
    )  # 14 days of weaving, day 1 today; 2 days to pack at the hub


def test_sarong_from_scratch_cannot_ship_within_thirty_days_and_offers_the_waitlist(weaver, sarong):
    result = promise(sarong)
    assert result.kind == Kind.WAITLIST
    assert result.ship_by == TODAY + days(29 + 2)


def test_the_channel_limit_is_a_setting(weaver, sarong, settings):
    settings.PREORDER_MAX_DAYS = 45
    assert promise(sarong).kind == Kind.MADE_TO_ORDER


def test_sarong_on_the_loom_promised_to_nobody_ships_by_its_planned_finish(weaver, sarong):
    pledge_work(maker=weaver, sku=sarong.skus.get(), quantity=1, today=TODAY - days(15))
    result = promise(sarong)
    assert result.kind == Kind.MADE_TO_ORDER
    assert result.ship_by == TODAY + days(14 + 2)
    assert result.units[0].work_order_id is not None


def test_her_past_delays_set_the_day_her_work_is_ready_with_98_percent(weaver, shawl, hub):
    for delay in (2, 5, 10):
        piece = helpers.make_piece(shawl, weaver, location=hub)
        record_past_work_order(
            maker=weaver,
            pieces=[piece],
            starts_on=TODAY - days(100),
            due_on=TODAY - days(86),
            completed_on=TODAY - days(86 - delay),
        )
    # Her pieces are in stock, so ask for the planner's made-to-order date directly.
    result = Planner(cooperative_ids=[shawl.cooperative_id], today=TODAY).promise(
        shawl.skus.get(), available=0
    )
    assert result.units[0].padding_days == 9  # the p90 still ranks the makers
    # With three delays seen, 98 % of them are at most 10 days late: the promise waits for the longest.
    assert result.ship_by == TODAY + days(13 + 10 + 2)


def test_her_calendar_moves_the_promise(weaver, shawl):
    add_unavailability(maker=weaver, starts_on=TODAY, ends_on=TODAY + days(9), reason="musim tanam")
    assert promise(shawl).ship_by == TODAY + days(10 + 13 + 2)


def test_a_large_order_is_split_across_makers_by_capacity(weaver, second_weaver, sarong, settings):
    settings.PREORDER_MAX_DAYS = 60
    result = promise(sarong, quantity=2)
    assert {unit.maker_id for unit in result.units} == {weaver.pk, second_weaver.pk}
    assert result.ship_by == TODAY + days(31)
    alone = promise(sarong, quantity=3)
    assert alone.ship_by == TODAY + days(59 + 2)  # the third sarong waits for one of them to weave two


def test_two_shawls_from_one_maker_ship_together_after_both_are_woven(weaver, shawl):
    result = promise(shawl, quantity=2)
    assert [unit.ship_by for unit in result.units] == [TODAY + days(27 + 2)] * 2


def test_no_maker_with_capacity_means_waitlist(cooperative, hub):
    coffee = helpers.make_product(cooperative)
    assert promise(coffee).kind == Kind.WAITLIST
    assert promise(coffee).ship_by is None


def test_an_order_line_gets_the_open_work_and_the_next_buyer_waits_for_new_work(weaver, sarong, settings):
    settings.PREORDER_MAX_DAYS = 60
    loom = pledge_work(maker=weaver, sku=sarong.skus.get(), quantity=1, today=TODAY - days(15))
    first = promise(sarong)
    line = make_order_line(sarong, promised_ship_by=first.ship_by)
    assert pledge_for_order_line(order_line=line, today=TODAY) == []
    assert Allocation.objects.get(order_line=line).work_order == loom
    second = promise(sarong)
    assert second.units[0].work_order_id is None
    assert second.ship_by == TODAY + days(15 + 29 + 2)  # after the sarong on her loom


def test_backing_a_line_whose_promise_no_longer_holds_changes_nothing(weaver, shawl):
    line = make_order_line(shawl, promised_ship_by=TODAY + days(15))
    faster = make_order_line(shawl, promised_ship_by=TODAY + days(15))
    pledge_for_order_line(order_line=faster, today=TODAY)  # another buyer took her time a moment ago
    with pytest.raises(ProductionError, match="can no longer be made"):
        pledge_for_order_line(order_line=line, today=TODAY)
    assert WorkOrder.objects.get().order_line == faster
    assert not line.work_orders.exists() and not Allocation.objects.exists()


def test_work_promised_to_a_buyer_cannot_be_cancelled(weaver, shawl):
    line = make_order_line(shawl, promised_ship_by=TODAY + days(15))
    [work_order] = pledge_for_order_line(order_line=line, today=TODAY)
    with pytest.raises(ProductionError, match="promised to order"):
        cancel_work_order(work_order=work_order, today=TODAY)
    assert WorkOrder.objects.get(pk=work_order.pk).status == WorkOrderStatus.PLEDGED


def test_storefront_promises_load_in_a_few_queries(weaver, sarong, shawl, django_assert_max_num_queries):
    products = list(published_products())
    with django_assert_max_num_queries(14):
        result = promises_for_products(products, today=TODAY)
    assert result[shawl.pk].kind == Kind.MADE_TO_ORDER
    assert result[sarong.pk].kind == Kind.WAITLIST


# Properties: simulate pledges, made-to-order sales, cancellations, completions and the passing of days.

OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("pledge"), st.integers(0, 2), st.integers(0, 1), st.integers(1, 4)),
        st.tuples(st.just("order"), st.integers(0, 1), st.integers(1, 3)),
        st.tuples(st.just("cancel"), st.integers(0, 30)),
        st.tuples(st.just("complete"), st.integers(0, 30)),
        st.tuples(st.just("wait"), st.integers(1, 25)),
    ),
    min_size=1,
    max_size=14,
)


@pytest.fixture
def workshop(cooperative, hub, sarong_category, shawl_category, sarong, shawl):
    """Three makers with different capacities and calendars."""
    makers = []
    for name, sarongs, shawls, away in (
        ("Maria", (1, 30), (1, 14), (10, 24)),
        ("Yosefina", (2, 45), None, (30, 40)),
        ("Theresia", (1, 20), (3, 30), None),
    ):
        maker = helpers.make_maker(cooperative, name=name)
        set_capacity(maker=maker, category=sarong_category, pieces=sarongs[0], days=sarongs[1])
        if shawls:
            set_capacity(maker=maker, category=shawl_category, pieces=shawls[0], days=shawls[1])
        if away:
            add_unavailability(
                maker=maker, starts_on=TODAY + days(away[0]), ends_on=TODAY + days(away[1]), reason="x"
            )
        makers.append(maker)
    return {"makers": makers, "products": [sarong, shawl], "hub": hub}


def free_days(maker, start: datetime.date, end: datetime.date) -> int:
    away = list(maker.unavailabilities.values_list("starts_on", "ends_on"))
    count, day = 0, start
    while day <= end:
        count += not any(a <= day <= b for a, b in away)
        day += days(1)
    return count


def assert_within_capacity(maker) -> None:
    """Open work fits her capacity: disjoint, and in every stretch of days no more than her free days allow."""
    rates = {c.category_id: Rate(c.pieces, c.days) for c in maker.capacities.all()}
    work = list(
        WorkOrder.objects.filter(maker=maker, status__in=["pledged", "in_progress"]).select_related(
            "sku__product"
        )
    )
    work.sort(key=lambda w: w.starts_on)
    for earlier, later in zip(work, work[1:], strict=False):
        assert earlier.due_on < later.starts_on, (earlier.code, later.code)
    for w in work:
        rate = rates[w.sku.product.category_id]
        assert free_days(maker, w.starts_on, w.due_on) >= rate.work_days(w.quantity)
    for a in {w.starts_on for w in work}:
        for b in {w.due_on for w in work}:
            inside = [w for w in work if a <= w.starts_on and w.due_on <= b]
            need = sum(
                w.quantity * rates[w.sku.product.category_id].days / rates[w.sku.product.category_id].pieces
                for w in inside
            )
            assert need <= free_days(maker, a, b) if b >= a else not inside


def assert_promises_hold(lines: dict) -> None:
    """A line's ship-by date never moves, and the work behind it is always planned to be ready by then."""
    for line, promised in lines.items():
        line.refresh_from_db()
        assert line.promised_ship_by == promised
        backing = list(line.work_orders.all()) + [a.work_order for a in line.allocations.all()]
        assert (
            sum(w.quantity for w in line.work_orders.all()) + sum(a.quantity for a in line.allocations.all())
            == line.quantity
        )
        for w in backing:
            assert w.status != WorkOrderStatus.CANCELLED
            assert w.due_on + days(w.location.days_to_pack) <= promised


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=OPERATIONS)
def test_no_plan_or_promise_needs_more_than_a_makers_capacity_and_promises_never_move(
    workshop, operations, django_settings_for_properties
):
    makers, products = workshop["makers"], workshop["products"]
    with transaction.atomic():
        today, lines = TODAY, {}
        for operation in operations:
            kind = operation[0]
            if kind == "pledge":
                _kind, maker_index, product_index, quantity = operation
                maker, product = makers[maker_index], products[product_index]
                try:
                    pledge_work(maker=maker, sku=product.skus.get(), quantity=quantity, today=today)
                except ProductionError as error:
                    assert "no capacity recorded" in str(error)
            elif kind == "order":
                _kind, product_index, quantity = operation
                product = products[product_index]
                offer = promise(product, quantity=quantity, today=today)
                if offer.kind == Kind.MADE_TO_ORDER:
                    line = make_order_line(product, quantity=quantity, promised_ship_by=offer.ship_by)
                    pledge_for_order_line(order_line=line, today=today)  # what was promised can be pledged
                    lines[line] = offer.ship_by
                    event("sold made to order")
            elif kind in ("cancel", "complete"):
                open_work = list(
                    WorkOrder.objects.filter(status__in=["pledged", "in_progress"]).order_by("code")
                )
                if open_work:
                    work_order = open_work[operation[1] % len(open_work)]
                    if kind == "complete":
                        complete_work_order(work_order=work_order, completed_on=today, today=today)
                        event("completed")
                    elif work_order.order_line_id is None and not work_order.allocations.exists():
                        cancel_work_order(work_order=work_order, today=today)
                    else:
                        with pytest.raises(ProductionError):
                            cancel_work_order(work_order=work_order, today=today)
            else:
                today += days(operation[1])
            for maker in makers:
                assert_within_capacity(maker)
            assert_promises_hold(lines)
        transaction.set_rollback(True)


@pytest.fixture
def django_settings_for_properties(settings):
    """Long limits, so that made-to-order sales happen often in the simulation."""
    settings.PREORDER_MAX_DAYS = 120
