"""Cancelling an order whose units sit at a hub: asked for at the centre, carried out by that hub.

One writer per slot (DESIGN.md §5): units committed to an order at a hub's location are moved only by that
hub. A cancellation at the centre (a manager's, or the expiry of an unpaid order) therefore becomes a
CancelRequest that travels to the hub as an `order.cancel_request` event. At its next sync the hub cancels the
order through the same cancel_order the office calls — if the parcel has not shipped — and answers with an
`order.cancel_answer` event: done, or refused because the parcel had already left. A hub's cancel and a hub's
shipment can no longer race: both happen at the hub, one after the other.
"""

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from sambung.catalog.models import Node
from sambung.sync import outbox
from sambung.sync.models import CancelRequest, Peer, RowVersion
from sambung.sync.node import this_node


def holding_hub(order) -> Node | None:
    """The enrolled hub whose location holds the order's units, when not this node (None: they move here).

    A hub node that never enrolled (no Peer) does not sync: its locations are run from the centre as before.
    """
    me = this_node()
    for line in order.lines.select_related("location__node").order_by("pk"):
        node = line.location.node
        if (
            node is not None
            and node.kind == Node.Kind.HUB
            and node.pk != me.pk
            and Peer.objects.filter(node=node).exists()
        ):
            return node
    return None


def pending_request(order) -> CancelRequest | None:
    return order.cancel_requests.filter(state=CancelRequest.State.PENDING).first()


def request_cancel(*, order, hub: Node, reason: str, user=None, note: str = "") -> CancelRequest:
    """Record and send a request that `hub` cancel the order; a pending one is returned, not repeated."""
    with transaction.atomic():
        existing = pending_request(order)
        if existing is not None:
            return existing
        request = CancelRequest.objects.create(
            order=order,
            hub=hub,
            reason=reason,
            note=note[:300],
            requested_by=getattr(user, "username", "") or "",
            requested_at=timezone.now(),
        )
        outbox.emit(
            "order.cancel_request",
            {
                "id": str(request.pk),
                "order": str(order.pk),
                "hub": str(hub.pk),
                "reason": reason,
                "note": request.note,
                "by": request.requested_by,
                "at": request.requested_at.isoformat(),
            },
            cooperative_id=order.cooperative_id,
        )
    return request


def may_expire_here(order) -> bool:
    """A hub expires only orders it placed itself: the centre owns the online orders it sent."""
    me = this_node()
    if me.kind != Node.Kind.HUB:
        return True
    version = RowVersion.objects.filter(label="orders.order", row_id=str(order.pk)).first()
    return version is None or version.origin == me.pk


def carry_out_requests() -> int:
    """At a hub: cancel the orders the centre asked it to cancel, or refuse if shipped; return how many answered."""
    from sambung.orders.fulfilment import NEXT, cancel_order
    from sambung.orders.models import Order, OrderStatus

    me = this_node()
    if me.kind != Node.Kind.HUB:
        return 0
    answered = 0
    for request in CancelRequest.objects.filter(hub=me, state=CancelRequest.State.PENDING).order_by(
        "requested_at", "pk"
    ):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=request.order_id)
            if order.status == OrderStatus.CANCELLED:
                state = CancelRequest.State.DONE
            elif OrderStatus.CANCELLED in NEXT[order.status]:
                cancel_order(order=order, reason=request.reason, note=request.note)
                state = CancelRequest.State.DONE
            else:
                state = CancelRequest.State.REFUSED
            answer(request, state=state, status=order.status)
        answered += 1
    return answered


def answer(request: CancelRequest, *, state: str, status: str) -> None:
    """Record the hub's answer here and send it to the centre (status: the order's status at the hub)."""
    request.state, request.answer, request.answered_at = state, status, timezone.now()
    request.save(update_fields=["state", "answer", "answered_at"])
    outbox.emit(
        "order.cancel_answer",
        {"id": str(request.pk), "state": state, "status": status, "at": request.answered_at.isoformat()},
        cooperative_id=request.order.cooperative_id,
    )


def apply_request(payload: dict, origin: Node, waiting: type[Exception], refused: type[Exception]) -> None:
    """Apply an `order.cancel_request` from the centre (kept at the hub it names, and shown at every node)."""
    from sambung.orders.models import CancelReason, Order

    if origin.kind == Node.Kind.HUB:
        raise refused(f"out of scope: only the centre asks for cancellations (sent by hub {origin.name})")
    try:
        request_id, order_id, hub_id = payload["id"], payload["order"], payload["hub"]
        reason, note, by = payload["reason"], str(payload.get("note", "")), str(payload.get("by", ""))
        at = parse_datetime(payload["at"])
    except (KeyError, TypeError, ValueError):
        raise refused("malformed cancel request") from None
    if reason not in CancelReason.values or at is None:
        raise refused("malformed cancel request")
    if CancelRequest.objects.filter(pk=request_id).exists():
        return
    order = Order.objects.filter(pk=order_id).first()
    hub = Node.objects.filter(pk=hub_id, kind=Node.Kind.HUB).first()
    if order is None or hub is None:
        raise waiting(f"waiting for order {order_id} or hub {hub_id}")
    CancelRequest.objects.create(
        id=request_id, order=order, hub=hub, reason=reason, note=note[:300], requested_by=by[:150],
        requested_at=at,
    )  # fmt: skip


def apply_answer(payload: dict, origin: Node, waiting: type[Exception], refused: type[Exception]) -> None:
    """Apply a hub's `order.cancel_answer` to the request it names (only the hub asked may answer)."""
    try:
        request_id, state, status = payload["id"], payload["state"], str(payload["status"])[:2000]
        at = parse_datetime(payload["at"])
    except (KeyError, TypeError, ValueError):
        raise refused("malformed cancel answer") from None
    if state not in (CancelRequest.State.DONE, CancelRequest.State.REFUSED) or at is None:
        raise refused("malformed cancel answer")
    request = CancelRequest.objects.filter(pk=request_id).first()
    if request is None:
        raise waiting(f"waiting for cancel request {request_id}")
    if request.hub_id != origin.pk:
        raise refused(f"out of scope: {origin.name} answered a request sent to another hub")
    CancelRequest.objects.filter(pk=request.pk).update(state=state, answer=status, answered_at=at)
