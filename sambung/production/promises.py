"""Available to promise: what the storefront may honestly say about a product, and the ship-by date it may sell with.

- The web store has stock: "Ready to ship (N available)".
- Else "Made to order — ships by <date>": the units come from work in progress promised to no one yet, or from
  new pledges within the makers' free capacity (their calendars respected), each unit to whoever would finish it
  first. The date is the first day on which all of the order's work is ready with 98 % probability, each piece of
  work late by one of the delays observed for that maker and product type (actual − planned finish; none seen:
  on time), given it is not done yet — plus the days to pack (sambung.production.confidence, the rule
  bench/continuity.py shows keeps ≥ 98 % of promises; a p90 padding per piece kept 94.5 % and 96.3 %).
- Capacity held by open checkouts (a buyer paying for a made-to-order line) counts as taken.
- When that is further away than the channel allows (PREORDER_MAX_DAYS, 30 like Tokopedia's pre-order cap), the
  product says so and offers the waitlist.

Read-only: a Planner loads what it needs for some cooperatives in a few queries and answers in memory.
"""

import datetime
import enum
import math
import uuid
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import Count, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from sambung.catalog.models import SKU, Location, Maker, Product
from sambung.production.confidence import NO_HISTORY, Delays, Work, ready_by
from sambung.production.models import OPEN_STATUSES, WorkOrder, WorkOrderStatus
from sambung.production.schedule import ONE_DAY, BeyondHorizon, MakerPlan, load_maker_plans

DELAY_PERCENTILE = 90
ROTATION_DAYS = 90  # fair rotation: who has had the fewest pieces pledged lately


def preorder_max_days() -> int:
    return getattr(settings, "PREORDER_MAX_DAYS", 30)


class Kind(enum.StrEnum):
    READY = "ready"
    MADE_TO_ORDER = "made_to_order"
    WAITLIST = "waitlist"


@dataclass(frozen=True)
class Unit:
    """Where one promised unit comes from: open work (work_order_id) or a new pledge of the maker."""

    maker_id: uuid.UUID
    ready_on: datetime.date
    ship_by: datetime.date
    work_order_id: uuid.UUID | None = None
    planned_finish: datetime.date | None = None  # of the work the unit needs
    padding_days: int = 0
    planned_start: datetime.date | None = None  # of a new pledge: where the planner found room for it


@dataclass(frozen=True)
class Promise:
    kind: Kind
    available: int = 0
    ship_by: datetime.date | None = None  # when made to order; also set (beyond the limit) for the waitlist
    units: tuple[Unit, ...] = ()
    limit_days: int = 30

    @property
    def is_ready(self) -> bool:
        return self.kind == Kind.READY

    @property
    def is_made_to_order(self) -> bool:
        return self.kind == Kind.MADE_TO_ORDER

    @property
    def is_waitlist(self) -> bool:
        return self.kind == Kind.WAITLIST


def padding_days(delays: Iterable[int]) -> int:
    """Return the 90th percentile of past delays in whole days (rounded up), never negative; 0 without history."""
    values = np.asarray(list(delays), dtype=np.float64)
    if values.size == 0:
        return 0
    return max(0, math.ceil(float(np.percentile(values, DELAY_PERCENTILE)) - 1e-9))


def delay_history(cooperative_ids: Iterable[uuid.UUID]) -> dict[tuple[uuid.UUID, uuid.UUID], list[int]]:
    """Return the delays (actual − planned finish) per (maker, product type) of her finished work orders."""
    delays: dict[tuple[uuid.UUID, uuid.UUID], list[int]] = defaultdict(list)
    finished = WorkOrder.objects.filter(
        cooperative_id__in=list(cooperative_ids), status=WorkOrderStatus.COMPLETED
    ).values_list("maker_id", "sku__product__category_id", "due_on", "completed_on")
    for maker_id, category_id, due_on, completed_on in finished:
        delays[(maker_id, category_id)].append((completed_on - due_on).days)
    return delays


