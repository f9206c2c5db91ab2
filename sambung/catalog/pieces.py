"""The only writer of pieces: record one and, when it arrives at a location, receive it into stock."""

from django.db import transaction

from sambung.catalog.models import Location, Piece
from sambung.inventory import ledger
from sambung.inventory.models import StockMove


def save_piece(*, piece: Piece, received_at: Location | None = None, user=None) -> Piece:
    """Create or update a piece; a new piece with a location is received there as one unit of stock."""
    is_new = piece._state.adding
    with transaction.atomic():
        piece.save()
        if is_new and received_at is not None:
            ledger.record_move(
                sku=piece.sku,
                location=received_at,
                quantity=1,
                piece=piece,
                reason=StockMove.Reason.RECEIPT,
                reference=piece.code,
                node=received_at.node,
                user=user,
            )
    return piece
