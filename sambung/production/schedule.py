"""When a maker can do new work: her capacity per product type, the days her calendar leaves free, and the work
she has already pledged. Read-only; pledges.py books the days, promises.py and plan.py ask what-if questions.

A maker's time is one resource. Her work orders never overlap: a new one takes ⌈quantity × days ÷ pieces⌉ free
days (one sarong in 30 days: 30 free days; two selendang in 30 days: 15 each) in the first stretch of her time
that no open work occupies — usually after the planned finish of her open work, or in a gap that a cancelled
pledge, or a buyer's pledge placed out of turn (production.promises), left free. Days in an unavailable period do
not count. So in any stretch of time, the work planned for her never needs more than her capacity over the free
days in it.
"""

import datetime
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from sambung.catalog.models import Maker
from sambung.production.models import OPEN_STATUSES, Capacity, Unavailability, WorkOrder

HORIZON_DAYS = 2 * 366  # no plan reaches further than two years from its start
ONE_DAY = datetime.timedelta(days=1)


class BeyondHorizon(ValueError):
    """Her calendar leaves too few free days within two years for this work."""


@dataclass(frozen=True)
class Rate:
    pieces: int
    days: int

    def work_days(self, quantity: int) -> int:
        """Return the free days `quantity` pieces take, rounded up to whole days."""
        return -(-quantity * self.days // self.pieces)


@dataclass
class MakerPlan:
    """A maker as the planner sees her."""

    maker_id: uuid.UUID
    name: str
    rates: dict[uuid.UUID, Rate] = field(default_factory=dict)  # category id → rate
    rates_paid: dict[uuid.UUID, int] = field(default_factory=dict)  # category id → Rp per piece
    unavailable: list[tuple[datetime.date, datetime.date]] = field(default_factory=list)
    busy_until: datetime.date | None = None  # last planned day of her open work
    busy: list[tuple[datetime.date, datetime.date]] = field(
        default_factory=list
    )  # her open work, both ends in

    def is_free(self, day: datetime.date) -> bool:
        return not any(start <= day <= end for start, end in self.unavailable)

    def is_busy(self, first: datetime.date, last: datetime.date) -> bool:
        return any(start <= last and first <= end for start, end in self.busy)

    def first_start(self, today: datetime.date, not_before: datetime.date | None = None) -> datetime.date:
        """Return the first day new work could begin: not before today (or `not_before`), nor on her work."""
        start = max(today, not_before or today)
        while self.is_busy(start, start):
            start = max(end for first, end in self.busy if first <= start <= end) + ONE_DAY
        return start

    def work_dates(self, start: datetime.date, work_days: int) -> list[datetime.date]:
        """Return the first `work_days` free days from `start` on."""
        dates: list[datetime.date] = []
        day, last = start, start + datetime.timedelta(days=HORIZON_DAYS)
        while len(dates) < work_days:
            if day > last:
                raise BeyondHorizon(f"{self.name}: {work_days} free days not found before {last}")
            if self.is_free(day):
                dates.append(day)
            day += ONE_DAY
        return dates

    def can_make(self, category_id: uuid.UUID) -> bool:
        return category_id in self.rates

    def plan(
        self,
        category_id: uuid.UUID,
        quantity: int,
        today: datetime.date,
        not_before: datetime.date | None = None,
    ) -> list[datetime.date]:
        """Return the free days `quantity` pieces would take if pledged now (nothing is booked): the first
        stretch, from today (or `not_before`) on, that none of her open work occupies."""
        work_days = self.rates[category_id].work_days(quantity)
        start = self.first_start(today, not_before)
        candidates = sorted({start} | {end + ONE_DAY for _first, end in self.busy if end >= start})
        for candidate in candidates:
            if self.is_busy(candidate, candidate):
                continue
            dates = self.work_dates(candidate, work_days)
            if not self.is_busy(dates[0], dates[-1]):
                return dates
        raise BeyondHorizon(f"{self.name}: no room for {work_days} free days")  # after her last work there is

    def book(self, dates: list[datetime.date]) -> None:
        """Count planned days as taken, for what-if plans of several pledges in a row."""
        if not dates:
            return
        self.busy.append((dates[0], dates[-1]))
        if self.busy_until is None or dates[-1] > self.busy_until:
            self.busy_until = dates[-1]


def busy_until(open_due_dates: Iterable[datetime.date], today: datetime.date) -> datetime.date | None:
    """Return the last day of a maker's open work; overdue work keeps her busy today at least."""
    dates = list(open_due_dates)
    if not dates:
        return None
    last = max(dates)
    return max(last, today) if min(dates) < today else last


def load_maker_plans(
    *,
    today: datetime.date,
    cooperative_ids: Iterable[uuid.UUID] | None = None,
    maker_ids: Iterable[uuid.UUID] | None = None,
) -> dict[uuid.UUID, MakerPlan]:
    """Return the plans of active makers (of the cooperatives, or these makers), in a few queries."""
    makers = Maker.objects.filter(is_active=True)
    if cooperative_ids is not None:
        makers = makers.filter(cooperative_id__in=list(cooperative_ids))
    if maker_ids is not None:
        makers = makers.filter(pk__in=list(maker_ids))
    plans = {m.pk: MakerPlan(maker_id=m.pk, name=m.name) for m in makers.only("pk", "name")}
    for capacity in Capacity.objects.filter(maker_id__in=plans):
        plans[capacity.maker_id].rates[capacity.category_id] = Rate(capacity.pieces, capacity.days)
        plans[capacity.maker_id].rates_paid[capacity.category_id] = capacity.rate_per_piece
    for period in Unavailability.objects.filter(maker_id__in=plans, ends_on__gte=today).order_by("starts_on"):
        plans[period.maker_id].unavailable.append((period.starts_on, period.ends_on))
    open_work = WorkOrder.objects.filter(maker_id__in=plans, status__in=OPEN_STATUSES).values_list(
        "maker_id", "starts_on", "due_on"
    )
    for maker_id, starts_on, due_on in open_work:
        plan = plans[maker_id]
        plan.busy.append((starts_on, max(due_on, today)))  # overdue work keeps her busy today at least
        plan.busy_until = max(plan.busy_until or today, due_on, today)
    return plans
