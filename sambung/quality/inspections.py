"""The only writer of inspections: check the answers against the standard, record them, release what passed.

The outcome is computed here, never taken from the form: every criterion passes → grade A; minor flaws only →
grade B, and the flaws are told to buyers; anything else → rejected, with its reasons.

A passed inspection moves its units from quality control to the web store in the same transaction
(inventory.stock.release_stock, reason RELEASE): that is the only way into sellable stock (DESIGN.md §4, item 6).
A rejected inspection moves nothing: the units stay in quality control, which no channel can sell, marked by
the rejection, until someone inspects them again (after a repair, say) or takes them out of stock.

Bad input — a missing answer or photo, a measurement no piece can have, a piece not in quality control —
raises InspectionError before anything is written.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils.translation import gettext as _

from sambung.accounts.access import Can, has_capability
from sambung.accounts.models import Membership
from sambung.catalog.models import SKU, Location, Piece, Product
from sambung.catalog.photos import (
    DETAIL_MAX_BYTES,
    DETAIL_WIDTH,
    THUMB_MAX_BYTES,
    THUMB_WIDTH,
    InvalidPhoto,
    Rendition,
    make_rendition,
    open_photo,
)
from sambung.inventory.ledger import InsufficientStock
from sambung.inventory.models import Position, StockLevel, StockMove
from sambung.inventory.stock import release_stock
from sambung.lib.ids import uuid7
from sambung.production.handover import hand_over_released_units
from sambung.quality.models import Inspection, InspectionPhoto, Outcome, StandardVersion
from sambung.quality.standards import Criterion, Effect, Kind, criteria_of, current_version, parse_decimal
from sambung.sync import outbox

MAX_PHOTOS = 10
MAX_NOTE = 1000
PASS, FAIL = "pass", "fail"


@dataclass
class InspectionError(ValueError):
    """Nothing was recorded; `errors` maps a criterion key ("photos", "quantity", or "" for the whole) to messages."""

    errors: dict[str, list[str]] = field(default_factory=dict)

    def __str__(self) -> str:
        return " ".join(message for messages in self.errors.values() for message in messages)


def refuse(message: str, key: str = "") -> InspectionError:
    return InspectionError({key: [message]})


@dataclass(frozen=True)
class Assessment:
    results: list[dict]
    outcome: Outcome


def assess(
    criteria: list[Criterion], answers: dict[str, object], *, photo_count: int, product: Product | None
) -> Assessment:
    """Check every answer against its criterion and compute the outcome; raise InspectionError for bad input."""
    errors: dict[str, list[str]] = {}
    results = []
    for criterion in criteria:
        try:
            result = _assess_one(criterion, answers.get(criterion.key), photo_count, product)
        except InspectionError as error:
            errors.setdefault(criterion.key, []).extend(error.errors[""])
            continue
        if result is not None:
            results.append(result)
    if errors:
        raise InspectionError(errors)
    effects = {result["effect"] for result in results}
    if Effect.REJECT in effects:
        outcome = Outcome.REJECT
    elif Effect.MINOR in effects:
        outcome = Outcome.GRADE_B
    else:
        outcome = Outcome.GRADE_A
    return Assessment(results, outcome)


def _assess_one(criterion: Criterion, raw: object, photo_count: int, product: Product | None) -> dict | None:
    """Return the criterion's recorded result (None: optional and not answered), or raise InspectionError."""
    result: dict = {"criterion": criterion.as_json()}
    if criterion.kind == Kind.PHOTO:
        if photo_count >= criterion.min_photos:
            return {**result, "value": str(photo_count), "effect": Effect.PASS}
        if not criterion.required and photo_count == 0:
            return None
        raise refuse(
            _("Add at least %(count)s photo(s): %(label)s.")
            % {"count": criterion.min_photos, "label": criterion.label}
        )
    text = "" if raw is None else str(raw).strip()
    if isinstance(raw, bool):
        text = PASS if raw else FAIL
    if not text:
        if criterion.required:
            raise refuse(_("Answer this: %(label)s.") % {"label": criterion.label})
        return None
    if criterion.kind == Kind.PASS_FAIL:
        if text not in (PASS, FAIL):
            raise refuse(_("Choose pass or fail: %(label)s.") % {"label": criterion.label})
        return {**result, "value": text, "effect": Effect.PASS if text == PASS else criterion.fail_effect}
    if criterion.kind == Kind.GRADE:
        choice = criterion.choice(text)
        if choice is None:
            raise refuse(_("Choose one of the listed values: %(label)s.") % {"label": criterion.label})
        effect = choice.effect
        declared = getattr(product, criterion.declared, "") if criterion.declared and product else ""
        if declared:
            result["declared"] = declared
            if declared != text:
                effect = Effect.REJECT  # sold as one thing, found to be another: never "as described"
        return {**result, "value": text, "effect": effect}
    return _assess_measurement(criterion, text, product, result)


