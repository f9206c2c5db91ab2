"""Selling rights between the online store and a hub's stall (DESIGN.md §3): who may sell which units.

`inventory.stock.move_rights` moves one piece or a number of units; a request from the rights page moves several
at once, all or nothing, and must be harmless when its form is submitted twice. So this module writes its moves
through `inventory.ledger.move_stock` itself, with move ids derived from the form's request id and a reference that
groups them, exactly as move_rights does otherwise (same positions, reason and node: the current holder writes).
"""

import hashlib
import uuid

from django.db import transaction
from django.utils.translation import gettext as _

from sambung.catalog.models import SKU, Cooperative, Location, Node, Piece
from sambung.inventory.ledger import InsufficientStock, Slot, move_stock
from sambung.inventory.models import Channel, Position, StockMove

MAX_UNITS = 9999
RANDOM_BITS = (1 << 62) - 1  # the low 62 bits of a UUIDv7 ("rand_b"); the rest holds its time and version


class RightsError(ValueError):
    """Rights that cannot be moved; the message says why. Nothing was moved."""


def derived_move_id(request_id: uuid.UUID, key: str) -> uuid.UUID:
    """Return a UUIDv7 with the request's time and random bits mixed with `key`: the same inputs, the same id."""
    mix = int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big") & RANDOM_BITS
    return uuid.UUID(int=request_id.int ^ mix)


def move_selling_rights(
    *,
    location: Location,
    source: Channel,
    target: Channel,
    request_id: uuid.UUID,
    pieces: list[Piece] = (),
    units: list[tuple[SKU, int]] = (),
    user=None,
) -> list[StockMove]:
    """Hand the right to sell the pieces, and the units of counted SKUs, at the location from source to target."""
    cooperative_id = source.cooperative_id
    if target.cooperative_id != cooperative_id or location.cooperative_id != cooperative_id:
        raise RightsError(
            _("Rights move between channels of one cooperative, for stock of that cooperative.")
        )
    if source.pk == target.pk:
        raise RightsError(_("Choose another channel to hand the rights to."))
    if target.kind == Channel.Kind.STALL and target.node_id != location.node_id:
        raise RightsError(
            _("%(stall)s sells only what lies at its own hub; %(location)s is elsewhere.")
            % {"stall": target.name, "location": location.name}
        )
    if not pieces and not units:
        raise RightsError(_("Choose pieces, or a number of units, to move."))
    if any(piece.sku.product.cooperative_id != cooperative_id for piece in pieces):
        raise RightsError(_("A piece chosen is not the cooperative's."))
    if len({piece.pk for piece in pieces}) != len(pieces):
        raise RightsError(_("A piece is chosen twice."))
    for sku, quantity in units:
        if sku.product.cooperative_id != cooperative_id:
            raise RightsError(_("A product chosen is not the cooperative's."))
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_UNITS:
            raise RightsError(
                _("The number of units must be a whole number from 1 to %(max)s.") % {"max": MAX_UNITS}
            )
        if sku.is_unique:
            raise RightsError(_("%(sku)s is sold piece by piece: choose the pieces.") % {"sku": sku.code})
    if len({sku.pk for sku, _quantity in units}) != len(units):
        raise RightsError(_("A product is chosen twice."))
    moves = []
    reference = f"rights:{request_id}"
    with transaction.atomic():
        for piece in pieces:
            moves.append(_move(piece.sku, piece, 1, location, source, target, request_id, reference, user))
        for sku, quantity in units:
            moves.append(_move(sku, None, quantity, location, source, target, request_id, reference, user))
    return moves


def _move(sku, piece, quantity, location, source, target, request_id, reference, user) -> StockMove:
    # One request may move the same SKU between other channels elsewhere: the key names the whole move.
    key = f"{location.pk}:{source.pk}:{target.pk}:" + (f"piece:{piece.pk}" if piece else f"sku:{sku.pk}")
    try:
        return move_stock(
            sku=sku,
            piece=piece,
            location=location,
            quantity=quantity,
            source=Slot(Position.AVAILABLE, source),
            target=Slot(Position.AVAILABLE, target),
            reason=StockMove.Reason.RIGHTS,
            reference=reference,
            move_id=derived_move_id(request_id, key),
            node=source.node,
            user=user,
        )
    except InsufficientStock as error:
        if piece is not None:
            message = _("%(source)s does not hold %(piece)s at %(location)s (any more): it was not moved.")
            raise RightsError(
                message % {"source": source.name, "piece": piece.code, "location": location.name}
            ) from None
        raise RightsError(
            _(
                "%(source)s holds only %(available)s of %(sku)s at %(location)s; %(requested)s asked. Nothing moved."
            )
            % {
                "source": source.name,
                "available": error.available,
                "sku": sku.code,
                "location": location.name,
                "requested": quantity,
            }
        ) from None


def open_stall(*, cooperative: Cooperative, node: Node, name: str) -> Channel:
    """Return the hub's market stall channel, opening it when the hub has none."""
    if node.kind != Node.Kind.HUB or node.cooperative_id != cooperative.pk:
        raise RightsError(_("A market stall belongs to one of the cooperative's hubs."))
    name = name.strip()[:120]
    if not name:
        raise RightsError(_("Give the stall a name."))
    with transaction.atomic():
        existing = Channel.objects.filter(cooperative=cooperative, node=node, kind=Channel.Kind.STALL).first()
        if existing is not None:
            return existing
        if Channel.objects.filter(cooperative=cooperative, name=name).exists():
            raise RightsError(_("Another channel is already called %(name)s.") % {"name": name})
        return Channel.objects.create(cooperative=cooperative, node=node, kind=Channel.Kind.STALL, name=name)
