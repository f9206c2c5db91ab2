"""Receiving stock, releasing it for sale and moving selling rights; every change goes through ledger.move_stock.

Received units enter quality control, where no channel may sell them. Only a passed inspection
(quality.inspections.record_inspection) calls `release_stock` to put them on sale (DESIGN.md §4, item 6).
"""

from django.db import transaction

from sambung.catalog.models import SKU, Cooperative, Location, Node, Piece
from sambung.inventory.ledger import Slot, move_stock
from sambung.inventory.models import Channel, Position, StockMove
from sambung.sync import outbox


def web_store(cooperative: Cooperative) -> Channel:
    """Return the cooperative's web store channel, creating it (owned by the centre node) on first use."""
    channel = Channel.objects.filter(cooperative=cooperative, kind=Channel.Kind.WEB).first()
    if channel is not None:
        return channel
    centre, _ = Node.objects.get_or_create(kind=Node.Kind.CENTRE, defaults={"name": "Sambung"})
    with transaction.atomic():
        channel, created = Channel.objects.get_or_create(
            cooperative=cooperative, kind=Channel.Kind.WEB, defaults={"node": centre, "name": "Toko web"}
        )
        created and outbox.emit_rows("catalog.channel", channel)
    return channel


def receive_stock(
    *,
    sku: SKU,
    location: Location,
    quantity: int = 1,
    piece: Piece | None = None,
    reference: str = "",
    user=None,
):
    """Bring units into stock at a location, into quality control: nobody may sell them before inspection."""
    return move_stock(
        sku=sku,
        location=location,
        quantity=quantity,
        piece=piece,
        source=None,
        target=Slot(Position.QUALITY_CONTROL),
        reason=StockMove.Reason.RECEIPT,
        reference=reference,
        node=location.node,
        user=user,
    )


def release_stock(
    *,
    sku: SKU,
    location: Location,
    quantity: int = 1,
    piece: Piece | None = None,
    channel: Channel | None = None,
    reference: str = "",
    user=None,
):
    """Move inspected units out of quality control, for sale by `channel` (default the web store).

    Called by quality.inspections.record_inspection only; raises InsufficientStock when the units are not
    (or no longer) in quality control.
    """
    return move_stock(
        sku=sku,
        location=location,
        quantity=quantity,
        piece=piece,
        source=Slot(Position.QUALITY_CONTROL),
        target=Slot(Position.AVAILABLE, channel or web_store(location.cooperative)),
        reason=StockMove.Reason.RELEASE,
        reference=reference,
        node=location.node,
        user=user,
    )


def move_rights(
    *,
    sku: SKU,
    location: Location,
    quantity: int,
    source: Channel,
    target: Channel,
    piece: Piece | None = None,
    user=None,
):
    """Hand the right to sell available units from one channel to another (the current holder writes it)."""
    if source.cooperative_id != target.cooperative_id or source.pk == target.pk:
        raise ValueError("rights move between two channels of the same cooperative")
    return move_stock(
        sku=sku,
        location=location,
        quantity=quantity,
        piece=piece,
        source=Slot(Position.AVAILABLE, source),
        target=Slot(Position.AVAILABLE, target),
        reason=StockMove.Reason.RIGHTS,
        node=source.node,
        user=user,
    )
