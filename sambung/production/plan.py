"""The weekly plan: per product, weekly demand from orders and the waitlist, a forecast, stock and work in
progress, and how many pieces to start now with which makers — within their free capacity. Accepting the plan
creates the pledges through pledges.pledge_work, in one transaction.
"""

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

import numpy as np
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from sambung.catalog.models import SKU, Cooperative, Maker, Product
from sambung.inventory.models import Position, StockLevel
from sambung.orders.models import CancelReason, OrderLine, OrderStatus
from sambung.production import forecast
from sambung.production.capacity import ProductionError
from sambung.production.models import WaitlistEntry, WorkOrder
from sambung.production.pledges import pledge_work
from sambung.production.promises import Planner
from sambung.production.schedule import BeyondHorizon

WEEKS_OF_HISTORY = 26
SERVICE_LEVEL = 0.9
PLAN_HORIZON_DAYS = 60  # recommend only work that can be finished within about two months
NOT_DEMAND = (CancelReason.BUYER, CancelReason.PAYMENT_EXPIRED)


def forecast_weekly_demand(series: np.ndarray) -> np.ndarray:
    """Return next week's expected demand per product from weekly history (products × weeks, oldest first).

    TSB (Teunter–Syntetos–Babai) suits slow, intermittent handmade demand: a design that stops selling fades
    towards zero instead of keeping its last level, as Croston's methods would.
    """
    return forecast.tsb(series)


def week_start(day: datetime.date) -> datetime.date:
    return day - datetime.timedelta(days=day.weekday())


@dataclass
class Assignment:
    maker_id: uuid.UUID
    maker_name: str
    quantity: int
    finish: datetime.date  # planned finish of her pledge

    def token(self, sku_id: uuid.UUID) -> str:
        return f"{sku_id}:{self.maker_id}:{self.quantity}:{self.finish.isoformat()}"


@dataclass
class PlanRow:
    product: Product
    sku: SKU | None
    history: list[int]
    forecast: float  # pieces per week
    available: int  # on sale in any channel
    in_quality: int  # received, waiting for inspection
    pipeline: int  # pieces of open work promised to no order
    waiting: int  # buyers on the waitlist
    lead_days: int | None  # days until a piece pledged now would ship
    target: int = 0
    start: int = 0
    assignments: list[Assignment] = field(default_factory=list)

    @property
    def history_total(self) -> int:
        return sum(self.history)

    @property
    def token(self) -> str:
        return ",".join(a.token(self.sku.pk) for a in self.assignments) if self.sku else ""

    @property
    def maker_names(self) -> list[str]:
        return [a.maker_name for a in self.assignments]


@dataclass
class WeeklyPlan:
    today: datetime.date
    weeks: list[datetime.date]
    rows: list[PlanRow]

    @property
    def token(self) -> str:
        return ",".join(row.token for row in self.rows if row.token)

    @property
    def pieces_to_start(self) -> int:
        return sum(row.start for row in self.rows)

    @property
    def rows_to_start(self) -> list[PlanRow]:
        return [row for row in self.rows if row.start]

    @property
    def rows_covered(self) -> list[PlanRow]:
        return [row for row in self.rows if not row.start]


def weekly_demand(
    cooperative: Cooperative, products: list[Product], weeks: list[datetime.date]
) -> np.ndarray:
    """Return pieces asked for per product and week: order lines (not buyer-cancelled) and waitlist entries."""
    index = {product.pk: row for row, product in enumerate(products)}
    demand = np.zeros((len(products), len(weeks)), dtype=np.float64)
    first, end = weeks[0], weeks[-1] + datetime.timedelta(days=7)
    column = {week: n for n, week in enumerate(weeks)}
    lines = (
        OrderLine.objects.filter(
            order__cooperative=cooperative,
            order__created_at__date__gte=first,
            order__created_at__date__lt=end,
        )
        .exclude(
            order__status=OrderStatus.CANCELLED,
            order__events__cancel_reason__in=NOT_DEMAND,
        )
        .values_list("sku__product_id", "order__created_at", "quantity")
    )
    for product_id, created_at, quantity in lines:
        week = week_start(timezone.localdate(created_at))
        if product_id in index and week in column:
            demand[index[product_id], column[week]] += quantity
    entries = WaitlistEntry.objects.filter(
        product__cooperative=cooperative, created_at__date__gte=first, created_at__date__lt=end
    ).values_list("product_id", "created_at")
    for product_id, created_at in entries:
        week = week_start(timezone.localdate(created_at))
        if product_id in index and week in column:
            demand[index[product_id], column[week]] += 1
    return demand


