import numpy as np
import pytest
from django.utils import timezone

from sambung.production.capacity import ProductionError
from sambung.production.models import WorkOrder
from sambung.production.plan import accept_plan, forecast_weekly_demand, weekly_plan
from sambung.production.pledges import pledge_work
from sambung.production.tests.conftest import days
from sambung.production.waitlist import join_waitlist
from sambung.tests import helpers

# Waitlist entries carry the real time they were made, so the plan is asked about the real today: entries of
# this week are waiting buyers, not yet a week of history.
TODAY = timezone.localdate()


def row_of(plan, product):
    return next(row for row in plan.rows if row.product == product)


def test_forecast_is_vectorised_across_products_and_fades_for_products_that_stopped():
    recent = [0] * 20 + [2, 0, 1, 0, 2, 1]
    stopped = [2, 0, 1, 0, 2, 1] + [0] * 20
    forecast = forecast_weekly_demand(np.array([recent, stopped, [0] * 26], dtype=float))
    assert forecast.shape == (3,)
    assert forecast[0] > forecast[1] > 0 == forecast[2]


def test_waiting_buyers_are_demand_and_the_plan_starts_pieces_within_capacity(cooperative, weaver, shawl):
    for contact in ("0812 3456 7801", "0813 3912 4402", "ani@example.com"):
        join_waitlist(product=shawl, contact=contact)
    plan = weekly_plan(cooperative=cooperative, today=TODAY)
    row = row_of(plan, shawl)
    assert row.waiting == 3
    assert row.history[-1] == 0  # entries made this week count from next week's history
    assert row.lead_days == 13 + 2
    assert row.start == 3 and row.maker_names == [weaver.name]
    assert row.assignments[0].finish == TODAY + days(41)  # three shawls at one per 14 days
    assert row.target == 3  # no history yet: the waiting buyers


def test_stock_and_work_in_progress_cover_demand(cooperative, weaver, shawl, hub):
    join_waitlist(product=shawl, contact="0812 3456 7801")
    pledge_work(maker=weaver, sku=shawl.skus.get(), quantity=1, today=TODAY)
    row = row_of(weekly_plan(cooperative=cooperative, today=TODAY), shawl)
    assert row.pipeline == 1 and row.start == 0


def test_two_products_sharing_a_maker_do_not_book_her_twice(cooperative, weaver, shawl, sarong):
    for contact in ("0812 3456 7801", "0813 3912 4402"):
        join_waitlist(product=shawl, contact=contact)
        join_waitlist(product=sarong, contact=contact)
    plan = weekly_plan(cooperative=cooperative, today=TODAY)
    assert (
        row_of(plan, shawl).start == 2 and row_of(plan, sarong).start == 1
    )  # 60 days: two shawls, one sarong
    finishes = sorted(a.finish for row in plan.rows for a in row.assignments)
    assert finishes == [TODAY + days(27), TODAY + days(27 + 30)]  # the sarong follows the shawls
    works = accept_plan(cooperative=cooperative, token=plan.token, today=TODAY)
    assert sorted(w.due_on for w in works) == finishes


def test_accepting_a_stale_plan_pledges_nothing(cooperative, weaver, shawl):
    join_waitlist(product=shawl, contact="0812 3456 7801")
    plan = weekly_plan(cooperative=cooperative, today=TODAY)
    pledge_work(maker=weaver, sku=shawl.skus.get(), quantity=1, today=TODAY)  # someone pledged meanwhile
    with pytest.raises(ProductionError, match="Beyond her capacity"):
        accept_plan(cooperative=cooperative, token=plan.token, today=TODAY)
    assert WorkOrder.objects.count() == 1


def test_products_without_capacity_get_no_recommendation(cooperative, hub):
    coffee = helpers.make_product(cooperative)
    join_waitlist(product=coffee, contact="0812 3456 7801")
    row = row_of(weekly_plan(cooperative=cooperative, today=TODAY), coffee)
    assert row.lead_days is None and row.start == 0