def _assess_measurement(criterion: Criterion, text: str, product: Product | None, result: dict) -> dict:
    try:
        value = parse_decimal(text)
    except InvalidOperation:
        raise refuse(
            _("Enter a number for %(label)s, e.g. 180 or 12,5.") % {"label": criterion.label}
        ) from None
    if not criterion.physical_min <= value <= criterion.physical_max:
        raise refuse(
            _("%(label)s cannot be %(value)s %(unit)s: enter a value from %(min)s to %(max)s %(unit)s.")
            % {
                "label": criterion.label,
                "value": text,
                "unit": criterion.unit,
                "min": _number(criterion.physical_min),
                "max": _number(criterion.physical_max),
            }
        )
    effect = Effect.PASS
    low, high = criterion.tolerance_range(product)
    if low is not None or high is not None:
        result.update(low=_number(low), high=_number(high))
        if (low is not None and value < low) or (high is not None and value > high):
            effect = criterion.outside_effect
    if criterion.relative_to and product is not None and low is not None:
        result["declared"] = str(getattr(product, criterion.relative_to))
    if criterion.bands:
        band = criterion.band(value)
        if band is None:
            effect = Effect.REJECT  # beyond the last band (coffee: more than 225 defect points)
        else:
            result["band"] = {"label_id": band.label_id, "label_en": band.label_en}
            effect = max(effect, band.effect, key=_severity)
    return {**result, "value": _number(value), "effect": effect}


def _severity(effect: Effect) -> int:
    return [Effect.PASS, Effect.MINOR, Effect.REJECT].index(effect)


def _number(value: Decimal | None) -> str | None:
    return None if value is None else format(value.normalize(), "f")


@dataclass(frozen=True)
class _PreparedPhoto:
    data: bytes
    extension: str
    thumb: Rendition
    detail: Rendition


def _prepare_photos(photos: Sequence[UploadedFile | bytes]) -> list[_PreparedPhoto]:
    """Decode every photo and make its renditions before anything is written; raise InspectionError."""
    if len(photos) > MAX_PHOTOS:
        raise refuse(_("Send at most %(max)s photos per inspection.") % {"max": MAX_PHOTOS}, "photos")
    prepared = []
    for upload in photos:
        data = upload if isinstance(upload, bytes) else b"".join(upload.chunks())
        try:
            image, image_format = open_photo(data)
        except InvalidPhoto as error:
            raise refuse(str(error), "photos") from None
        extension = {"JPEG": "jpg", "MPO": "jpg", "PNG": "png", "HEIF": "heic", "WEBP": "webp"}[image_format]
        prepared.append(
            _PreparedPhoto(
                data,
                extension,
                make_rendition(image, width=THUMB_WIDTH, max_bytes=THUMB_MAX_BYTES),
                make_rendition(image, width=DETAIL_WIDTH, max_bytes=DETAIL_MAX_BYTES),
            )
        )
    return prepared


def _photo_row(inspection_id, position: int, photo: _PreparedPhoto) -> InspectionPhoto:
    digest = hashlib.sha256(photo.data).hexdigest()[:20]
    row = InspectionPhoto(
        inspection_id=inspection_id,
        position=position,
        thumb_width=photo.thumb.width,
        thumb_height=photo.thumb.height,
        detail_width=photo.detail.width,
        detail_height=photo.detail.height,
    )
    row.original.save(f"{digest}.{photo.extension}", ContentFile(photo.data), save=False)
    row.thumb.save(f"{digest}-{THUMB_WIDTH}.webp", ContentFile(photo.thumb.data), save=False)
    row.detail.save(f"{digest}-{DETAIL_WIDTH}.webp", ContentFile(photo.detail.data), save=False)
    return row