def weekly_plan(*, cooperative: Cooperative, today: datetime.date | None = None) -> WeeklyPlan:
    """Return the plan: products most at risk of running out first, each given the makers who finish soonest."""
    today = today or timezone.localdate()
    this_week = week_start(today)
    weeks = [this_week - datetime.timedelta(weeks=n) for n in range(WEEKS_OF_HISTORY, 0, -1)]
    products = list(
        Product.objects.filter(cooperative=cooperative, is_published=True)
        .select_related("category")
        .order_by("title_id")
    )
    demand = weekly_demand(cooperative, products, weeks)
    rates = forecast_weekly_demand(demand) if products else np.zeros(0)
    dispersion = forecast.demand_variance_to_mean(demand) if products else np.zeros(0)
    skus = {}
    for sku in SKU.objects.filter(product__in=products, is_active=True).order_by("price", "code"):
        skus.setdefault(sku.product_id, sku)
    stock = _stock_by_product(products)
    waiting = dict(
        WaitlistEntry.objects.filter(product__in=products, notified_at__isnull=True)
        .values("product_id")
        .annotate(n=Count("pk"))
        .values_list("product_id", "n")
    )
    planner = Planner(cooperative_ids=[cooperative.pk], today=today)
    pipeline: dict[uuid.UUID, int] = defaultdict(int)
    for sku_id, works in planner.open_work.items():
        for work in works:
            pipeline[sku_id] += work.free
    rows = []
    for n, product in enumerate(products):
        sku = skus.get(product.pk)
        lead = None
        if sku is not None:
            sku.product = product
            lead = _new_work_lead(planner, sku)
        rows.append(
            PlanRow(
                product=product,
                sku=sku,
                history=[int(x) for x in demand[n]],
                forecast=float(rates[n]),
                available=stock[product.pk][Position.AVAILABLE],
                in_quality=stock[product.pk][Position.QUALITY_CONTROL],
                pipeline=pipeline[sku.pk] if sku else 0,
                waiting=waiting.get(product.pk, 0),
                lead_days=lead,
            )
        )
        if lead is not None:
            lead_weeks = lead / 7 + 1  # lead time plus the week until the next plan
            target = forecast.lead_time_demand_quantile(
                [rates[n]],
                lead_periods=lead_weeks,
                service_level=SERVICE_LEVEL,
                variance_to_mean=[dispersion[n]],
            )[0]
            rows[-1].target = int(target) + rows[-1].waiting
    # Most uncovered demand first: it gets the makers who finish soonest.
    for row in sorted(
        rows, key=lambda r: (-(r.target - r.available - r.in_quality - r.pipeline), r.product.title_id)
    ):
        need = row.target - row.available - row.in_quality - row.pipeline
        if need > 0 and row.sku is not None:
            row.assignments = _assign(planner, row.sku, need, today)
            row.start = sum(a.quantity for a in row.assignments)
    return WeeklyPlan(today=today, weeks=weeks, rows=rows)


def _new_work_lead(planner: Planner, sku: SKU) -> int | None:
    """Days until a piece pledged now would ship (open work aside)."""
    best = None
    for plan in planner.makers_for(sku.product.cooperative_id, sku.product.category_id):
        try:
            dates = plan.plan(sku.product.category_id, 1, planner.today)
        except BeyondHorizon:
            continue
        ship = (
            dates[-1]
            + datetime.timedelta(days=planner.padding(plan.maker_id, sku.product.category_id))
            + datetime.timedelta(days=planner.pack_days.get(sku.product.cooperative_id, 0))
        )
        best = ship if best is None or ship < best else best
    return (best - planner.today).days if best else None


