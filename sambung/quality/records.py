"""Each maker's quality record, month by month: inspections and their grades, units delivered, complaints.

Read-only, in a few aggregate queries whatever the number of rows: one per source (inspections, deliveries,
complaints), grouped by calendar month (in the cooperative's time zone, TIME_ZONE) or by maker, with one
conditional count per grade and per complaint reason. Python only adds up the grouped rows.

What counts for a maker:
- inspections of the pieces she made (counted goods such as coffee record no maker, so they are nobody's), in
  the month they were recorded; a piece rejected, reworked and inspected again counts twice;
- units delivered: order lines of her pieces whose order was delivered, in the month of delivery (an order
  returned later was still delivered);
- complaints on those order lines. A complaint counts in the month its line was delivered, so that the month's
  complaint rate is "complaints on what was delivered that month ÷ units delivered that month"; a complaint on a
  line not delivered (lateness can be reported once paid) counts in the month it was opened.
"""

import datetime
from dataclasses import dataclass, field

from django.db.models import Count, DateField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncMonth
from django.utils import timezone

from sambung.catalog.models import Cooperative, Maker
from sambung.feedback.models import Complaint, ComplaintReason
from sambung.orders.models import OrderEvent, OrderLine
from sambung.quality.models import Inspection, Outcome

MONTHS = 12


def _percent(part: int, whole: int) -> float | None:
    return None if not whole else 100 * part / whole


@dataclass
class Tally:
    """What happened in one month, or over several."""

    inspections: int = 0
    grade_a: int = 0
    grade_b: int = 0
    rejected: int = 0
    units_delivered: int = 0
    complaints: int = 0
    reasons: dict[str, int] = field(default_factory=dict)  # complaint reason → count

    @property
    def passed(self) -> int:
        return self.grade_a + self.grade_b

    @property
    def pass_rate(self) -> float | None:
        """Per cent of inspections that passed; None without inspections."""
        return _percent(self.passed, self.inspections)

    @property
    def share_a(self) -> float | None:
        return _percent(self.grade_a, self.inspections)

    @property
    def share_b(self) -> float | None:
        return _percent(self.grade_b, self.inspections)

    @property
    def share_rejected(self) -> float | None:
        return _percent(self.rejected, self.inspections)

    @property
    def complaint_rate(self) -> float | None:
        """Complaints per 100 units delivered; None when nothing was delivered."""
        return _percent(self.complaints, self.units_delivered)

    @property
    def reason_counts(self) -> list[tuple[str, int]]:
        """(reason label, count) for each reason given, most frequent first."""
        labels = dict(ComplaintReason.choices)
        counted = [(labels[reason], n) for reason, n in self.reasons.items() if n]
        return sorted(counted, key=lambda item: -item[1])

    @property
    def has_activity(self) -> bool:
        return bool(self.inspections or self.units_delivered or self.complaints)

    def add(self, other: "Tally") -> None:
        self.inspections += other.inspections
        self.grade_a += other.grade_a
        self.grade_b += other.grade_b
        self.rejected += other.rejected
        self.units_delivered += other.units_delivered
        self.complaints += other.complaints
        for reason, n in other.reasons.items():
            self.reasons[reason] = self.reasons.get(reason, 0) + n


@dataclass
class MonthRecord(Tally):
    month: datetime.date = datetime.date.min  # the first day of the month


@dataclass(frozen=True)
class MakerRecord:
    maker: Maker
    months: list[MonthRecord]  # the latest MONTHS months with any activity, newest first
    total: Tally  # over those months


@dataclass(frozen=True)
class MakerSummary:
    maker: Maker
    tally: Tally


# -- The three sources, each one aggregate query --------------------------------------------------------------

_GRADES = {
    "grade_a": Count("id", filter=Q(outcome=Outcome.GRADE_A)),
    "grade_b": Count("id", filter=Q(outcome=Outcome.GRADE_B)),
    "rejected": Count("id", filter=Q(outcome=Outcome.REJECT)),
    "inspections": Count("id"),
}
_REASONS = {f"reason_{reason}": Count("id", filter=Q(reason=reason)) for reason in ComplaintReason.values}


def _delivered_at(order_ref: str) -> Subquery:
    """When the order of `order_ref` was delivered (its first delivery event), or NULL."""
    events = OrderEvent.objects.filter(order=OuterRef(order_ref), kind=OrderEvent.Kind.DELIVERED)
    return Subquery(events.order_by("created_at").values("created_at")[:1])


def _month(expression) -> TruncMonth:
    return TruncMonth(expression, output_field=DateField())


def _inspections(cooperative: Cooperative) -> QuerySet[Inspection]:
    return Inspection.objects.filter(cooperative=cooperative, piece__isnull=False)


