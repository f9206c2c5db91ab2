"""The only writer of stock: insert a move and apply it to the levels, in one transaction.

A move takes units out of one position and into another. The source level is lowered by one guarded UPDATE
(`quantity >= n`), never by reading, checking and writing, so concurrent buyers cannot both take the last
unit on SQLite or PostgreSQL; the CHECK constraint backs it up. A move id seen before is not applied again.
"""

import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import F

from sambung.catalog.models import SKU, Location, Node, Piece
from sambung.inventory.models import Channel, Position, StockLevel, StockMove
from sambung.sync import outbox


@dataclass(frozen=True)
class Slot:
    """A position, and for every position but quality control, the channel that holds it."""

    position: Position
    channel: Channel | None = None

    def __post_init__(self) -> None:
        if (self.position == Position.QUALITY_CONTROL) != (self.channel is None):
            raise ValueError("quality control has no channel; every other position has one")


@dataclass
class InsufficientStock(Exception):
    sku: str
    available: int
    requested: int

    def __str__(self) -> str:
        return f"only {self.available} of {self.sku} left, {self.requested} requested"


def move_stock(
    *,
    sku: SKU,
    location: Location,
    quantity: int,
    source: Slot | None,
    target: Slot | None,
    reason: str,
    piece: Piece | None = None,
    reference: str = "",
    move_id: uuid.UUID | None = None,
    node: Node | None = None,
    user=None,
) -> StockMove:
    """Move units between positions (None = into or out of stock); raise InsufficientStock if the source lacks them."""
    if quantity <= 0 or (piece is not None and quantity != 1):
        raise ValueError("a move carries a positive quantity, and exactly one for a piece")
    if source is None and target is None:
        raise ValueError("a move needs a source or a target")
    with transaction.atomic():
        if move_id is not None:
            existing = StockMove.objects.filter(pk=move_id).first()
            if existing is not None:
                return existing
        move = StockMove.objects.create(
            **({"id": move_id} if move_id else {}),
            sku=sku,
            piece=piece,
            location=location,
            quantity=quantity,
            source_position=source.position if source else "",
            source_channel=source.channel if source else None,
            target_position=target.position if target else "",
            target_channel=target.channel if target else None,
            reason=reason,
            reference=reference,
            node=node,
            created_by=user,
        )
        outbox.emit_move(move)  # first: every writer takes the event counter's lock before any level's
        if source is not None:
            taken = _levels(sku, piece, location, source).filter(quantity__gte=quantity)
            if taken.update(quantity=F("quantity") - quantity) == 0:
                level = _levels(sku, piece, location, source).first()
                raise InsufficientStock(
                    sku=sku.code, available=level.quantity if level else 0, requested=quantity
                )
        if target is not None:
            _level_id(sku, piece, location, target)
            _levels(sku, piece, location, target).update(quantity=F("quantity") + quantity)
    return move


def _levels(sku: SKU, piece: Piece | None, location: Location, slot: Slot):
    return StockLevel.objects.filter(
        sku=sku, piece=piece, location=location, channel=slot.channel, position=slot.position
    )


def _level_id(sku: SKU, piece: Piece | None, location: Location, slot: Slot) -> int:
    """Return the level row's id, creating it at zero; a racing creator's row is reused."""
    level = _levels(sku, piece, location, slot).values_list("pk", flat=True).first()
    if level is not None:
        return level
    try:
        with transaction.atomic():
            return StockLevel.objects.create(
                sku=sku, piece=piece, location=location, channel=slot.channel, position=slot.position
            ).pk
    except IntegrityError:
        return _levels(sku, piece, location, slot).values_list("pk", flat=True).get()
