"""The ways out of quality control for units an inspection rejected: written off, or back to the maker for rework.

A rejected piece or batch stays in quality control, which no channel can sell (quality.inspections). From there
a manager or hub operator either

- writes it off (destroyed, unsellable): the units leave stock for good (StockMove reason WRITE_OFF);
- returns a piece to its maker for rework: it leaves stock (RETURN_TO_MAKER). When she brings it back it is
  received into quality control again (REWORK_RECEIPT) and waits there, like any received piece, until a new
  inspection passes it. Counted goods (coffee) have no maker to return them to: they can only be written off.

Each step is one move through inventory.ledger.move_stock, with who and when, and a reference to the
inspection that rejected the units; the piece's stock history shows it. Nothing here can put a unit on sale:
only a passed inspection does that (DESIGN.md §4, item 6).
"""

import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from sambung.accounts.access import Can, has_capability
from sambung.accounts.models import Membership
from sambung.catalog.models import SKU, Location, Piece
from sambung.inventory.ledger import InsufficientStock, Slot, move_stock
from sambung.inventory.models import Position, StockLevel, StockMove
from sambung.quality.models import Inspection, Outcome

# A rework receipt's move id is derived from the return it answers: receiving the same piece back twice (a
# double submit, two operators at once) inserts the same id, which the ledger applies once.
REWORK_NAMESPACE = uuid.UUID("6f1c1a52-8d1e-4a55-9a43-0c3f5e1b7a10")


class RejectionError(ValueError):
    """Nothing was moved; the message says why."""


def _reference(inspection: Inspection) -> str:
    return f"inspection {inspection.pk}"


def _check_member(member: Membership, sku: SKU) -> None:
    if member.cooperative_id != sku.product.cooperative_id or not has_capability(member, Can.INSPECT):
        raise RejectionError(
            _("Only a manager or hub operator of this cooperative may take rejected goods out of stock.")
        )


def rejected_piece(piece: Piece) -> tuple[StockLevel, Inspection] | None:
    """The piece's quality-control level and the rejection it waits under, or None.

    None when the piece is not in quality control, or has not been inspected since it last came in (a piece
    back from rework or from a buyer waits for a new inspection, not for a write-off).
    """
    level = (
        StockLevel.objects.filter(piece=piece, position=Position.QUALITY_CONTROL, quantity__gt=0)
        .select_related("location")
        .first()
    )
    if level is None:
        return None
    latest = Inspection.objects.filter(piece=piece).order_by("-created_at").first()
    entered = (
        StockMove.objects.filter(piece=piece, target_position=Position.QUALITY_CONTROL)
        .order_by("-created_at")
        .values_list("created_at", flat=True)
        .first()
    )
    if latest is None or latest.outcome != Outcome.REJECT or (entered and latest.created_at < entered):
        return None
    return level, latest


def _take_piece(*, piece: Piece, member: Membership, reason: str) -> StockMove:
    _check_member(member, piece.sku)
    found = rejected_piece(piece)
    if found is None:
        raise RejectionError(
            _("Piece %(code)s is not waiting in quality control after a rejection.") % {"code": piece.code}
        )
    level, inspection = found
    try:
        return move_stock(
            sku=piece.sku,
            piece=piece,
            location=level.location,
            quantity=1,
            source=Slot(Position.QUALITY_CONTROL),
            target=None,
            reason=reason,
            reference=_reference(inspection),
            node=level.location.node,
            user=member.user,
        )
    except InsufficientStock:
        raise RejectionError(
            _("Piece %(code)s is no longer in quality control: someone took it out meanwhile.")
            % {"code": piece.code}
        ) from None


def write_off_piece(*, piece: Piece, member: Membership) -> StockMove:
    """Take a rejected piece out of stock for good (destroyed or unsellable)."""
    return _take_piece(piece=piece, member=member, reason=StockMove.Reason.WRITE_OFF)


def return_piece_to_maker(*, piece: Piece, member: Membership) -> StockMove:
    """Send a rejected piece back to its maker for rework: it leaves stock until she brings it back."""
    return _take_piece(piece=piece, member=member, reason=StockMove.Reason.RETURN_TO_MAKER)


