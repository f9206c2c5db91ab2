"""The only writer of stock: insert a move and apply it to the level in one transaction.

The level is changed by one guarded UPDATE (`on_hand >= -delta`), never by reading, checking and writing, so
concurrent sales cannot both take the last unit on SQLite or PostgreSQL. The CHECK constraint backs it up.
"""

import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from sambung.catalog.models import SKU, Location, Node, Piece
from sambung.inventory.models import StockLevel, StockMove


@dataclass
class InsufficientStock(Exception):
    sku: str
    available: int
    requested: int

    def __str__(self) -> str:
        return f"Only {self.available} of {self.sku} on hand, {self.requested} requested"


def record_move(
    *,
    sku: SKU,
    location: Location,
    quantity: int,
    reason: str,
    move_id: uuid.UUID | None = None,
    piece: Piece | None = None,
    reference: str = "",
    node: Node | None = None,
    user=None,
) -> StockMove:
    """Append a move and apply it to the stock level; a move id seen before is returned unchanged."""
    if quantity == 0:
        raise ValueError("a stock move must change the quantity")
    with transaction.atomic():
        if move_id is not None:
            existing = StockMove.objects.filter(pk=move_id).first()
            if existing is not None:
                return existing
        move = StockMove.objects.create(
            **({"id": move_id} if move_id else {}),
            sku=sku,
            location=location,
            quantity=quantity,
            reason=reason,
            piece=piece,
            reference=reference,
            node=node,
            created_by=user,
        )
        level_id = _level_id(sku, location)
        updated = StockLevel.objects.filter(pk=level_id, on_hand__gte=-quantity).update(
            on_hand=F("on_hand") + quantity
        )
        if updated == 0:
            available = StockLevel.objects.get(pk=level_id).on_hand
            raise InsufficientStock(sku=sku.code, available=available, requested=-quantity)
    return move


def _level_id(sku: SKU, location: Location) -> int:
    """Return the level row's id, creating it at zero; a racing creator's row is reused."""
    level = StockLevel.objects.filter(sku=sku, location=location).values_list("pk", flat=True).first()
    if level is not None:
        return level
    try:
        with transaction.atomic():
            return StockLevel.objects.create(sku=sku, location=location, on_hand=0).pk
    except IntegrityError:
        return StockLevel.objects.get(sku=sku, location=location).pk