def observed_delays(cooperative_ids: Iterable[uuid.UUID]) -> dict[tuple[uuid.UUID, uuid.UUID], int]:
    """Return the padding (p90 of past delays) per (maker, product type) from her finished work orders."""
    return {key: padding_days(values) for key, values in delay_history(cooperative_ids).items()}


@dataclass
class OpenWork:
    work_order_id: uuid.UUID
    maker_id: uuid.UUID
    due_on: datetime.date
    free: int  # pieces promised to no order line yet
    days_to_pack: int


class Planner:
    """Promises for the products of some cooperatives, from one load of makers, work and history."""

    def __init__(
        self,
        *,
        cooperative_ids: Iterable[uuid.UUID],
        today: datetime.date | None = None,
        holds_before=None,
    ) -> None:
        """`holds_before`: a checkout; only capacity held by checkouts started before it counts as taken (a
        placed checkout keeps the place in line it had when its promise was made)."""
        self.today = today or timezone.localdate()
        self.cooperative_ids = list(set(cooperative_ids))
        self.plans: dict[uuid.UUID, MakerPlan] = load_maker_plans(
            today=self.today, cooperative_ids=self.cooperative_ids
        )
        self.maker_cooperative = dict(
            Maker.objects.filter(pk__in=self.plans).values_list("pk", "cooperative_id")
        )
        history = delay_history(self.cooperative_ids)
        self.delays = {key: padding_days(values) for key, values in history.items()}
        self.delay_records = {key: Delays.of(values) for key, values in history.items()}
        self.pack_days = {cooperative_id: 0 for cooperative_id in self.cooperative_ids}
        for cooperative_id in self.cooperative_ids:
            location = _receiving_location(cooperative_id)
            self.pack_days[cooperative_id] = location.days_to_pack if location else 0
        self.open_work: dict[uuid.UUID, list[OpenWork]] = defaultdict(list)
        open_orders = (
            WorkOrder.objects.filter(
                cooperative_id__in=self.cooperative_ids, status__in=OPEN_STATUSES, order_line__isnull=True
            )
            .annotate(allocated=Coalesce(Sum("allocations__quantity"), 0))
            .select_related("location")
            .order_by("due_on", "code")
        )
        for work in open_orders:
            if work.quantity > work.allocated:
                self.open_work[work.sku_id].append(
                    OpenWork(
                        work.pk,
                        work.maker_id,
                        work.due_on,
                        work.quantity - work.allocated,
                        work.location.days_to_pack,
                    )
                )
        since = self.today - datetime.timedelta(days=ROTATION_DAYS)
        self.recent_pieces = dict(
            WorkOrder.objects.filter(maker_id__in=self.plans, created_at__date__gte=since)
            .exclude(status=WorkOrderStatus.CANCELLED)
            .values("maker_id")
            .annotate(n=Coalesce(Sum("quantity"), 0))
            .values_list("maker_id", "n")
        )
        self.quality = quality_records(self.plans)
        self.book_open_checkouts(holds_before)

    def book_open_checkouts(self, before=None) -> None:
        """Count the capacity held by open checkouts of made-to-order lines as taken, oldest first."""
        from sambung.orders.models import Checkout, Hold

        holds = Hold.objects.all()
        if before is not None:
            holds = holds.filter(
                Q(checkout__created_at__lt=before.created_at)
                | Q(checkout__created_at=before.created_at, checkout_id__lt=before.pk)
            )
        holds = (
            holds.filter(
                made_to_order=True,
                checkout__cooperative_id__in=self.cooperative_ids,
                checkout__status=Checkout.Status.OPEN,
                checkout__expires_at__gt=timezone.now(),
            )
            .select_related("sku__product")
            .order_by("checkout__created_at", "checkout_id", "id")
        )
        for hold in holds:
            self.book(hold.sku, self.units(hold.sku, hold.quantity))

    def book(self, sku: SKU, units: list[Unit]) -> None:
        """Take these units out of what the planner can still promise (for a held or a second line)."""
        category_id = sku.product.category_id
        per_work: dict[uuid.UUID, int] = defaultdict(int)
        per_maker: dict[uuid.UUID, int] = defaultdict(int)
        for unit in units:
            if unit.work_order_id is not None:
                per_work[unit.work_order_id] += 1
            else:
                per_maker[unit.maker_id] += 1
        for work in self.open_work.get(sku.pk, []):
            work.free -= min(work.free, per_work.get(work.work_order_id, 0))
        for maker_id, quantity in per_maker.items():
            plan = self.plans[maker_id]
            plan.book(plan.plan(category_id, quantity, self.today))

    def delay_record(self, maker_id: uuid.UUID, category_id: uuid.UUID) -> Delays:
        return self.delay_records.get((maker_id, category_id), NO_HISTORY)

    def ship_by(self, sku: SKU, units: list[Unit]) -> datetime.date:
        """Return the day all the units' work ships with 98 % probability (sambung.production.confidence)."""
        category_id = sku.product.category_id
        groups: dict[object, Unit] = {}
        for unit in units:  # a work order's pieces are delivered together: one delay for all of them
            groups[unit.work_order_id or ("new", unit.maker_id)] = unit
        work = [
            Work(
                planned=[unit.planned_finish.toordinal()],
                delays=self.delay_record(unit.maker_id, category_id),
                shift=(unit.ship_by - unit.ready_on).days,
            )
            for unit in groups.values()
        ]
        return datetime.date.fromordinal(ready_by(work, today=self.today.toordinal()))

    def padding(self, maker_id: uuid.UUID, category_id: uuid.UUID) -> int:
        return self.delays.get((maker_id, category_id), 0)

    def makers_for(self, cooperative_id: uuid.UUID, category_id: uuid.UUID) -> list[MakerPlan]:
        return [
            plan
            for maker_id, plan in self.plans.items()
            if self.maker_cooperative.get(maker_id) == cooperative_id and plan.can_make(category_id)
        ]

    def maker_order(self, maker_id: uuid.UUID) -> tuple:
        """Tie-break between makers who finish on the same day: quality record, then fair rotation."""
        return (-self.quality.get(maker_id, 0.0), self.recent_pieces.get(maker_id, 0), str(maker_id))

    def units(self, sku: SKU, quantity: int) -> list[Unit]:
        """Return the earliest `quantity` units (fewer if capacity runs out), each with its own ship-by date.

        Open work first where it is earlier; then new pledges, one piece at a time to the maker whose
        pledge would then finish first — this splits a large order across makers by capacity.
        """
        product = sku.product
        cooperative_id, category_id = product.cooperative_id, product.category_id
        candidates: list[Unit] = []
        for work in self.open_work.get(sku.pk, []):
            padding = self.padding(work.maker_id, category_id)
            ready = max(work.due_on + datetime.timedelta(days=padding), self.today + ONE_DAY)
            for _n in range(min(work.free, quantity)):
                candidates.append(
                    Unit(
                        maker_id=work.maker_id,
                        ready_on=ready,
                        ship_by=ready + datetime.timedelta(days=work.days_to_pack),
                        work_order_id=work.work_order_id,
                        planned_finish=work.due_on,
                        padding_days=padding,
                    )
                )
        candidates.sort(key=lambda unit: unit.ship_by)
        makers = self.makers_for(cooperative_id, category_id)
        pledged: dict[uuid.UUID, int] = defaultdict(int)
        chosen: list[Unit] = []
        pack = self.pack_days.get(cooperative_id, 0)
        while len(chosen) < quantity:
            best: Unit | None = None
            best_key = None
            for plan in makers:
                try:
                    dates = plan.plan(category_id, pledged[plan.maker_id] + 1, self.today)
                except BeyondHorizon:
                    continue
                padding = self.padding(plan.maker_id, category_id)
                ready = dates[-1] + datetime.timedelta(days=padding)
                unit = Unit(
                    maker_id=plan.maker_id,
                    ready_on=ready,
                    ship_by=ready + datetime.timedelta(days=pack),
                    planned_finish=dates[-1],
                    padding_days=padding,
                    planned_start=dates[0],
                )
                key = (unit.ship_by, *self.maker_order(plan.maker_id))
                if best_key is None or key < best_key:
                    best, best_key = unit, key
            if candidates and (best is None or candidates[0].ship_by <= best.ship_by):
                chosen.append(candidates.pop(0))
            elif best is not None:
                pledged[best.maker_id] += 1
                chosen.append(best)
            else:
                break
        # A maker's pledge of k pieces delivers them together: every unit of hers waits for the last.
        last_of: dict[uuid.UUID, Unit] = {}
        for unit in chosen:
            if unit.work_order_id is None:
                last_of[unit.maker_id] = unit
        return [last_of[unit.maker_id] if unit.work_order_id is None else unit for unit in chosen]

    def promise(self, sku: SKU, *, quantity: int = 1, available: int = 0) -> Promise:
        """Return what may be promised for `quantity` units of the SKU when the web store has `available`."""
        limit = preorder_max_days()
        if available >= quantity:
            return Promise(kind=Kind.READY, available=available, limit_days=limit)
        units = self.units(sku, quantity)
        if len(units) < quantity:
            return Promise(kind=Kind.WAITLIST, available=available, units=tuple(units), limit_days=limit)
        ship_by = self.ship_by(sku, units)
        kind = Kind.MADE_TO_ORDER if (ship_by - self.today).days <= limit else Kind.WAITLIST
        return Promise(kind=kind, available=available, ship_by=ship_by, units=tuple(units), limit_days=limit)

    def product_promise(self, product: Product, skus: Iterable[SKU], available: int) -> Promise:
        """Return the product's promise: ready when in stock, else its earliest SKU's made-to-order date."""
        if available > 0:
            return Promise(kind=Kind.READY, available=available)
        best: Promise | None = None
        for sku in skus:
            sku.product = product
            promise = self.promise(sku)
            if promise.ship_by is not None and (
                best is None or best.ship_by is None or promise.ship_by < best.ship_by
            ):
                best = promise
        return best or Promise(kind=Kind.WAITLIST, limit_days=preorder_max_days())


