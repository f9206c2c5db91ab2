"""A hub hands its part of an order to the cooperative's town warehouse; the centre then packs and ships it all.

No row of the order changes (orders.received: lines never change once written): the hand-over is read from the
ledger. The hub's committed units leave its location by TRANSFER_OUT moves (reference = the order's code) — a
hub may move committed units at its own locations, so the moves apply at the centre within the hub's scope.
The centre receives each of them at the warehouse by a TRANSFER_IN whose id is derived from the TRANSFER_OUT's:
a receipt is paired with the units it receives, and pressing the button twice (or at two desks) receives them
once.

A line is held at its location until its part is received at the warehouse, and at the warehouse after: the
ledger writers (fulfilment) move its units there, and routing gives the order's steps to the centre.
"""

import uuid
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from sambung.catalog.models import Location, Node
from sambung.inventory.ledger import Slot, move_stock
from sambung.inventory.models import Position, StockMove
from sambung.orders.models import Order, OrderLine, OrderStatus
from sambung.sync.node import this_node

# Fixed forever: every node derives the same receipt id from a hand-over move.
RECEIPT_NAMESPACE = uuid.UUID("8d7c5b0e-3f4a-4c61-9a57-2b6e0f1d9c43")
HANDED_OVER_FROM = frozenset({OrderStatus.PAID, OrderStatus.PACKING})


def receipt_id(move_id: uuid.UUID) -> uuid.UUID:
    return uuid.uuid5(RECEIPT_NAMESPACE, str(move_id))


@dataclass
class Part:
    """The lines of an order at one location, and the moves that sent them to the warehouse."""

    location: Location
    lines: list[OrderLine]
    sent: list[StockMove] = field(default_factory=list)
    received: list[StockMove] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        """Every unit of the part left (the hub sends them in one transaction, but a frame may carry only some)."""
        return sum(move.quantity for move in self.sent) == sum(line.quantity for line in self.lines)

    @property
    def at_warehouse(self) -> bool:
        return self.complete and len(self.received) == len(self.sent)

    @property
    def on_the_way(self) -> bool:
        return bool(self.sent) and not self.at_warehouse


def parts(order: Order) -> list[Part]:
    """The parts of the order a hub handed over (on their way or received), by location."""
    by_location: dict = {}
    for line in order.lines.select_related("location__node").order_by("pk"):
        by_location.setdefault(line.location_id, Part(location=line.location, lines=[])).lines.append(line)
    sent = StockMove.objects.filter(
        reference=order.code, reason=StockMove.Reason.TRANSFER_OUT, location_id__in=list(by_location)
    ).order_by("created_at", "pk")
    for move in sent:
        by_location[move.location_id].sent.append(move)
    handed = [part for part in by_location.values() if part.sent]
    receipts = {
        move.pk: move
        for move in StockMove.objects.filter(
            pk__in=[receipt_id(move.pk) for part in handed for move in part.sent]
        ).select_related("location")
    }
    for part in handed:
        part.received = [
            receipts[receipt_id(move.pk)] for move in part.sent if receipt_id(move.pk) in receipts
        ]
    return handed


def places(order: Order) -> dict:
    """Line id → the warehouse, for the lines whose units were received there (the others are at their location)."""
    return {
        line.pk: part.received[0].location
        for part in parts(order)
        if part.at_warehouse
        for line in part.lines
    }


def hand_over_to_warehouse(*, order: Order, user=None) -> list[StockMove]:
    """At a hub: send the units committed to the order's lines here to the town warehouse (TRANSFER_OUT)."""
    from sambung.orders.fulfilment import InvalidTransition
    from sambung.sync import requests as sync_requests

    me = this_node()
    if me.kind != Node.Kind.HUB:
        raise InvalidTransition(_("Only a hub hands its items over to the town warehouse."))
    mine = order.lines.filter(location__node=me).select_related("sku", "piece", "location", "channel__node")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in HANDED_OVER_FROM:
            raise InvalidTransition(
                _("Order %(code)s is %(status)s: only a paid order not yet shipped is handed over.")
                % {"code": order.code, "status": order.get_status_display()}
            )
        if sync_requests.pending_request(order) is not None or sync_requests.is_held_back(order):
            raise InvalidTransition(
                _("Order %(code)s is being cancelled: its items stay here until the cancellation is settled.")
                % {"code": order.code}
            )
        if not mine.exists():
            raise InvalidTransition(
                _("No item of order %(code)s is held at this hub.") % {"code": order.code}
            )
        if mine.filter(made_to_order=True).exists():
            raise InvalidTransition(
                _("Order %(code)s has items made to order: this hub packs and ships them itself.")
                % {"code": order.code}
            )
        if any(part.location.node_id == me.pk for part in parts(order)):
            raise InvalidTransition(
                _("The items of %(code)s were already handed over to the town warehouse.")
                % {"code": order.code}
            )
        if not Location.objects.filter(
            cooperative=order.cooperative, kind=Location.Kind.WAREHOUSE, node__kind=Node.Kind.CENTRE
        ).exists():
            raise InvalidTransition(_("The cooperative has no town warehouse to hand the items to."))
        return [
            move_stock(
                sku=line.sku,
                piece=line.piece,
                location=line.location,
                quantity=line.quantity,
                source=Slot(Position.COMMITTED, line.channel),
                target=None,
                reason=StockMove.Reason.TRANSFER_OUT,
                reference=order.code,
                node=line.channel.node,
                user=user,
            )
            for line in mine
        ]


def receive_at_warehouse(*, order: Order, user=None) -> list[StockMove]:
    """At the centre: the units hubs sent for the order enter the town warehouse, committed to it (TRANSFER_IN)."""
    from sambung.orders.fulfilment import InvalidTransition

    if this_node().kind == Node.Kind.HUB:
        raise InvalidTransition(_("Items handed over are received at the town warehouse, at the centre."))
    warehouse = (
        Location.objects.filter(
            cooperative=order.cooperative, kind=Location.Kind.WAREHOUSE, node__kind=Node.Kind.CENTRE
        )
        .order_by("name", "pk")
        .first()
    )
    if warehouse is None:
        raise InvalidTransition(_("The cooperative has no town warehouse to receive the items."))
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status not in HANDED_OVER_FROM:
            raise InvalidTransition(
                _("Order %(code)s is %(status)s: its items are no longer received.")
                % {"code": order.code, "status": order.get_status_display()}
            )
        done = {move.pk for part in parts(order) for move in part.received}
        waiting = [move for part in parts(order) for move in part.sent if receipt_id(move.pk) not in done]
        if not waiting:
            raise InvalidTransition(
                _("Nothing of order %(code)s is on its way to the warehouse.") % {"code": order.code}
            )
        return [
            move_stock(
                sku=move.sku,
                piece=move.piece,
                location=warehouse,
                quantity=move.quantity,
                source=None,
                target=Slot(Position.COMMITTED, move.source_channel),
                reason=StockMove.Reason.TRANSFER_IN,
                reference=order.code,
                move_id=receipt_id(move.pk),
                node=move.node,
                user=user,
            )
            for move in waiting
        ]