def piece_at_maker(piece: Piece) -> StockMove | None:
    """The return that sent the piece to its maker, if that is where it is now (its latest move)."""
    latest = StockMove.objects.filter(piece=piece).order_by("-created_at").first()
    if latest is None or latest.reason != StockMove.Reason.RETURN_TO_MAKER:
        return None
    return latest


def receive_reworked_piece(*, piece: Piece, location: Location, member: Membership) -> StockMove:
    """Receive a piece back from its maker into quality control, where it waits for a new inspection."""
    _check_member(member, piece.sku)
    if location.cooperative_id != piece.sku.product.cooperative_id:
        raise RejectionError(_("Choose one of this cooperative's locations."))
    returned = piece_at_maker(piece)
    if returned is None:
        raise RejectionError(_("Piece %(code)s is not with its maker for rework.") % {"code": piece.code})
    move_id = uuid.uuid5(REWORK_NAMESPACE, str(returned.pk))
    try:
        return move_stock(
            sku=piece.sku,
            piece=piece,
            location=location,
            quantity=1,
            source=None,
            target=Slot(Position.QUALITY_CONTROL),
            reason=StockMove.Reason.REWORK_RECEIPT,
            reference=returned.reference,
            move_id=move_id,
            node=location.node,
            user=member.user,
        )
    except IntegrityError:
        # PostgreSQL: another request inserted the same move id first; it is received once, by that one.
        return StockMove.objects.get(pk=move_id)


# -- Counted goods ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RejectedBatch:
    level: StockLevel
    inspection: Inspection  # the latest inspection of the SKU at the location: a rejection
    written_off: int  # units already written off under it

    @property
    def remaining(self) -> int:
        """Units that may still be written off: those rejected and not yet written off, if still in QC."""
        return max(0, min(self.level.quantity, self.inspection.quantity - self.written_off))


def rejected_batch(sku: SKU, location: Location) -> RejectedBatch | None:
    """Counted units of the SKU in quality control at the location under a rejection, or None."""
    level = StockLevel.objects.filter(
        sku=sku, piece=None, location=location, position=Position.QUALITY_CONTROL, quantity__gt=0
    ).first()
    latest = (
        Inspection.objects.filter(sku=sku, location=location, piece__isnull=True)
        .order_by("-created_at")
        .first()
    )
    if level is None or latest is None or latest.outcome != Outcome.REJECT:
        return None
    written_off = StockMove.objects.filter(
        sku=sku,
        piece=None,
        location=location,
        reason=StockMove.Reason.WRITE_OFF,
        reference=_reference(latest),
    ).aggregate(units=Sum("quantity"))["units"]
    return RejectedBatch(level, latest, written_off or 0)


def write_off_batch(*, sku: SKU, location: Location, quantity: int, member: Membership) -> StockMove:
    """Write off `quantity` counted units that the latest inspection at the location rejected."""
    _check_member(member, sku)
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 1:
        raise RejectionError(_("Enter how many units to write off: a whole number of at least 1."))
    with transaction.atomic():
        # Two write-offs at once must not both take the same rejected units: PostgreSQL locks the level row
        # before counting what is left; SQLite runs writers one at a time (BEGIN IMMEDIATE).
        levels = StockLevel.objects.select_for_update().filter(
            sku=sku, piece=None, location=location, position=Position.QUALITY_CONTROL
        )
        list(levels.values_list("pk", flat=True))
        batch = rejected_batch(sku, location)
        if batch is None or batch.remaining == 0:
            raise RejectionError(
                _("No rejected units of %(sku)s wait in quality control at %(location)s.")
                % {"sku": sku.code, "location": location.name}
            )
        if quantity > batch.remaining:
            raise RejectionError(
                _("Only %(count)s rejected units of %(sku)s can be written off at %(location)s.")
                % {"count": batch.remaining, "sku": sku.code, "location": location.name}
            )
        try:
            return move_stock(
                sku=sku,
                location=location,
                quantity=quantity,
                source=Slot(Position.QUALITY_CONTROL),
                target=None,
                reason=StockMove.Reason.WRITE_OFF,
                reference=_reference(batch.inspection),
                node=location.node,
                user=member.user,
            )
        except InsufficientStock:
            raise RejectionError(
                _("These units are no longer in quality control: someone took them out meanwhile.")
            ) from None
