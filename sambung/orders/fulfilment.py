"""After the order: payment, packing, shipping, delivery, returns and cancellations — each an OrderEvent row.

Order.status caches the latest state and is changed by one guarded UPDATE (`WHERE status = <expected>`), so
two staff members pressing different buttons at once cannot both win.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sambung.inventory.ledger import Slot, move_stock
from sambung.inventory.models import Position, StockMove
from sambung.orders import made_to_order, notifications
from sambung.orders.models import CancelReason, Order, OrderEvent, OrderStatus
from sambung.orders.routing import Step, check
from sambung.sync import outbox
from sambung.sync import requests as sync_requests

S = OrderStatus
NEXT: dict[str, set[str]] = {
    S.AWAITING_PAYMENT: {S.PAID, S.CANCELLED},
    S.PAID: {S.PACKING, S.SHIPPED, S.CANCELLED},
    S.PACKING: {S.SHIPPED, S.CANCELLED},
    S.SHIPPED: {S.DELIVERED, S.RETURNED},
    S.DELIVERED: {S.RETURNED},
    S.RETURNED: set(),
    S.CANCELLED: set(),
}


class InvalidTransition(ValueError):
    """The order is not in a state where this step makes sense (or someone else just changed it)."""


def _advance(order: Order, new: str, kind: str, *, user=None, **event_fields) -> OrderEvent:
    _refuse_unless_next(order, new)
    if not Order.objects.filter(pk=order.pk, status=order.status).update(status=new):
        raise InvalidTransition(
            _("Order %(code)s was changed by someone else; reload it.") % {"code": order.code}
        )
    order.status = new
    event = OrderEvent.objects.create(order=order, kind=kind, actor=user, **event_fields)
    outbox.emit_order(order)
    return event


def _refuse_until_every_line_has_its_pieces(order: Order) -> None:
    waiting = [line for line in order.lines.all() if made_to_order.pieces_missing(line)]
    if waiting:
        raise InvalidTransition(
            _("Order %(code)s cannot be packed or shipped yet. %(waiting)s")
            % {"code": order.code, "waiting": made_to_order.waiting_message(waiting)}
        )


def _move_lines(order: Order, *, source, target, reason: str, user=None, lines=None) -> None:
    """Move the stock committed at checkout (of `lines`, else every line); lines made to order move none here.

    A line whose units a hub handed over to the town warehouse has them there (orders.handover).
    """
    from sambung.orders.handover import places

    handed_over = places(order)
    for line in (order.lines.all() if lines is None else lines).select_related(
        "sku", "piece", "location", "channel__node"
    ):
        if line.made_to_order:
            continue
        move_stock(
            sku=line.sku,
            piece=line.piece,
            location=handed_over.get(line.pk, line.location),
            quantity=line.quantity,
            source=source(line) if source else None,
            target=target(line) if target else None,
            reason=reason,
            reference=order.code,
            node=line.channel.node,
            user=user,
        )


def confirm_payment(*, order: Order, user=None, note: str = "") -> Order:
    """Record that the buyer's payment arrived (staff check the bank or QRIS statement)."""
    check(order, Step.PAY)
    with transaction.atomic():
        _advance(order, S.PAID, OrderEvent.Kind.PAID, user=user, note=note)
        notifications.order_paid(order)
    return order


def start_packing(*, order: Order, user=None) -> Order:
    check(order, Step.PACK)
    with transaction.atomic():
        _refuse_until_every_line_has_its_pieces(order)
        _advance(order, S.PACKING, OrderEvent.Kind.PACKING, user=user)
    return order


def ship_order(*, order: Order, courier: str, tracking_number: str, user=None) -> Order:
    """Hand the parcel to the courier: the committed units leave stock."""
    courier, tracking_number = courier.strip(), tracking_number.strip()
    if not courier or not tracking_number:
        raise InvalidTransition(_("Enter the courier and the tracking number."))
    check(order, Step.SHIP)
    with transaction.atomic():
        _refuse_until_every_line_has_its_pieces(order)
        _advance(
            order,
            S.SHIPPED,
            OrderEvent.Kind.SHIPPED,
            user=user,
            courier=courier,
            tracking_number=tracking_number,
        )
        _move_lines(
            order,
            source=lambda line: Slot(Position.COMMITTED, line.channel),
            target=None,
            reason=StockMove.Reason.SHIPMENT,
            user=user,
        )
        for line in order.lines.filter(made_to_order=True):
            made_to_order.ship_made_pieces(line=line, reference=order.code, user=user)
        notifications.order_shipped(order)
    return order


def record_delivery(*, order: Order, user=None, note: str = "") -> Order:
    check(order, Step.DELIVER)
    with transaction.atomic():
        _advance(order, S.DELIVERED, OrderEvent.Kind.DELIVERED, user=user, note=note)
    return order


def record_return(*, order: Order, user=None, note: str = "") -> Order:
    """The parcel came back: its units re-enter stock in quality control, to be checked before sale."""
    check(order, Step.RETURN)
    with transaction.atomic():
        _advance(order, S.RETURNED, OrderEvent.Kind.RETURNED, user=user, note=note)
        _move_lines(
            order,
            source=None,
            target=lambda line: Slot(Position.QUALITY_CONTROL),
            reason=StockMove.Reason.RETURN,
            user=user,
        )
        for line in order.lines.filter(made_to_order=True):
            made_to_order.return_made_pieces(line=line, reference=order.code, user=user)
    return order


