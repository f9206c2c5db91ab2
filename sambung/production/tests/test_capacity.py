import pytest
from django.db import IntegrityError, transaction

from sambung.production.capacity import (
    IKAT_STAGES,
    ProductionError,
    StageSpec,
    add_unavailability,
    set_capacity,
    set_stages,
    stages_for,
)
from sambung.production.models import Capacity, Stage, Unavailability
from sambung.production.schedule import Rate, busy_until, load_maker_plans
from sambung.production.tests.conftest import TODAY, days
from sambung.tests import helpers


def test_capacity_is_recorded_per_maker_and_product_type_and_replaced_not_duplicated(weaver, sarong_category):
    set_capacity(maker=weaver, category=sarong_category, pieces=2, days=30, rate_per_piece=800_000)
    capacity = Capacity.objects.get(maker=weaver, category=sarong_category)
    assert (capacity.pieces, capacity.days, capacity.rate_per_piece) == (2, 30, 800_000)
    assert Capacity.objects.filter(maker=weaver).count() == 2


@pytest.mark.parametrize(
    "pieces, days_, message",
    [
        (0, 30, "at least one piece"),
        (-1, 30, "at least one piece"),
        (101, 30, "more than 100 a month"),
        (4, 1, "more than 100 a month"),
        (1, 0, "from 1 to 366"),
        (1, 400, "from 1 to 366"),
    ],
)
def test_negative_or_absurd_capacity_is_refused_and_nothing_saved(
    weaver, sarong_category, pieces, days_, message
):
    with pytest.raises(ProductionError, match=message):
        set_capacity(maker=weaver, category=sarong_category, pieces=pieces, days=days_)
    capacity = Capacity.objects.get(maker=weaver, category=sarong_category)
    assert (capacity.pieces, capacity.days) == (1, 30)


def test_a_hundred_a_month_is_the_most_accepted(weaver, sarong_category):
    set_capacity(maker=weaver, category=sarong_category, pieces=100, days=30)
    assert Capacity.objects.get(maker=weaver, category=sarong_category).pieces == 100


def test_negative_rate_is_refused(weaver, sarong_category):
    with pytest.raises(ProductionError, match="rate per piece"):
        set_capacity(maker=weaver, category=sarong_category, pieces=1, rate_per_piece=-5)


def test_period_ending_before_it_starts_is_refused_and_nothing_saved(weaver):
    with pytest.raises(ProductionError, match="ends before it starts"):
        add_unavailability(maker=weaver, starts_on=TODAY, ends_on=TODAY - days(1), reason="panen")
    assert not Unavailability.objects.exists()


def test_period_needs_a_reason_and_at_most_a_year(weaver):
    with pytest.raises(ProductionError, match="Say why"):
        add_unavailability(maker=weaver, starts_on=TODAY, ends_on=TODAY, reason="  ")
    with pytest.raises(ProductionError, match="at most a year"):
        add_unavailability(maker=weaver, starts_on=TODAY, ends_on=TODAY + days(400), reason="merantau")
    assert not Unavailability.objects.exists()


def test_one_day_period_is_accepted(weaver):
    period = add_unavailability(maker=weaver, starts_on=TODAY, ends_on=TODAY, reason="upacara adat")
    assert period.reason == "upacara adat"


def test_rate_rounds_work_days_up():
    assert Rate(1, 30).work_days(1) == 30
    assert Rate(1, 14).work_days(2) == 28
    assert Rate(2, 30).work_days(3) == 45
    assert Rate(3, 30).work_days(1) == 10
    assert Rate(7, 30).work_days(1) == 5  # 4.3 days, rounded up


def test_maker_plan_skips_unavailable_days(weaver, sarong_category):
    add_unavailability(
        maker=weaver, starts_on=TODAY + days(10), ends_on=TODAY + days(19), reason="musim tanam"
    )
    plan = load_maker_plans(today=TODAY, maker_ids=[weaver.pk])[weaver.pk]
    dates = plan.plan(sarong_category.pk, 1, TODAY)
    assert len(dates) == 30
    assert dates[0] == TODAY
    assert dates[-1] == TODAY + days(39)  # 30 free days and 10 away
    assert all(not TODAY + days(10) <= d <= TODAY + days(19) for d in dates)


def test_past_periods_are_not_loaded(weaver):
    add_unavailability(maker=weaver, starts_on=TODAY - days(40), ends_on=TODAY - days(10), reason="panen")
    assert load_maker_plans(today=TODAY, maker_ids=[weaver.pk])[weaver.pk].unavailable == []


def test_overdue_work_keeps_a_maker_busy_today():
    assert busy_until([TODAY - days(3)], TODAY) == TODAY
    assert busy_until([TODAY - days(3), TODAY + days(20)], TODAY) == TODAY + days(20)
    assert busy_until([], TODAY) is None


def test_ikat_gets_five_stages_others_two_and_a_cooperative_may_set_its_own(
    cooperative, sarong_category, shawl_category
):
    assert [s.name_en for s in stages_for(cooperative, sarong_category)] == [s.name_en for s in IKAT_STAGES]
    assert [s.name_en for s in stages_for(cooperative, shawl_category)] == ["make", "finish"]
    own = [StageSpec("menenun", "weave", 80), StageSpec("menjahit", "sew", 20)]
    set_stages(cooperative=cooperative, category=shawl_category, stages=own)
    assert list(stages_for(cooperative, shawl_category)) == own
    other = helpers.make_cooperative()
    assert [s.name_en for s in stages_for(other, shawl_category)] == ["make", "finish"]


@pytest.mark.parametrize(
    "stages, message",
    [
        ([], "from 1 to 8"),
        ([StageSpec("a", "a", 50), StageSpec("b", "b", 40)], "add up to 100"),
        ([StageSpec("a", "a", 100), StageSpec("b", "b", 0)], "add up to 100"),
        ([StageSpec("", "a", 100)], "name in Indonesian and in English"),
    ],
)
def test_bad_stage_lists_are_refused_and_nothing_changes(cooperative, shawl_category, stages, message):
    set_stages(cooperative=cooperative, category=shawl_category, stages=[StageSpec("buat", "make", 100)])
    with pytest.raises(ProductionError, match=message):
        set_stages(cooperative=cooperative, category=shawl_category, stages=stages)
    assert list(Stage.objects.values_list("name_en", flat=True)) == ["make"]


def test_inactive_makers_are_not_planned(weaver):
    weaver.is_active = False
    weaver.save()
    assert load_maker_plans(today=TODAY, maker_ids=[weaver.pk]) == {}


def test_capacity_check_constraint_backs_up_the_writer(weaver, sarong_category):
    with pytest.raises(IntegrityError), transaction.atomic():
        Capacity.objects.filter(maker=weaver, category=sarong_category).update(pieces=200)