def _assign(planner: Planner, sku: SKU, need: int, today: datetime.date) -> list[Assignment]:
    """Give the pieces one at a time to the maker who would finish first, and book her days in the planner."""
    category_id = sku.product.category_id
    horizon = today + datetime.timedelta(days=PLAN_HORIZON_DAYS)
    makers = planner.makers_for(sku.product.cooperative_id, category_id)
    counts: dict[uuid.UUID, int] = defaultdict(int)
    finishes: dict[uuid.UUID, list[datetime.date]] = {}
    for _piece in range(need):
        best = None
        for plan in makers:
            try:
                dates = plan.plan(category_id, counts[plan.maker_id] + 1, today)
            except BeyondHorizon:
                continue
            if dates[-1] > horizon:
                continue
            key = (dates[-1], *planner.maker_order(plan.maker_id))
            if best is None or key < best[0]:
                best = (key, plan, dates)
        if best is None:
            break
        _key, plan, dates = best
        counts[plan.maker_id] += 1
        finishes[plan.maker_id] = dates
    assignments = []
    for plan in makers:
        if counts[plan.maker_id]:
            dates = finishes[plan.maker_id]
            assignments.append(Assignment(plan.maker_id, plan.name, counts[plan.maker_id], dates[-1]))
            plan.book(dates)  # the next product sees her days taken
    return sorted(assignments, key=lambda a: (a.finish, a.maker_name))


def _stock_by_product(products: list[Product]) -> dict[uuid.UUID, dict[str, int]]:
    stock: dict[uuid.UUID, dict[str, int]] = {
        p.pk: {Position.AVAILABLE: 0, Position.QUALITY_CONTROL: 0} for p in products
    }
    levels = (
        StockLevel.objects.filter(
            sku__product__in=products, position__in=[Position.AVAILABLE, Position.QUALITY_CONTROL]
        )
        .values("sku__product_id", "position")
        .annotate(total=Sum("quantity"))
    )
    for level in levels:
        stock[level["sku__product_id"]][level["position"]] += level["total"]
    return stock


@dataclass(frozen=True)
class PlannedPledge:
    sku: SKU
    maker: Maker
    quantity: int
    finish: datetime.date


def parse_plan(cooperative: Cooperative, token: str) -> list[PlannedPledge]:
    """Read the plan's hidden field (sku:maker:quantity:finish, …), refusing anything not of this cooperative."""
    pledges = []
    for part in filter(None, token.split(",")):
        try:
            sku_id, maker_id, quantity, finish = part.split(":")
            sku = SKU.objects.select_related("product__category").get(
                pk=uuid.UUID(sku_id), product__cooperative=cooperative
            )
            maker = Maker.objects.get(pk=uuid.UUID(maker_id), cooperative=cooperative)
            pledges.append(PlannedPledge(sku, maker, int(quantity), datetime.date.fromisoformat(finish)))
        except (ValueError, SKU.DoesNotExist, Maker.DoesNotExist):
            raise ProductionError(_("This plan could not be read; reload the plan page.")) from None
    if not pledges:
        raise ProductionError(_("There is nothing to start in this plan."))
    return pledges


def accept_plan(
    *, cooperative: Cooperative, token: str, user=None, today: datetime.date | None = None
) -> list[WorkOrder]:
    """Create the plan's pledges, each due by the finish the plan showed; all of them or none."""
    today = today or timezone.localdate()
    pledges = parse_plan(cooperative, token)
    with transaction.atomic():
        return [
            pledge_work(
                maker=p.maker,
                sku=p.sku,
                quantity=p.quantity,
                needed_by=max(p.finish, today),
                note=_("From the weekly plan"),
                user=user,
                today=today,
            )
            for p in pledges
        ]