def cancel_order(*, order: Order, reason: str, user=None, note: str = "") -> Order:
    """Cancel before shipping. The units go back on sale — unless the seller had none to send.

    Units held at enrolled hubs are moved only by those hubs: the cancellation is then asked of each of them
    (sync.requests), and `order.step_message` says so.
    """
    if reason not in CancelReason.values:
        raise InvalidTransition(_("Choose why the order is cancelled."))
    hubs = sync_requests.holding_hubs(order)
    if hubs:
        _refuse_unless_next(order, S.CANCELLED)
        sync_requests.request_cancel(order=order, hubs=hubs, reason=reason, user=user, note=note)
        names = ", ".join(hub.name for hub in hubs)
        if len(hubs) == 1 and not sync_requests.is_shared(order):
            order.step_message = _(
                "Cancellation of %(code)s sent to hub %(hub)s: it is carried out there at the hub's next sync, "
                "unless the parcel has already shipped."
            ) % {"code": order.code, "hub": names}
        else:
            order.step_message = _(
                "Cancellation of %(code)s asked of hubs %(hubs)s: the order is cancelled once every hub has "
                "agreed at its next sync; a hub whose part has already shipped refuses, and then the order stays."
            ) % {"code": order.code, "hubs": names}
        return order
    check(order, Step.CANCEL)
    with transaction.atomic():
        _advance(order, S.CANCELLED, OrderEvent.Kind.CANCELLED, user=user, cancel_reason=reason, note=note)
        _release_lines(order, order.lines.all(), reason=reason, user=user)
    return order


def _refuse_unless_next(order: Order, new: str) -> None:
    if new not in NEXT[order.status]:
        raise InvalidTransition(
            _("Order %(code)s is %(status)s; it cannot become %(new)s.")
            % {"code": order.code, "status": order.get_status_display(), "new": OrderStatus(new).label}
        )


def _release_lines(order: Order, lines, *, reason: str, user=None) -> None:
    """Give the lines' committed units back to their channel (or out of stock: the seller had none to send).

    A line made to order releases its pledge: the makers' work goes on, for stock (production.pledges.
    release_order_line_work says why), and pieces already made for it go on sale.
    """
    from sambung.production.pledges import release_order_line_work

    back_on_sale = reason != CancelReason.SELLER_NO_STOCK
    _move_lines(
        order,
        lines=lines,
        source=lambda line: Slot(Position.COMMITTED, line.channel),
        target=(lambda line: Slot(Position.AVAILABLE, line.channel)) if back_on_sale else None,
        reason=StockMove.Reason.CANCEL,
        user=user,
    )
    for line in lines.filter(made_to_order=True):
        made_to_order.release_made_pieces(line=line, reference=order.code, user=user)
        release_order_line_work(order_line=line, user=user)


def has_shipped_from(*, order: Order, node) -> bool:
    """True when units of the order already left stock at the node's locations (shipped, or handed over)."""
    return StockMove.objects.filter(
        reference=order.code,
        reason__in=(StockMove.Reason.SHIPMENT, StockMove.Reason.TRANSFER_OUT),
        location__node=node,
    ).exists()


def cancel_as_agreed(*, order: Order, reason: str, note: str = "", username: str = "") -> Order:
    """At the centre: cancel a shared order every hub holding a part agreed to cancel (sync.requests).

    The centre writes the order's new status and gives back the units it holds itself; each hub gives back its
    own part when it sees the order cancelled (release_part).
    """
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(username=username).first() if username else None
    hubs = {hub.pk for hub in sync_requests.holding_hubs(order)}
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if S.CANCELLED not in NEXT[order.status]:
            return order  # changed meanwhile (cancelled already): nothing more to do
        _advance(order, S.CANCELLED, OrderEvent.Kind.CANCELLED, user=user, cancel_reason=reason, note=note)
        _release_lines(order, order.lines.exclude(location__node__in=hubs), reason=reason, user=user)
    return order


def release_part(*, order: Order, node, reason: str) -> int:
    """At a hub: give back the units of its lines of a shared order the centre cancelled; return lines released.

    Done once: a part already given back has its cancel moves in the ledger.
    """
    mine = order.lines.filter(location__node=node)
    with transaction.atomic():
        if StockMove.objects.filter(
            reference=order.code, reason=StockMove.Reason.CANCEL, location__node=node
        ).exists():
            return 0
        _release_lines(order, mine, reason=reason)
    return mine.count()


def expire_unpaid_orders(*, cooperative=None, now=None) -> int:
    """Cancel every order still unpaid after its pay-by time, giving its stock back; return how many."""
    count = 0
    overdue = Order.objects.filter(status=S.AWAITING_PAYMENT, pay_by__lt=now or timezone.now())
    if cooperative is not None:
        overdue = overdue.filter(cooperative=cooperative)
    for order in overdue:
        if not sync_requests.may_expire_here(order) or sync_requests.pending_request(order) is not None:
            continue  # the centre's order (at a hub), or its cancellation already asked of the hub
        try:
            cancel_order(order=order, reason=CancelReason.PAYMENT_EXPIRED)
            count += 1
        except InvalidTransition:
            continue  # paid or cancelled a moment ago
    return count
