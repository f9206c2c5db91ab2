"""The demo cooperative's production: capacities and calendars, past work with its delays, work on the looms,
buyers on the waitlist and payouts — so that promises, the plan and the ledgers show something real.

Dates are relative to the day the demo is loaded. Loading twice duplicates nothing: capacities are set (not
added), periods and work orders are looked up by their demo note, past work skips pieces already recorded.
"""

import datetime
import random

from django.db import transaction
from django.utils import timezone

from sambung.catalog.models import Category, Cooperative, Maker, Piece, Product
from sambung.production.capacity import add_unavailability, set_capacity
from sambung.production.models import DeliveredPiece, Payout, Unavailability, WorkOrder
from sambung.production.payouts import record_payout
from sambung.production.pledges import pledge_work, record_past_work_order, record_stage
from sambung.production.queries import owed_and_paid
from sambung.production.waitlist import join_waitlist

SARONG_RATE, SHAWL_RATE = 750_000, 150_000
DEMO_NOTE = "demo"


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def load_production_demo(
    *,
    cooperative: Cooperative,
    makers: list[Maker],
    products: list[Product],
    today: datetime.date | None = None,
) -> int:
    """Load the demo's production; return how many work orders it has."""
    today = today or timezone.localdate()
    sarong = Category.objects.get(slug="sarung-ikat")
    shawl = Category.objects.get(slug="selendang-ikat")
    weavers = [m for m in makers if "menenun" in m.skills]
    with transaction.atomic():
        for maker in weavers:
            if "selendang" in maker.skills:
                set_capacity(maker=maker, category=shawl, pieces=2, days=30, rate_per_piece=SHAWL_RATE)
                set_capacity(maker=maker, category=sarong, pieces=1, days=45, rate_per_piece=SARONG_RATE)
            else:
                set_capacity(maker=maker, category=sarong, pieces=1, days=30, rate_per_piece=SARONG_RATE)
                if len(maker.name) % 2:
                    set_capacity(maker=maker, category=shawl, pieces=1, days=14, rate_per_piece=SHAWL_RATE)
        _calendar(weavers, today)
        _past_work(cooperative, today)
        _work_in_progress(weavers, products, sarong, shawl, today)
        _waitlist(products)
        _payouts(weavers, today)
    return WorkOrder.objects.filter(cooperative=cooperative).count()


def _calendar(weavers: list[Maker], today: datetime.date) -> None:
    for maker in weavers[2:5]:
        _away(maker, today + days(12), today + days(42), "musim tanam (demo)")
    _away(weavers[5], today + days(5), today + days(7), "upacara adat keluarga (demo)")


def _away(maker: Maker, starts_on: datetime.date, ends_on: datetime.date, reason: str) -> None:
    if not Unavailability.objects.filter(maker=maker, reason=reason).exists():
        add_unavailability(maker=maker, starts_on=starts_on, ends_on=ends_on, reason=reason)


def _past_work(cooperative: Cooperative, today: datetime.date) -> None:
    """Each demo piece was a pledge: planned from its start, finished a few days early or late."""
    pieces = (
        Piece.objects.filter(sku__product__cooperative=cooperative, started_on__isnull=False)
        .exclude(pk__in=DeliveredPiece.objects.values("piece_id"))
        .select_related("sku__product__category", "maker")
    )
    for piece in pieces:
        rng = random.Random(piece.code)
        is_sarong = piece.sku.product.category.slug == "sarung-ikat"
        delay = rng.choice([-4, -2, 0, 0, 1, 2, 3, 5, 6]) if is_sarong else rng.choice([-2, 0, 0, 1, 2, 3])
        due_on = max(piece.started_on, piece.finished_on - days(delay))
        record_past_work_order(
            maker=piece.maker,
            pieces=[piece],
            starts_on=piece.started_on,
            due_on=due_on,
            completed_on=piece.finished_on,
            rate_per_piece=SARONG_RATE if is_sarong else SHAWL_RATE,
        )


def _work_in_progress(weavers, products, sarong: Category, shawl: Category, today: datetime.date) -> None:
    """Sarongs of designs woven to order are on three looms; a shawl on another."""
    to_order = [
        p for p in products if p.category_id == sarong.pk and not p.skus.filter(pieces__isnull=False).exists()
    ]
    plans = [(to_order[0], weavers[0], 18), (to_order[1], weavers[6], 9), (to_order[2], weavers[8], 2)]
    shawls = [p for p in products if p.category_id == shawl.pk]
    selendang_weaver = next(m for m in weavers if "selendang" in m.skills)
    plans.append((shawls[1], selendang_weaver, 6))
    for product, maker, days_ago in plans:
        note = f"{DEMO_NOTE}: {product.slug}"
        if WorkOrder.objects.filter(note=note).exists():
            continue
        pledged_on = today - days(days_ago)
        work_order = pledge_work(maker=maker, sku=product.skus.get(), quantity=1, note=note, today=pledged_on)
        for stage in work_order.stages.filter(expected_on__lt=today):
            record_stage(work_order=work_order, stage=stage.position, done_on=stage.expected_on, today=today)


def _waitlist(products: list[Product]) -> None:
    """Buyers wait for handspun sarongs that no one can weave within 30 days now (merged when loaded again)."""
    handspun = [
        p for p in products if p.yarn == "handspun" and not p.skus.filter(pieces__isnull=False).exists()
    ]
    contacts = ["0812 3456 7801", "0813 3912 4402", "pembeli.demo@example.com"]
    for product, contact in [(handspun[0], c) for c in contacts] + [(handspun[1], contacts[0])]:
        join_waitlist(product=product, contact=contact)


def _payouts(weavers: list[Maker], today: datetime.date) -> None:
    for maker in weavers[:3]:
        if Payout.objects.filter(maker=maker).exists():
            continue
        owed, paid = owed_and_paid(maker)
        if owed - paid >= SARONG_RATE:
            record_payout(
                maker=maker, amount=SARONG_RATE, paid_on=today - days(7), note="tunai di hub (demo)"
            )
