"""The only writer of pieces: record one and, when it arrives at a location, receive it into stock."""

from django.db import transaction

from sambung.catalog.models import Location, Piece
from sambung.inventory.stock import receive_stock


def save_piece(*, piece: Piece, received_at: Location | None = None, user=None) -> Piece:
    """Create or update a piece; a new piece with a location is received there as one unit of stock."""
    is_new = piece._state.adding
    with transaction.atomic():
        piece.save()
        if is_new and received_at is not None:
            receive_stock(sku=piece.sku, location=received_at, piece=piece, reference=piece.code, user=user)
    return piece
