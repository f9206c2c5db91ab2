"""The only writer of pieces: record one and, when it arrives at a location, receive it into stock.

A received piece enters quality control; only a passed inspection (quality.inspections) puts it on sale.
"""

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sambung.catalog.models import Location, Piece
from sambung.catalog.products import CatalogError
from sambung.inventory.models import StockMove
from sambung.inventory.stock import receive_stock
from sambung.sync import outbox


def save_piece(*, piece: Piece, received_at: Location | None = None, user=None) -> Piece:
    """Create or update a piece; a new piece with a location is received there into quality control."""
    is_new = piece._state.adding
    if not is_new:
        # Its stock moves name the SKU; changing it would make the ledger disagree with the piece.
        recorded = Piece.objects.filter(pk=piece.pk).values_list("sku_id", flat=True).first()
        if recorded != piece.sku_id and StockMove.objects.filter(piece=piece).exists():
            raise CatalogError(_("This piece has stock records; its SKU can no longer change."))
    try:
        with transaction.atomic():
            piece.save()
            outbox.emit_rows("piece.saved", piece)
            if is_new and received_at is not None:
                receive_stock(
                    sku=piece.sku, location=received_at, piece=piece, reference=piece.code, user=user
                )
    except IntegrityError:
        if Piece.objects.filter(code=piece.code).exclude(pk=piece.pk).exists():
            raise CatalogError(
                _("Another piece already has the code %(code)s.") % {"code": piece.code}
            ) from None
        raise
    return piece
