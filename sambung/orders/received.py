"""Orders as another node wrote them: check each row an order event carries, then save it (sync.apply calls this).

An order is placed at the centre and then changes only its status, each change recorded as an OrderEvent row;
its lines and events never change once written. So a received row is checked against what this node already
holds: an order may bring a new status and nothing else, a line or an event must be the same as before, and a
new one must hang together (a piece line is that piece's SKU, one unit; a line's goods, place and channel belong
to the order's cooperative; only a cancellation has a reason).

The status itself is not checked against the one held here: nodes receive an order's versions in different
orders and keep the latest by event id (sync.apply), so a check that depended on the version held here would
let two nodes end in different states. Conflicting statuses are prevented where they are written instead:
orders.routing gives each step of an order one node that may take it.
"""

from django.db import models
from django.utils.translation import gettext as _

from sambung.catalog.models import SKU, Location, Piece
from sambung.inventory.models import Channel
from sambung.orders.models import Checkout, Order, OrderEvent, OrderLine, ShippingRate
from sambung.orders.shipping_rates import save_shipping_rate


class InvalidOrderRow(ValueError):
    """A received order row that cannot be saved; nothing of it was written."""


def _differences(existing: models.Model, received: models.Model, *, may_change: frozenset[str]) -> list[str]:
    return [
        field.name
        for field in type(received)._meta.concrete_fields
        if field.attname not in may_change
        and not getattr(field, "auto_now_add", False)  # stamped by each node's clock, restored by the caller
        and getattr(existing, field.attname) != getattr(received, field.attname)
    ]


def save_received_order(*, order: Order) -> Order:
    """Save an order from another node: new, or the one held here with a new status."""
    existing = Order.objects.filter(pk=order.pk).first()
    if existing is None:
        order.save(force_insert=True)
        return order
    changed = _differences(existing, order, may_change=frozenset({"status"}))
    if changed:
        raise InvalidOrderRow(
            _("Order %(code)s may change only its status once placed (received: %(fields)s).")
            % {"code": existing.code, "fields": ", ".join(changed)}
        )
    Order.objects.filter(pk=order.pk).update(status=order.status)
    return order


def save_received_line(*, line: OrderLine) -> OrderLine:
    """Save an order line from another node; a line never changes once written."""
    existing = OrderLine.objects.filter(pk=line.pk).first()
    if existing is not None:
        if _differences(existing, line, may_change=frozenset()):
            raise InvalidOrderRow(_("Line %(id)s of an order cannot change once written.") % {"id": line.pk})
        return existing
    order = Order.objects.get(pk=line.order_id)
    sku = SKU.objects.select_related("product").get(pk=line.sku_id)
    places = [
        sku.product.cooperative_id,
        Location.objects.values_list("cooperative_id", flat=True).get(pk=line.location_id),
        Channel.objects.values_list("cooperative_id", flat=True).get(pk=line.channel_id),
    ]
    if any(cooperative != order.cooperative_id for cooperative in places):
        raise InvalidOrderRow(
            _("A line of order %(code)s names goods, a place or a channel of another cooperative.")
            % {"code": order.code}
        )
    if line.piece_id is not None and (
        Piece.objects.values_list("sku_id", flat=True).get(pk=line.piece_id) != sku.pk or line.quantity != 1
    ):
        raise InvalidOrderRow(
            _("A line of order %(code)s sells one piece of the piece's own SKU.") % {"code": order.code}
        )
    if line.quantity < 1 or line.unit_price < 0:
        raise InvalidOrderRow(
            _("A line of order %(code)s needs at least one unit and a price.") % {"code": order.code}
        )
    line.save(force_insert=True)
    return line


def save_received_event(*, event: OrderEvent) -> OrderEvent:
    """Save a step of an order from another node; a step, once recorded, never changes."""
    existing = OrderEvent.objects.filter(pk=event.pk).first()
    if existing is not None:
        if _differences(existing, event, may_change=frozenset()):
            raise InvalidOrderRow(_("A recorded step of an order cannot change."))
        return existing
    if bool(event.cancel_reason) != (event.kind == OrderEvent.Kind.CANCELLED):
        raise InvalidOrderRow(_("Only a cancellation of an order has a reason, and it always has one."))
    event.save(force_insert=True)
    return event


def save_received_checkout(*, checkout: Checkout) -> Checkout:
    """Save the checkout an order came from (carried along for reference, written once)."""
    if not Checkout.objects.filter(pk=checkout.pk).exists():
        checkout.save(force_insert=True)
    return checkout


def save_received_row(row: models.Model) -> models.Model:
    """Save one row of an order event (or a shipping rate) through the check for its kind."""
    if isinstance(row, Order):
        return save_received_order(order=row)
    if isinstance(row, OrderLine):
        return save_received_line(line=row)
    if isinstance(row, OrderEvent):
        return save_received_event(event=row)
    if isinstance(row, Checkout):
        return save_received_checkout(checkout=row)
    if isinstance(row, ShippingRate):
        return save_shipping_rate(rate=row)
    raise TypeError(f"not an order row: {type(row).__name__}")
