"""Production pages with the real writers behind them: bad input gets a clear message and changes nothing."""

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from sambung.catalog.tests import maker_of
from sambung.production.capacity import set_capacity
from sambung.production.models import Capacity, Payout, Unavailability, WorkOrder, WorkOrderEvent
from sambung.production.pledges import complete_work_order, pledge_work

TODAY = timezone.localdate


def url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"production:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


@pytest.fixture
def setup(cooperative, hub, sarong, shawl, weaver):
    return {"slug": cooperative.slug, "sku": sarong.skus.get(), "shawl": shawl.skus.get(), "maker": weaver}


def test_manager_pledges_work_and_sees_its_planned_dates(manager, setup):
    response = manager.post(
        url("pledge_create", setup["slug"]),
        {"maker": setup["maker"].pk, "sku": setup["sku"].pk, "quantity": "1"},
        follow=True,
    )
    work_order = WorkOrder.objects.get()
    assert work_order.due_on == TODAY() + datetime.timedelta(days=29)
    page = text(response)
    assert f"Work order {work_order.code} pledged" in page
    assert "spin" in page and "weave" in page
    assert "Record the stage: spin" in page


def test_pledge_beyond_capacity_shows_why_and_saves_nothing(manager, setup):
    response = manager.post(
        url("pledge_create", setup["slug"]),
        {
            "maker": setup["maker"].pk,
            "sku": setup["sku"].pk,
            "quantity": "3",
            "needed_by": (TODAY() + datetime.timedelta(days=40)).isoformat(),
        },
    )
    assert response.status_code == 200
    assert "Beyond her capacity" in text(response) and "Nothing was saved" in text(response)
    assert not WorkOrder.objects.exists()


def test_pledge_form_offers_only_this_cooperatives_makers_and_products(manager, setup, other_cooperative):
    from sambung.tests.helpers import make_maker, make_product

    stranger = make_maker(other_cooperative, name="Orang Lain")
    foreign = make_product(other_cooperative)
    response = manager.post(
        url("pledge_create", setup["slug"]),
        {"maker": stranger.pk, "sku": foreign.skus.get().pk, "quantity": "1"},
    )
    assert "Select a valid choice" in text(response)
    assert not WorkOrder.objects.exists()


def test_stage_out_of_order_is_refused_with_a_message(operator, setup):
    work_order = pledge_work(maker=setup["maker"], sku=setup["sku"], quantity=1)
    response = operator.post(
        url("stage_record", setup["slug"], work_order.pk), {"stage": "2", "done_on": TODAY().isoformat()}
    )
    assert response.status_code == 400
    assert "Record the stage spin first" in text(response)
    assert not work_order.events.filter(kind=WorkOrderEvent.Kind.STAGE_DONE).exists()
    response = operator.post(
        url("stage_record", setup["slug"], work_order.pk), {"stage": "1", "done_on": TODAY().isoformat()}
    )
    assert response.status_code == 302
    assert work_order.events.filter(kind=WorkOrderEvent.Kind.STAGE_DONE).count() == 1


def test_completed_work_order_cannot_be_changed_from_the_office(operator, setup, hub):
    work_order = pledge_work(maker=setup["maker"], sku=setup["sku"], quantity=1)
    response = operator.post(
        url("work_order_complete", setup["slug"], work_order.pk),
        {"completed_on": TODAY().isoformat(), "location": hub.pk},
        follow=True,
    )
    assert "completed: 1 pieces received for inspection" in text(response)
    events = WorkOrderEvent.objects.count()
    for name, data in [
        ("stage_record", {"stage": "1", "done_on": TODAY().isoformat()}),
        ("work_order_complete", {"completed_on": TODAY().isoformat(), "location": hub.pk}),
        ("work_order_cancel", {"note": "buka lagi"}),
    ]:
        response = operator.post(url(name, setup["slug"], work_order.pk), data)
        assert "is completed; it cannot be changed any more" in text(response), name
    assert WorkOrderEvent.objects.count() == events
    assert WorkOrder.objects.get(pk=work_order.pk).status == "completed"


def test_absurd_capacity_and_backwards_periods_are_refused_and_nothing_saved(manager, setup, sarong_category):
    maker = setup["maker"]
    response = manager.post(
        url("capacity_set", setup["slug"], maker.pk),
        {"category": sarong_category.pk, "pieces": "150", "days": "30", "rate_per_piece": "0"},
    )
    assert response.status_code == 400
    assert "more than 100 a month" in text(response)
    response = manager.post(
        url("capacity_set", setup["slug"], maker.pk),
        {"category": sarong_category.pk, "pieces": "-2", "days": "30", "rate_per_piece": "0"},
    )
    assert "at least one piece" in text(response)
    assert Capacity.objects.get(maker=maker, category=sarong_category).pieces == 1
    response = manager.post(
        url("unavailability_add", setup["slug"], maker.pk),
        {"starts_on": "2027-02-10", "ends_on": "2027-02-01", "reason": "panen"},
    )
    assert response.status_code == 400
    assert "ends before it starts" in text(response)
    assert not Unavailability.objects.exists()


