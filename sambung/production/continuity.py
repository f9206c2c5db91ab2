"""Continuity, week by week: orders shipped by their promised date, seller-fault cancellations and late dispatch,
against the marketplaces' thresholds (DESIGN.md §8); and an early warning when next week's promises need more
than the work planned in time for them.
"""

import datetime
import uuid
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Min, Q
from django.utils import timezone

from sambung.catalog.models import Cooperative
from sambung.orders.models import CancelReason, Order, OrderEvent, OrderLine, OrderStatus
from sambung.production.confidence import NO_HISTORY, Delays, Work, ready_by
from sambung.production.models import OPEN_STATUSES, WorkOrder
from sambung.production.plan import week_start
from sambung.production.promises import delay_history

SELLER_CANCEL_LIMIT = 0.025  # Tokopedia / TikTok Shop: seller-fault cancellations under 2.5 %
LATE_DISPATCH_LIMIT = 0.04  # and late dispatch under 4 %
WEEKS_SHOWN = 8
SELLER_FAULT = (CancelReason.SELLER_NO_STOCK, CancelReason.SELLER_LATE)


@dataclass
class Week:
    start: datetime.date
    placed: int = 0
    seller_cancelled: int = 0
    due: int = 0  # orders whose promised ship-by date fell in the week (not cancelled)
    shipped_on_time: int = 0
    late: int = 0  # shipped after the promise, or not shipped and past it
    open: int = 0  # due later this week, not shipped yet

    @property
    def end(self) -> datetime.date:
        return self.start + datetime.timedelta(days=6)

    @property
    def on_time_share(self) -> float | None:
        return self.shipped_on_time / self.due if self.due else None

    @property
    def late_share(self) -> float | None:
        return self.late / self.due if self.due else None

    @property
    def seller_cancel_share(self) -> float | None:
        return self.seller_cancelled / self.placed if self.placed else None

    @property
    def is_late_over_limit(self) -> bool:
        return self.late_share is not None and self.late_share >= LATE_DISPATCH_LIMIT

    @property
    def is_cancel_over_limit(self) -> bool:
        return self.seller_cancel_share is not None and self.seller_cancel_share >= SELLER_CANCEL_LIMIT


@dataclass
class AtRisk:
    order_code: str
    title: str
    quantity: int
    promised: datetime.date
    expected: datetime.date  # when its work is expected ready to ship
    work_orders: list[str] = field(default_factory=list)


@dataclass
class Warning:
    """Next week's promises that depend on work not yet finished, against the work planned in time for them."""

    start: datetime.date
    promised_from_work: int = 0
    on_track: int = 0
    at_risk: list[AtRisk] = field(default_factory=list)
    behind: list[WorkOrder] = field(default_factory=list)  # open work past a stage's expected date

    @property
    def exceeds_capacity(self) -> bool:
        return self.promised_from_work > self.on_track


@dataclass
class Continuity:
    weeks: list[Week]
    warning: Warning
    seller_cancel_limit: float = SELLER_CANCEL_LIMIT
    late_dispatch_limit: float = LATE_DISPATCH_LIMIT


