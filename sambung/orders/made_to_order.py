"""Pieces made for made-to-order lines: the only writer of MadePiece rows and of their stock moves.

A line sold made to order committed no stock at checkout; its work was pledged instead. When a piece of that
work passes inspection it is committed to the line (`available → committed` in the same transaction as the
release, so no other buyer can take it); the order can be packed and shipped once every line has its pieces.
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sambung.catalog.models import Location, Piece
from sambung.inventory.ledger import Slot, move_stock
from sambung.inventory.models import Position, StockMove
from sambung.orders.models import MadePiece, OrderLine, OrderStatus
from sambung.production.replication import emit_made_piece

WAITING_STATUSES = (OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, OrderStatus.PACKING)


def lines_for_piece(piece: Piece) -> list[OrderLine]:
    """Return the made-to-order lines the piece's work order was pledged or allocated to, oldest first."""
    from sambung.production.models import DeliveredPiece

    link = DeliveredPiece.objects.filter(piece=piece).select_related("work_order").first()
    if link is None:
        return []
    work_order = link.work_order
    lines = []
    if work_order.order_line_id is not None:
        lines.append(work_order.order_line)
    lines += [
        a.order_line for a in work_order.allocations.select_related("order_line").order_by("created_at")
    ]
    return lines


def pieces_missing(line: OrderLine) -> int:
    """Return how many pieces a line still waits for (0 for a line sold from stock)."""
    if not line.made_to_order:
        return 0
    return max(0, line.quantity - line.made_pieces.filter(released_at__isnull=True).count())


def commit_made_piece(*, piece: Piece, location: Location, user=None) -> MadePiece | None:
    """Commit a piece just released to the web store to the made-to-order line its work was for, if one still
    waits for it; return the link, or None when the piece stays on sale."""
    with transaction.atomic():
        for line in lines_for_piece(piece):
            order = line.order
            if not line.made_to_order or order.status not in WAITING_STATUSES or pieces_missing(line) == 0:
                continue
            move_stock(
                sku=piece.sku,
                piece=piece,
                location=location,
                quantity=1,
                source=Slot(Position.AVAILABLE, line.channel),
                target=Slot(Position.COMMITTED, line.channel),
                reason=StockMove.Reason.SALE,
                reference=order.code,
                node=line.channel.node,
                user=user,
            )
            made = MadePiece.objects.create(order_line=line, piece=piece, location=location)
            emit_made_piece(made)
            return made
    return None


def made_pieces(line: OrderLine) -> list[MadePiece]:
    return list(line.made_pieces.filter(released_at__isnull=True).select_related("piece", "location"))


def ship_made_pieces(*, line: OrderLine, reference: str, user=None) -> None:
    """The parcel left: the line's committed pieces leave stock."""
    for made in made_pieces(line):
        _move(made, Slot(Position.COMMITTED, line.channel), None, StockMove.Reason.SHIPMENT, reference, user)


def return_made_pieces(*, line: OrderLine, reference: str, user=None) -> None:
    """The parcel came back: its pieces re-enter stock in quality control."""
    for made in made_pieces(line):
        _move(made, None, Slot(Position.QUALITY_CONTROL), StockMove.Reason.RETURN, reference, user)


def release_made_pieces(*, line: OrderLine, reference: str, user=None) -> int:
    """The order was cancelled: the pieces made for it go on sale in the web store; return how many."""
    count = 0
    for made in made_pieces(line):
        _move(
            made,
            Slot(Position.COMMITTED, line.channel),
            Slot(Position.AVAILABLE, line.channel),
            StockMove.Reason.CANCEL,
            reference,
            user,
        )
        MadePiece.objects.filter(pk=made.pk).update(released_at=timezone.now())
        emit_made_piece(made)
        count += 1
    return count


def _move(made: MadePiece, source, target, reason: str, reference: str, user) -> None:
    move_stock(
        sku=made.piece.sku,
        piece=made.piece,
        location=made.location,
        quantity=1,
        source=source,
        target=target,
        reason=reason,
        reference=reference,
        node=made.order_line.channel.node,
        user=user,
    )


def waiting_message(lines: list[OrderLine]) -> str:
    return _("Made-to-order pieces are still being made or inspected: %(lines)s.") % {
        "lines": ", ".join(f"{pieces_missing(line)} × {line.title}" for line in lines)
    }


def work_behind(line: OrderLine) -> list:
    """Return the work orders a made-to-order line waits for: pledged for it, or allocated from open work."""
    from sambung.production.models import WorkOrder

    return list(
        WorkOrder.objects.filter(Q(order_line=line) | Q(allocations__order_line=line))
        .select_related("maker")
        .distinct()
        .order_by("due_on", "code")
    )


def lines_with_work(order) -> list[OrderLine]:
    """Return the order's lines; made-to-order ones carry `.work` (their work orders) and `.pieces_in_hand`."""
    lines = list(order.lines.select_related("piece", "location", "sku").order_by("title"))
    for line in lines:
        line.work = work_behind(line) if line.made_to_order else []
        line.pieces_in_hand = len(made_pieces(line)) if line.made_to_order else 0
    return lines
