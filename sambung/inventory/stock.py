"""Receiving stock and moving selling rights between channels; every change goes through ledger.move_stock."""

from django.db import transaction

from sambung.catalog.models import SKU, Cooperative, Location, Node, Piece
from sambung.inventory.ledger import Slot, move_stock
from sambung.inventory.models import Channel, Position, StockMove


def web_store(cooperative: Cooperative) -> Channel:
    """Return the cooperative's web store channel, creating it (owned by the centre node) on first use."""
    channel = Channel.objects.filter(cooperative=cooperative, kind=Channel.Kind.WEB).first()
    if channel is not None:
        return channel
    centre, _ = Node.objects.get_or_create(kind=Node.Kind.CENTRE, defaults={"name": "Sambung"})
    with transaction.atomic():
        channel, _ = Channel.objects.get_or_create(
            cooperative=cooperative, kind=Channel.Kind.WEB, defaults={"node": centre, "name": "Toko web"}
        )
    return channel


def receive_stock(
    *,
    sku: SKU,
    location: Location,
    quantity: int = 1,
    piece: Piece | None = None,
    channel: Channel | None = None,
    reference: str = "",
    user=None,
):
    """Bring units into stock: for sale by `channel` (default the web store), or into quality control."""
    target = Slot(Position.AVAILABLE, channel or web_store(location.cooperative))
    return move_stock(
        sku=sku,
        location=location,
        quantity=quantity,
        piece=piece,
        source=None,
        target=target,
        reason=StockMove.Reason.RECEIPT,
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