def _receiving_location(cooperative_id: uuid.UUID) -> Location | None:
    locations = Location.objects.filter(cooperative_id=cooperative_id).exclude(kind=Location.Kind.TRANSIT)
    return (
        locations.filter(kind=Location.Kind.HUB).order_by("name").first()
        or locations.order_by("name").first()
    )


def quality_records(maker_ids: Iterable[uuid.UUID]) -> dict[uuid.UUID, float]:
    """Return each maker's share of delivered pieces not rejected; empty until inspections are recorded."""
    from sambung.production.queries import rejected_piece_ids

    maker_ids = list(maker_ids)
    rejected = rejected_piece_ids(maker_ids)
    if rejected is None:
        return {}
    delivered = (
        WorkOrder.objects.filter(maker_id__in=maker_ids)
        .values("maker_id")
        .annotate(n=Count("delivered"), bad=Count("delivered", filter=Q(delivered__piece_id__in=rejected)))
    )
    return {row["maker_id"]: 1 - row["bad"] / row["n"] for row in delivered if row["n"]}


def promises_for_products(products: Iterable[Product], *, today: datetime.date | None = None) -> dict:
    """Return {product id: Promise} for products annotated with `available` (storefront queries)."""
    products = list(products)
    if not products:
        return {}
    waiting = [p for p in products if not p.available]
    result = {p.pk: Promise(kind=Kind.READY, available=p.available) for p in products if p.available}
    if not waiting:
        return result
    planner = Planner(cooperative_ids={p.cooperative_id for p in waiting}, today=today)
    skus: dict[uuid.UUID, list[SKU]] = defaultdict(list)
    for sku in SKU.objects.filter(product__in=waiting, is_active=True).order_by("price", "code"):
        skus[sku.product_id].append(sku)
    for product in waiting:
        result[product.pk] = planner.product_promise(product, skus[product.pk], 0)
    return result


def attach_promises(products: Iterable[Product], *, today: datetime.date | None = None) -> list[Product]:
    """Return the products as a list, each with `.promise` set (storefront lists and pages)."""
    products = list(products)
    promises = promises_for_products(products, today=today)
    for product in products:
        product.promise = promises[product.pk]
    return products
