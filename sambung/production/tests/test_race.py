"""Pledges and payouts at once, with real threads on the real database: capacity and what is owed still hold."""

import datetime
import threading

import pytest
from django.db import connection
from django.utils import timezone

from sambung.catalog.models import Location
from sambung.production.capacity import ProductionError, set_capacity
from sambung.production.models import Payout, WorkOrder
from sambung.production.payouts import record_payout
from sambung.production.pledges import complete_work_order, pledge_work
from sambung.tests import helpers

THREADS = 8


def at_once(work) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(THREADS)

    def run() -> None:
        try:
            barrier.wait(timeout=30)
            work()
            outcomes.append("done")
        except ProductionError:
            outcomes.append("refused")
        except Exception as error:  # noqa: BLE001 — any other outcome is a failure, reported below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=run) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def shawl_weaver():
    cooperative = helpers.make_cooperative()
    helpers.make_location(cooperative, kind=Location.Kind.HUB)
    category = helpers.make_category(slug=f"selendang-{cooperative.slug}")
    product = helpers.make_product(cooperative, category=category, price=450_000)
    maker = helpers.make_maker(cooperative)
    set_capacity(maker=maker, category=category, pieces=1, days=14, rate_per_piece=250_000)
    return maker, product.skus.get()


@pytest.mark.django_db(transaction=True)
def test_eight_pledges_at_once_for_four_shawls_of_room_book_four_without_overlap():
    maker, sku = shawl_weaver()
    today = timezone.localdate()
    needed_by = today + datetime.timedelta(days=4 * 14 - 1)
    outcomes = at_once(lambda: pledge_work(maker=maker, sku=sku, quantity=1, needed_by=needed_by))
    assert outcomes.count("done") == 4 and outcomes.count("refused") == 4, outcomes
    work = list(WorkOrder.objects.order_by("starts_on"))
    assert [w.starts_on for w in work] == [today + datetime.timedelta(days=14 * n) for n in range(4)]
    for earlier, later in zip(work, work[1:], strict=False):
        assert earlier.due_on < later.starts_on


@pytest.mark.django_db(transaction=True)
def test_eight_payouts_at_once_of_what_is_owed_pay_it_once():
    maker, sku = shawl_weaver()
    work_order = pledge_work(maker=maker, sku=sku, quantity=1)
    complete_work_order(work_order=work_order, completed_on=timezone.localdate())
    outcomes = at_once(lambda: record_payout(maker=maker, amount=250_000, paid_on=timezone.localdate()))
    assert outcomes.count("done") == 1 and outcomes.count("refused") == 7, outcomes
    assert Payout.objects.get().amount == 250_000
