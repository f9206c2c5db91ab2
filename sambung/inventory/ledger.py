"""The only writer of stock: insert a move and apply it to the levels, in one transaction.

A move takes units out of one position and into another. The source level is lowered by one guarded UPDATE
(`quantity >= n`), never by reading, checking and writing, so concurrent buyers cannot both take the last
unit on SQLite or PostgreSQL; the CHECK constraint backs it up. A move id seen before is not applied again.
"""

import uuid
from collections.abc import MutableMapping
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


# A level's identity: SKU id, piece id (None: counted stock), location id, channel id (None: quality control), position.
LevelKey = tuple[uuid.UUID, uuid.UUID | None, uuid.UUID, uuid.UUID | None, str]


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
    level_ids: MutableMapping[LevelKey, int] | None = None,
) -> StockMove:
    """Move units between positions (None = into or out of stock); raise InsufficientStock if the source lacks them.

    `level_ids` is for a caller that applies many moves in one transaction (sync.apply, a frame): every level of
    the SKUs and pieces it moves, read beforehand, by LevelKey. A key it lacks is a level that did not exist then;
    the ledger adds the levels it creates. The caller forgets what a rolled-back savepoint added.
    """
    if quantity <= 0 or (piece is not None and quantity != 1):
        raise ValueError("a move carries a positive quantity, and exactly one for a piece")
    if source is None and target is None:
        raise ValueError("a move needs a source or a target")
    try:
        with transaction.atomic():
            # The insert is the replay check: a move id seen before breaks the primary key, and nothing is applied.
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
                _take(_key(sku, piece, location, source), quantity, level_ids, sku_code=sku.code)
            if target is not None:
                _put(_key(sku, piece, location, target), quantity, level_ids)
    except IntegrityError:
        existing = StockMove.objects.filter(pk=move_id).first() if move_id is not None else None
        if existing is None:
            raise
        return existing
    return move


def _key(sku: SKU, piece: Piece | None, location: Location, slot: Slot) -> LevelKey:
    return (
        sku.pk,
        piece.pk if piece else None,
        location.pk,
        slot.channel.pk if slot.channel else None,
        str(slot.position),  # the plain value: a Position member does not hash like its string
    )


def _levels(key: LevelKey):
    sku, piece, location, channel, position = key
    return StockLevel.objects.filter(
        sku_id=sku, piece_id=piece, location_id=location, channel_id=channel, position=position
    )


def _take(
    key: LevelKey, quantity: int, level_ids: MutableMapping[LevelKey, int] | None, *, sku_code: str
) -> None:
    """Lower a level by one guarded UPDATE; raise InsufficientStock when it holds fewer units."""
    level = level_ids.get(key) if level_ids is not None else None
    levels = StockLevel.objects.filter(pk=level) if level is not None else _levels(key)
    if levels.filter(quantity__gte=quantity).update(quantity=F("quantity") - quantity) == 0:
        row = _levels(key).values_list("quantity", flat=True).first()
        raise InsufficientStock(sku=sku_code, available=row or 0, requested=quantity)


def _put(key: LevelKey, quantity: int, level_ids: MutableMapping[LevelKey, int] | None) -> None:
    """Raise a level, creating it with the units when it does not exist yet; a racing creator's row is reused."""
    level = level_ids.get(key) if level_ids is not None else _levels(key).values_list("pk", flat=True).first()
    if level is not None and StockLevel.objects.filter(pk=level).update(quantity=F("quantity") + quantity):
        return
    sku, piece, location, channel, position = key
    try:
        with transaction.atomic():
            level = StockLevel.objects.create(
                sku_id=sku, piece_id=piece, location_id=location, channel_id=channel, position=position,
                quantity=quantity,
            ).pk  # fmt: skip
    except IntegrityError:
        level = _levels(key).values_list("pk", flat=True).get()
        StockLevel.objects.filter(pk=level).update(quantity=F("quantity") + quantity)
    if level_ids is not None:
        level_ids[key] = level