def _qc_levels(*, sku: SKU, piece: Piece | None, location: Location | None = None):
    levels = StockLevel.objects.filter(
        sku=sku, piece=piece, position=Position.QUALITY_CONTROL, quantity__gt=0
    )
    return levels.filter(location=location) if location is not None else levels


def record_inspection(
    *,
    piece: Piece | None = None,
    sku: SKU | None = None,
    location: Location | None = None,
    quantity: int = 1,
    standard_version: StandardVersion,
    results: dict[str, object],
    photos: Sequence[UploadedFile | bytes] = (),
    inspector: Membership,
    note_id: str = "",
    note_en: str = "",
) -> Inspection:
    """Record an inspection of a piece (or `quantity` units of a SKU at a location) in quality control.

    If it passes, release the units for sale by the web store; if not, leave them in quality control.
    Raise InspectionError, recording nothing, for bad input.
    """
    if (piece is None) == (sku is None):
        raise ValueError("inspect either a piece or a SKU's units at a location")
    if piece is not None:
        sku, quantity = piece.sku, 1
    elif location is None:
        raise ValueError("a batch is inspected at a location")
    product = sku.product
    cooperative = product.cooperative
    if inspector.cooperative_id != cooperative.pk or not has_capability(inspector, Can.INSPECT):
        raise refuse(_("Only a manager or hub operator of this cooperative may inspect its goods."))
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise refuse(_("Enter how many units you inspected: a whole number of at least 1."), "quantity")
    standard = standard_version.standard
    if standard.cooperative_id != cooperative.pk or standard.category_id != product.category_id:
        raise refuse(_("This standard is not the one for %(title)s.") % {"title": product.title})
    if current_version(standard).pk != standard_version.pk:
        raise refuse(
            _("The standard changed while you were inspecting. Check the current criteria and send again.")
        )
    if len(note_id) > MAX_NOTE or len(note_en) > MAX_NOTE:
        raise refuse(_("Keep the note under %(max)s characters.") % {"max": MAX_NOTE}, "note")
    level = _qc_levels(sku=sku, piece=piece, location=location).select_related("location").first()
    if piece is not None and level is None:
        raise refuse(
            _(
                "Piece %(code)s is not in quality control: only received pieces that are not on sale yet can be inspected."
            )
            % {"code": piece.code}
        )
    if piece is None and (level is None or level.quantity < quantity):
        raise refuse(
            _("Only %(count)s units of %(sku)s are in quality control at %(location)s.")
            % {"count": level.quantity if level else 0, "sku": sku.code, "location": location.name},
            "quantity",
        )
    location = level.location
    assessment = assess(criteria_of(standard_version), results, photo_count=len(photos), product=product)
    prepared = _prepare_photos(photos)

    inspection_id = uuid7()
    rows = [_photo_row(inspection_id, position, photo) for position, photo in enumerate(prepared)]
    try:
        with transaction.atomic():
            # Serialize inspections of the same units: PostgreSQL locks the row; SQLite runs writers one at a
            # time (BEGIN IMMEDIATE). A unit released meanwhile makes release_stock fail, and a reject re-checks.
            locked = list(
                StockLevel.objects.select_for_update().filter(pk=level.pk).values_list("quantity", flat=True)
            )
            if not locked or locked[0] < quantity:
                raise refuse(
                    _("These units are no longer in quality control: someone inspected them meanwhile.")
                )
            release = None
            if assessment.outcome != Outcome.REJECT:
                try:
                    release = release_stock(
                        sku=sku,
                        location=location,
                        quantity=quantity,
                        piece=piece,
                        reference=f"inspection {inspection_id}",
                        user=inspector.user,
                    )
                except InsufficientStock:
                    raise refuse(
                        _("These units are no longer in quality control: someone inspected them meanwhile.")
                    ) from None
            inspection = save_inspection(
                inspection=Inspection(
                    id=inspection_id,
                    cooperative=cooperative,
                    standard_version=standard_version,
                    sku=sku,
                    piece=piece,
                    location=location,
                    quantity=quantity,
                    results=assessment.results,
                    outcome=assessment.outcome,
                    note_id=note_id.strip(),
                    note_en=note_en.strip(),
                    inspector=inspector.user,
                    inspector_role=inspector.role,
                    release_move=release,
                )
            )
            for row in rows:
                row.save()
            outbox.emit_rows("inspection.recorded", inspection)
            if release is not None:
                # A piece made for an order goes to that order; anything else tells the waitlist after commit.
                hand_over_released_units(inspection=inspection, user=inspector.user)
    except BaseException:
        for row in rows:
            for file in (row.original, row.thumb, row.detail):
                file.delete(save=False)
        raise
    return inspection