def test_capacity_and_periods_are_saved_and_shown(manager, setup, sarong_category):
    maker = setup["maker"]
    manager.post(
        url("capacity_set", setup["slug"], maker.pk),
        {"category": sarong_category.pk, "pieces": "2", "days": "45", "rate_per_piece": "800000"},
    )
    manager.post(
        url("unavailability_add", setup["slug"], maker.pk),
        {"starts_on": "2027-02-01", "ends_on": "2027-02-10", "reason": "upacara adat"},
    )
    page = text(manager.get(url("maker_production", setup["slug"], maker.pk)))
    assert "2 pieces in 45 days" in page and "upacara adat" in page


def test_maker_sees_her_capacity_and_ledger_without_forms(maker_user, cooperative, sarong_category):
    own = maker_of("penenun")
    set_capacity(maker=own, category=sarong_category, pieces=1, days=30)
    page = text(maker_user.get(url("maker_production", cooperative.slug, own.pk)))
    assert "1 piece in 30 days" in page and 'method="post"' not in page.split("<main>")[1]
    ledger = text(maker_user.get(url("ledger", cooperative.slug, own.pk)))
    assert "Still owed" in ledger and "Record a payout" not in ledger


def test_payout_larger_than_owed_is_refused_and_nothing_saved(manager, setup):
    work_order = pledge_work(maker=setup["maker"], sku=setup["shawl"], quantity=1)
    complete_work_order(work_order=work_order, completed_on=TODAY())
    response = manager.post(
        url("payout_create", setup["slug"], setup["maker"].pk),
        {"amount": "Rp 300.000", "paid_on": TODAY().isoformat()},
    )
    assert response.status_code == 400
    assert "is more than" in text(response) and "Rp 250.000" in text(response)
    assert not Payout.objects.exists()
    response = manager.post(
        url("payout_create", setup["slug"], setup["maker"].pk),
        {"amount": "250.000", "paid_on": TODAY().isoformat(), "note": "tunai"},
        follow=True,
    )
    assert Payout.objects.get().amount == 250_000
    assert "Payout recorded" in text(response)


def test_plan_page_recommends_and_one_post_pledges_it(manager, setup, sarong):
    from sambung.production.waitlist import join_waitlist

    for contact in ("0812 3456 7801", "0813 3912 4402"):
        join_waitlist(product=sarong, contact=contact)
    page = text(manager.get(url("plan", setup["slug"])))
    assert "2 buyers waiting" in page
    assert "Start 2 pieces now, with" in page or "Start 1 piece now, with" in page
    token = page.split('name="plan" value="')[1].split('"')[0]
    response = manager.post(url("plan_accept", setup["slug"]), {"plan": token})
    assert response.status_code == 302
    assert WorkOrder.objects.filter(sku=setup["sku"]).exists()
    assert "From the weekly plan" in WorkOrder.objects.first().note


def test_plan_accepted_twice_does_not_pledge_twice_beyond_the_dates_shown(manager, setup, sarong):
    from sambung.production.waitlist import join_waitlist

    join_waitlist(product=sarong, contact="0812 3456 7801")
    token = text(manager.get(url("plan", setup["slug"]))).split('name="plan" value="')[1].split('"')[0]
    manager.post(url("plan_accept", setup["slug"]), {"plan": token})
    count = WorkOrder.objects.count()
    response = manager.post(url("plan_accept", setup["slug"]), {"plan": token})
    assert response.status_code == 400
    assert "Beyond her capacity" in text(response) and "Nothing was pledged" in text(response)
    assert WorkOrder.objects.count() == count


def test_forged_plan_for_another_cooperative_is_refused(manager, setup, other_cooperative):
    from sambung.tests.helpers import make_maker, make_product

    foreign = make_product(other_cooperative).skus.get()
    stranger = make_maker(other_cooperative)
    token = f"{foreign.pk}:{stranger.pk}:1:2030-01-01"
    response = manager.post(url("plan_accept", setup["slug"]), {"plan": token})
    assert response.status_code == 400
    assert "could not be read" in text(response)
    assert not WorkOrder.objects.exists()


def test_continuity_page_shows_the_thresholds(viewer, setup):
    page = text(viewer.get(url("continuity", setup["slug"])))
    assert "under 2.5 %" in page and "under 4 %" in page


def test_manager_sets_the_stages_of_a_product_type_and_new_work_gets_them(manager, setup, shawl_category):
    page = text(manager.get(url("stages", setup["slug"], shawl_category.pk)))
    assert "membuat | make | 90" in page
    response = manager.post(
        url("stages", setup["slug"], shawl_category.pk), {"stages": "menenun | weave | 60"}
    )
    assert "add up to 100" in text(response)
    response = manager.post(url("stages", setup["slug"], shawl_category.pk), {"stages": "menenun weave 60"})
    assert "Write each stage as" in text(response)
    response = manager.post(
        url("stages", setup["slug"], shawl_category.pk),
        {"stages": "menenun | weave | 80\nmenjahit rumbai | sew the fringe | 20 %"},
    )
    assert response.status_code == 302
    work_order = pledge_work(maker=setup["maker"], sku=setup["shawl"], quantity=1)
    assert [s.name_en for s in work_order.stages.all()] == ["weave", "sew the fringe"]