def _deliveries(cooperative: Cooperative) -> QuerySet[OrderLine]:
    lines = OrderLine.objects.filter(order__cooperative=cooperative, piece__isnull=False)
    return lines.annotate(delivered_at=_delivered_at("order_id")).filter(delivered_at__isnull=False)


def _complaints(cooperative: Cooperative) -> QuerySet[Complaint]:
    complaints = Complaint.objects.filter(cooperative=cooperative, order_line__piece__isnull=False)
    return complaints.annotate(counted_at=Coalesce(_delivered_at("order_line__order_id"), "created_at"))


def _tally(row: dict, tally: Tally) -> Tally:
    for name in ("inspections", "grade_a", "grade_b", "rejected", "complaints"):
        if name in row:
            setattr(tally, name, row[name])
    if "units" in row:
        tally.units_delivered = row["units"] or 0
    for reason in ComplaintReason.values:
        if row.get(f"reason_{reason}"):
            tally.reasons[reason] = row[f"reason_{reason}"]
    return tally


# -- One maker, month by month ----------------------------------------------------------------------------


def maker_record(maker: Maker, *, months: int = MONTHS) -> MakerRecord:
    """Return the maker's latest `months` months with any activity, newest first, and their total."""
    cooperative = maker.cooperative
    by_month: dict[datetime.date, MonthRecord] = {}

    def month(value: datetime.date) -> MonthRecord:
        return by_month.setdefault(value, MonthRecord(month=value))

    inspections = (
        _inspections(cooperative)
        .filter(piece__maker=maker)
        .annotate(month=_month("created_at"))
        .values("month")
        .annotate(**_GRADES)
        .order_by()
    )
    for row in inspections:
        _tally(row, month(row["month"]))
    deliveries = (
        _deliveries(cooperative)
        .filter(piece__maker=maker)
        .annotate(month=_month("delivered_at"))
        .values("month")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    for row in deliveries:
        _tally(row, month(row["month"]))
    complaints = (
        _complaints(cooperative)
        .filter(order_line__piece__maker=maker)
        .annotate(month=_month("counted_at"))
        .values("month")
        .annotate(complaints=Count("id"), **_REASONS)
        .order_by()
    )
    for row in complaints:
        _tally(row, month(row["month"]))

    shown = sorted(by_month.values(), key=lambda record: record.month, reverse=True)[:months]
    total = Tally()
    for record in shown:
        total.add(record)
    return MakerRecord(maker, shown, total)


# -- Every maker of a cooperative, over the last months ---------------------------------------------------


def window_start(*, months: int = MONTHS, now: datetime.datetime | None = None) -> datetime.datetime:
    """The first moment of the calendar month `months - 1` months before this one (local time)."""
    today = timezone.localtime(now).date()
    index = today.year * 12 + today.month - 1 - (months - 1)
    first = datetime.date(index // 12, index % 12 + 1, 1)
    return timezone.make_aware(datetime.datetime.combine(first, datetime.time.min))


def maker_summaries(
    cooperative: Cooperative, *, months: int = MONTHS, now: datetime.datetime | None = None
) -> list[MakerSummary]:
    """Every maker of the cooperative with her tally over the last `months` calendar months (this one included).

    Worst pass rate first; makers without an inspection in that time come last, by name.
    """
    since = window_start(months=months, now=now)
    tallies: dict = {}

    def tally(maker_id) -> Tally:
        return tallies.setdefault(maker_id, Tally())

    inspections = (
        _inspections(cooperative)
        .filter(created_at__gte=since)
        .values("piece__maker")
        .annotate(**_GRADES)
        .order_by()
    )
    for row in inspections:
        _tally(row, tally(row["piece__maker"]))
    deliveries = (
        _deliveries(cooperative)
        .filter(delivered_at__gte=since)
        .values("piece__maker")
        .annotate(units=Sum("quantity"))
        .order_by()
    )
    for row in deliveries:
        _tally(row, tally(row["piece__maker"]))
    complaints = (
        _complaints(cooperative)
        .filter(counted_at__gte=since)
        .values("order_line__piece__maker")
        .annotate(complaints=Count("id"), **_REASONS)
        .order_by()
    )
    for row in complaints:
        _tally(row, tally(row["order_line__piece__maker"]))

    makers = Maker.objects.filter(cooperative=cooperative).order_by("name")
    summaries = [MakerSummary(maker, tallies.get(maker.pk, Tally())) for maker in makers]
    return sorted(
        summaries,
        key=lambda s: (s.tally.pass_rate is None, s.tally.pass_rate or 0, s.maker.name.lower()),
    )