def continuity(*, cooperative: Cooperative, today: datetime.date | None = None) -> Continuity:
    today = today or timezone.localdate()
    this_week = week_start(today)
    starts = [this_week - datetime.timedelta(weeks=n) for n in range(WEEKS_SHOWN - 1, -1, -1)]
    weeks = {start: Week(start) for start in starts}
    first = starts[0]
    orders = Order.objects.filter(cooperative=cooperative).filter(
        Q(created_at__date__gte=first) | Q(promised_ship_by__gte=first)
    )
    shipped = dict(
        OrderEvent.objects.filter(order__in=orders, kind=OrderEvent.Kind.SHIPPED)
        .values("order_id")
        .annotate(at=Min("created_at"))
        .values_list("order_id", "at")
    )
    cancel_reason = dict(
        OrderEvent.objects.filter(order__in=orders, kind=OrderEvent.Kind.CANCELLED).values_list(
            "order_id", "cancel_reason"
        )
    )
    for order in orders.only("pk", "created_at", "promised_ship_by", "status"):
        placed_week = weeks.get(week_start(timezone.localdate(order.created_at)))
        if placed_week is not None:
            placed_week.placed += 1
            if cancel_reason.get(order.pk) in SELLER_FAULT:
                placed_week.seller_cancelled += 1
        due_week = weeks.get(week_start(order.promised_ship_by))
        if due_week is None or order.status == OrderStatus.CANCELLED:
            continue
        due_week.due += 1
        shipped_at = shipped.get(order.pk)
        if shipped_at is not None:
            if timezone.localdate(shipped_at) <= order.promised_ship_by:
                due_week.shipped_on_time += 1
            else:
                due_week.late += 1
        elif order.promised_ship_by < today:
            due_week.late += 1
        else:
            due_week.open += 1
    return Continuity(
        weeks=[weeks[s] for s in starts], warning=early_warning(cooperative=cooperative, today=today)
    )


def early_warning(*, cooperative: Cooperative, today: datetime.date) -> Warning:
    """Check the lines promised to ship in the next seven days whose pieces are still being made."""
    end = today + datetime.timedelta(days=7)
    warning = Warning(start=today)
    delays = {key: Delays.of(values) for key, values in delay_history([cooperative.pk]).items()}
    lines = (
        OrderLine.objects.filter(
            order__cooperative=cooperative,
            promised_ship_by__gte=today,
            promised_ship_by__lt=end,
            order__status__in=[OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, OrderStatus.PACKING],
        )
        .filter(Q(work_orders__isnull=False) | Q(allocations__isnull=False))
        .distinct()
        .select_related("order")
    )
    for line in lines:
        work: dict[uuid.UUID, WorkOrder] = {
            w.pk: w for w in line.work_orders.select_related("location", "sku__product")
        }
        for allocation in line.allocations.select_related("work_order__location", "work_order__sku__product"):
            work[allocation.work_order_id] = allocation.work_order
        unfinished = [w for w in work.values() if w.status in OPEN_STATUSES]
        if not unfinished:
            continue
        warning.promised_from_work += line.quantity
        # The same rule as the promise: the day all its unfinished work ships with 98 % probability.
        expected = datetime.date.fromordinal(
            ready_by(
                [
                    Work(
                        planned=[w.due_on.toordinal()],
                        delays=delays.get((w.maker_id, w.sku.product.category_id), NO_HISTORY),
                        shift=w.location.days_to_pack,
                    )
                    for w in unfinished
                ],
                today=today.toordinal(),
            )
        )
        if expected <= line.promised_ship_by and not any(_is_behind(w, today) for w in unfinished):
            warning.on_track += line.quantity
        else:
            warning.at_risk.append(
                AtRisk(
                    line.order.code,
                    line.title,
                    line.quantity,
                    line.promised_ship_by,
                    expected,
                    [w.code for w in unfinished],
                )
            )
    warning.behind = [
        w
        for w in WorkOrder.objects.filter(
            cooperative=cooperative, status__in=OPEN_STATUSES, due_on__lt=end + datetime.timedelta(days=21)
        )
        .select_related("maker", "sku__product")
        .order_by("due_on")
        if _is_behind(w, today)
    ]
    return warning


def _is_behind(work_order: WorkOrder, today: datetime.date) -> bool:
    """Whether a stage expected done before today is not recorded (or the work is past its planned finish)."""
    done = set(work_order.events.filter(kind="stage_done").values_list("stage", flat=True))
    expected = defaultdict(lambda: None, work_order.stages.values_list("position", "expected_on"))
    return work_order.due_on < today or any(
        on is not None and on < today and position not in done for position, on in expected.items()
    )