# Fields that say what an inspection found; recorded once, never changed (created_at is the origin's clock).
_RECORDED = (
    "cooperative_id", "standard_version_id", "sku_id", "piece_id", "location_id", "quantity", "results",
    "outcome", "note_id", "note_en", "inspector_id", "inspector_role", "release_move_id",
)  # fmt: skip


def save_inspection(*, inspection: Inspection) -> Inspection:
    """Check an inspection row against its standard, goods and release, and insert it; raise InspectionError.

    The one way an Inspection row is written: record_inspection builds the row from the form, sync.apply from
    another node's event. A row already here must be the same (an inspection is never changed once recorded).
    """
    existing = Inspection.objects.filter(pk=inspection.pk).first()
    if existing is not None:
        if any(getattr(existing, name) != getattr(inspection, name) for name in _RECORDED):
            raise refuse(
                _("Inspection %(id)s was already recorded and cannot change.") % {"id": inspection.pk}
            )
        return existing
    _check_inspection_row(inspection)
    inspection.save(force_insert=True)
    return inspection


def _check_inspection_row(inspection: Inspection) -> None:
    sku = SKU.objects.select_related("product").get(pk=inspection.sku_id)
    if sku.product.cooperative_id != inspection.cooperative_id:
        raise refuse(_("The inspected goods belong to another cooperative."))
    location = Location.objects.get(pk=inspection.location_id)
    if location.cooperative_id != inspection.cooperative_id:
        raise refuse(_("The inspection's location belongs to another cooperative."))
    if inspection.piece_id is not None:
        piece = Piece.objects.get(pk=inspection.piece_id)
        if piece.sku_id != sku.pk or inspection.quantity != 1:
            raise refuse(_("A piece's inspection is of that one piece of its own SKU."))
    version = StandardVersion.objects.select_related("standard").get(pk=inspection.standard_version_id)
    standard = version.standard
    if (
        standard.cooperative_id != inspection.cooperative_id
        or standard.category_id != sku.product.category_id
    ):
        raise refuse(_("This standard is not the one for %(title)s.") % {"title": sku.product.title})
    results = inspection.results
    effects = [r.get("effect") for r in results] if isinstance(results, list) else None
    if effects is None or not all(isinstance(r, dict) for r in results) or not set(effects) <= set(Effect):
        raise refuse(_("The inspection's results cannot be read."))
    expected = (
        Outcome.REJECT
        if Effect.REJECT in effects
        else Outcome.GRADE_B
        if Effect.MINOR in effects
        else Outcome.GRADE_A
    )
    if inspection.outcome != expected:
        # The outcome is computed from the results, never taken as sent (the module docstring).
        raise refuse(_("The inspection's outcome does not follow from its results."))
    if (inspection.release_move_id is not None) != (expected != Outcome.REJECT):
        raise refuse(
            _("A passed inspection releases its units for sale, and a rejected one releases nothing.")
        )
    if inspection.release_move_id is not None:
        move = StockMove.objects.get(pk=inspection.release_move_id)
        if (move.reason, move.sku_id, move.piece_id, move.location_id, move.quantity) != (
            StockMove.Reason.RELEASE,
            sku.pk,
            inspection.piece_id,
            location.pk,
            inspection.quantity,
        ):
            raise refuse(_("The inspection's release is not a release of the units it inspected."))
