"""Read-only views of quality: what waits in quality control, inspections as people read them, provenance."""

from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Max, OuterRef, QuerySet, Subquery
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from sambung.catalog.models import Category, Cooperative, Location, Piece
from sambung.inventory.models import Position, StockLevel, StockMove
from sambung.quality.models import PASSING, Inspection, Outcome, Standard
from sambung.quality.standards import Criterion, Effect, Kind


@dataclass(frozen=True)
class ResultView:
    """One recorded result, in the reader's language, from the copy the inspection kept."""

    criterion: Criterion
    value: str
    effect: str
    text: str

    @property
    def label(self) -> str:
        return self.criterion.label

    @property
    def effect_label(self) -> str:
        return {Effect.PASS: _("ok"), Effect.MINOR: _("minor flaw"), Effect.REJECT: _("reason to reject")}[
            Effect(self.effect)
        ]


def _localized(labels: dict) -> str:
    """Return labels["label_en"] in English when it is filled, else labels["label_id"] (as catalog.localized)."""
    if (get_language() or "id").startswith("en") and labels.get("label_en"):
        return labels["label_en"]
    return labels.get("label_id", "")


def read_result(result: dict) -> ResultView:
    criterion = Criterion.from_json(result["criterion"])
    value = result["value"]
    if criterion.kind == Kind.PASS_FAIL:
        text = _("yes") if value == "pass" else _("no")
    elif criterion.kind == Kind.GRADE:
        choice = criterion.choice(value)
        text = choice.label if choice else value
        declared = result.get("declared")
        if declared:
            declared_choice = criterion.choice(declared)
            declared_text = declared_choice.label if declared_choice else declared
            if declared == value:
                text = _("%(observed)s, as declared") % {"observed": text}
            else:
                text = _("%(observed)s, but declared %(declared)s") % {
                    "observed": text,
                    "declared": declared_text,
                }
    elif criterion.kind == Kind.PHOTO:
        text = _("%(count)s photo(s)") % {"count": value}
    else:
        text = f"{value} {criterion.unit}".strip()
        if result.get("band"):
            text += f" ({_localized(result['band'])})"
        if result.get("declared"):
            text += " · " + _("declared %(value)s %(unit)s, accepted %(low)s–%(high)s") % {
                "value": result["declared"],
                "unit": criterion.unit,
                "low": result.get("low"),
                "high": result.get("high"),
            }
        elif result.get("high") is not None and result.get("low") is None:
            text += " · " + _("at most %(high)s %(unit)s") % {"high": result["high"], "unit": criterion.unit}
        elif result.get("low") is not None and result.get("high") is None:
            text += " · " + _("at least %(low)s %(unit)s") % {"low": result["low"], "unit": criterion.unit}
        elif result.get("low") is not None:
            text += " · " + _("accepted %(low)s–%(high)s %(unit)s") % {
                "low": result["low"],
                "high": result["high"],
                "unit": criterion.unit,
            }
    return ResultView(criterion, value, result["effect"], text)


@dataclass(frozen=True)
class InspectionView:
    """An inspection as buyers and staff read it."""

    inspection: Inspection
    results: list[ResultView]

    @property
    def flaws(self) -> list[str]:
        """The minor flaws, told to buyers of a grade B piece."""
        return [f"{r.label}: {r.text}" for r in self.results if r.effect == Effect.MINOR]

    @property
    def reasons(self) -> list[str]:
        """Why it was rejected."""
        return [f"{r.label}: {r.text}" for r in self.results if r.effect == Effect.REJECT]

    @property
    def observed(self) -> list[ResultView]:
        """Grade scales that compared the piece with what the product declares (yarn, dyes)."""
        return [r for r in self.results if r.criterion.declared]

    @property
    def measured(self) -> list[str]:
        """The measurements, e.g. a coffee batch's moisture and defect points with its SNI grade."""
        return [f"{r.label}: {r.text}" for r in self.results if r.criterion.kind == Kind.MEASUREMENT]

    @property
    def grade_label(self) -> str:
        return self.inspection.get_outcome_display()


def read_inspection(inspection: Inspection) -> InspectionView:
    return InspectionView(inspection, [read_result(result) for result in inspection.results])


# -- What waits in quality control ------------------------------------------------------------------------


@dataclass(frozen=True)
class WaitingPiece:
    piece: Piece
    location: Location
    since: object  # when it last came into quality control
    latest: Inspection | None  # the latest inspection since then (a rejection), if any

    @property
    def is_rejected(self) -> bool:
        return self.latest is not None and self.latest.outcome == Outcome.REJECT


@dataclass(frozen=True)
class WaitingBatch:
    level: StockLevel
    latest: Inspection | None

    @property
    def is_rejected(self) -> bool:
        return self.latest is not None and self.latest.outcome == Outcome.REJECT


def waiting_pieces(cooperative: Cooperative) -> list[WaitingPiece]:
    """Pieces in quality control, oldest arrival first; a piece rejected since it arrived says so."""
    entered = (
        StockMove.objects.filter(piece=OuterRef("piece"), target_position=Position.QUALITY_CONTROL)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    levels = (
        StockLevel.objects.filter(
            position=Position.QUALITY_CONTROL,
            quantity__gt=0,
            piece__isnull=False,
            sku__product__cooperative=cooperative,
        )
        .annotate(since=Subquery(entered))
        .select_related("piece__sku__product__category", "piece__maker", "location")
        .order_by("since", "piece__code")
    )
    levels = list(levels)
    latest = latest_inspections(level.piece_id for level in levels)
    waiting = []
    for level in levels:
        inspection = latest.get(level.piece_id)
        if inspection is not None and level.since and inspection.created_at < level.since:
            inspection = None  # inspected before it came back (a return): it waits again
        waiting.append(WaitingPiece(level.piece, level.location, level.since, inspection))
    return waiting


def waiting_batches(cooperative: Cooperative) -> list[WaitingBatch]:
    """Counted units of each SKU in quality control at each location, with their latest inspection there."""
    levels = list(
        StockLevel.objects.filter(
            position=Position.QUALITY_CONTROL,
            quantity__gt=0,
            piece__isnull=True,
            sku__product__cooperative=cooperative,
        )
        .select_related("sku__product__category", "location")
        .order_by("sku__code", "location__name")
    )
    batches = []
    for level in levels:
        latest = (
            Inspection.objects.filter(sku=level.sku, location=level.location, piece__isnull=True)
            .order_by("-created_at")
            .first()
        )
        batches.append(WaitingBatch(level, latest))
    return batches


def latest_inspections(piece_ids: Iterable, outcomes=None) -> dict:
    """Return {piece id: its latest inspection (among `outcomes`)} in two queries."""
    inspections = Inspection.objects.filter(piece_id__in=list(piece_ids))
    if outcomes is not None:
        inspections = inspections.filter(outcome__in=outcomes)
    latest_ids = inspections.values("piece_id").annotate(latest=Max("created_at"))
    rows = Inspection.objects.filter(
        piece_id__in=[row["piece_id"] for row in latest_ids],
        created_at__in=[row["latest"] for row in latest_ids],
    ).prefetch_related("photos")
    by_piece: dict = {}
    for row in rows.order_by("created_at"):
        by_piece[row.piece_id] = row
    return by_piece


def missing_standards(cooperative: Cooperative) -> QuerySet[Category]:
    """Categories of the cooperative's products that have no quality standard yet."""
    return (
        Category.objects.filter(products__cooperative=cooperative)
        .exclude(standards__cooperative=cooperative)
        .distinct()
    )


def standard_for(cooperative: Cooperative, category: Category) -> Standard | None:
    return Standard.objects.filter(cooperative=cooperative, category=category).first()


# -- For buyers -------------------------------------------------------------------------------------------


def passed_pieces(pieces: QuerySet[Piece]) -> QuerySet[Piece]:
    """The pieces whose latest inspection passed, annotated with that inspection's `grade` (a or b)."""
    latest = Inspection.objects.filter(piece=OuterRef("pk")).order_by("-created_at").values("outcome")[:1]
    return pieces.annotate(grade=Subquery(latest)).filter(grade__in=PASSING)


def is_cleared_for_sale(piece: Piece) -> bool:
    """Whether the piece passed its latest inspection and no unit of it waits in quality control."""
    in_qc = StockLevel.objects.filter(piece=piece, position=Position.QUALITY_CONTROL, quantity__gt=0)
    return passed_pieces(Piece.objects.filter(pk=piece.pk)).exists() and not in_qc.exists()


def public_inspection(piece: Piece) -> Inspection | None:
    """The piece's latest inspection, if it passed: what buyers see. A rejected or uninspected piece has none."""
    latest = Inspection.objects.filter(piece=piece).order_by("-created_at").prefetch_related("photos").first()
    return latest if latest is not None and latest.outcome in PASSING else None


def with_inspections(pieces: Iterable[Piece]) -> list[Piece]:
    """Return the pieces, each with `.inspection`: the read view of its latest inspection if that one passed."""
    pieces = list(pieces)
    latest = latest_inspections(piece.pk for piece in pieces)
    for piece in pieces:
        inspection = latest.get(piece.pk)
        piece.inspection = (
            read_inspection(inspection) if inspection is not None and inspection.outcome in PASSING else None
        )
    return pieces


def latest_batch_inspection(product) -> InspectionView | None:
    """The latest passed inspection of a batch of the product's counted units, for its product page."""
    inspection = (
        Inspection.objects.filter(sku__product=product, piece__isnull=True, outcome__in=PASSING)
        .order_by("-created_at")
        .first()
    )
    return read_inspection(inspection) if inspection is not None else None
