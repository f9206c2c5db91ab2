"""Cancelling an order whose units sit at hubs: asked for at the centre, carried out by the hubs that hold them.

One writer per slot (DESIGN.md §5): units committed to an order at a hub's location are moved only by that
hub. A cancellation at the centre (a manager's, or the expiry of an unpaid order) therefore becomes one
CancelRequest per hub holding a line, each travelling as an `order.cancel_request` event; the requests asked
together (one round) share their `requested_at`.

- An order held by one hub alone: at its next sync the hub cancels it through the same cancel_order the office
  calls — if the parcel has not shipped — and answers `order.cancel_answer`: done, or refused.
- An order shared by several holders (two hubs, or a hub and the centre): no holder may cancel alone, or one
  part could go back on sale while another ships. Each hub answers first — done means "agreed: my part is
  held back and will not ship", refused means "my part has already shipped". Only when every hub asked has
  agreed does the centre cancel the order (its status, and the units the centre itself holds); each hub then
  puts its own part back on sale at its next sync, when it sees the order cancelled. One refusal calls the
  round off: the order is not cancelled and the hubs that had agreed may ship their parts again.
"""

from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from sambung.catalog.models import Node
from sambung.sync import outbox
from sambung.sync.models import CancelRequest, Peer, RowVersion
from sambung.sync.node import this_node


def holding_hubs(order) -> list[Node]:
    """The enrolled hubs, other than this node, whose locations hold lines of the order (each once, in line order).

    A hub node that never enrolled (no Peer) does not sync: its locations are run from the centre as before. A
    line whose units were received at the town warehouse is held there (orders.handover), no longer at its hub.
    """
    from sambung.orders.handover import places

    at_warehouse = places(order)
    me = this_node()
    enrolled = set(Peer.objects.values_list("node_id", flat=True))
    hubs: dict = {}
    for line in order.lines.select_related("location__node").order_by("pk"):
        if line.pk in at_warehouse:
            continue
        node = line.location.node
        if node.kind == Node.Kind.HUB and node.pk != me.pk and node.pk in enrolled:
            hubs.setdefault(node.pk, node)
    return list(hubs.values())


def is_shared(order) -> bool:
    """True when the order's lines lie at locations of more than one node (read the same way on every node)."""
    return order.lines.values("location__node").distinct().count() > 1


def pending_request(order) -> CancelRequest | None:
    return order.cancel_requests.filter(state=CancelRequest.State.PENDING).first()


def latest_round(order) -> list[CancelRequest]:
    """The requests of the cancellation asked last (asked together, they share their time)."""
    last = order.cancel_requests.order_by("-requested_at").values_list("requested_at", flat=True).first()
    if last is None:
        return []
    return list(order.cancel_requests.filter(requested_at=last).select_related("hub").order_by("hub__name"))


def request_cancel(*, order, hubs: list[Node], reason: str, user=None, note: str = "") -> list[CancelRequest]:
    """Record and send a request to each hub that it cancel the order; a pending round is returned, not repeated."""
    with transaction.atomic():
        pending = [request for request in latest_round(order) if request.state == CancelRequest.State.PENDING]
        if pending:
            return pending
        requested_at = timezone.now()
        requests = []
        for hub in hubs:
            request = CancelRequest.objects.create(
                order=order,
                hub=hub,
                reason=reason,
                note=note[:300],
                requested_by=getattr(user, "username", "") or "",
                requested_at=requested_at,
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
            requests.append(request)
    return requests


@dataclass(frozen=True)
class Cancellation:
    """Where the last cancellation asked of the order's hubs stands, for the office page."""

    requests: list[CancelRequest]
    outcome: str  # "pending" | "cancelled" | "refused"
    message: str


def cancellation_of(order) -> Cancellation | None:
    """Summarize the latest round of requests in one sentence the manager can act on (None: none asked)."""
    requests = latest_round(order)
    if not requests:
        return None
    State = CancelRequest.State
    names = {state: ", ".join(r.hub.name for r in requests if r.state == state) for state in State.values}
    if names[State.REFUSED]:
        outcome = "refused"
        if len(requests) == 1 and not is_shared(order):
            message = _("Cancellation refused by hub %(hub)s: the parcel had already shipped.") % {
                "hub": names[State.REFUSED]
            }
        else:
            message = _(
                "The order is not cancelled: hub %(refused)s had already shipped its part and refused. Nothing "
                "was put back on sale; hubs that had agreed (%(agreed)s) may ship their parts again. Tell the "
                "buyer what is on its way."
            ) % {"refused": names[State.REFUSED], "agreed": names[State.DONE] or "-"}
    elif names[State.PENDING]:
        outcome = "pending"
        if len(requests) == 1 and not is_shared(order):
            message = _(
                "Cancellation asked: the items are at hub %(hub)s, which alone may move them. The hub cancels "
                "the order at its next sync, unless the parcel has already shipped."
            ) % {"hub": names[State.PENDING]}
        else:
            message = _(
                "Cancellation asked of every hub holding items of this order; waiting for %(pending)s. The order "
                "is cancelled only when every hub has agreed (agreed so far: %(agreed)s)."
            ) % {"pending": names[State.PENDING], "agreed": names[State.DONE] or "-"}
    elif len(requests) == 1 and not is_shared(order):
        outcome = "cancelled"
        message = _("Cancelled at hub %(hub)s, as asked.") % {"hub": names[State.DONE]}
    else:
        outcome = "cancelled"
        message = _("Cancelled, as asked: every hub holding items of this order agreed (%(hubs)s).") % {
            "hubs": names[State.DONE]
        }
    return Cancellation(requests, outcome, message)


def is_held_back(order) -> bool:
    """At a hub: this hub agreed to cancel its part of a shared order and the round is not called off."""
    me = this_node()
    requests = latest_round(order)
    agreed = any(r.hub_id == me.pk and r.state == CancelRequest.State.DONE for r in requests)
    return agreed and not any(r.state == CancelRequest.State.REFUSED for r in requests)


def may_expire_here(order) -> bool:
    """A hub expires only orders it placed itself: the centre owns the online orders it sent."""
    me = this_node()
    if me.kind != Node.Kind.HUB:
        return True
    version = RowVersion.objects.filter(label="orders.order", row_id=str(order.pk)).first()
    return version is None or version.origin == me.pk


def carry_out_requests() -> int:
    """After a frame: answer the requests sent to this hub and settle shared orders; return how many answered.

    At a hub: an order it holds alone is cancelled here (or refused if shipped); for a shared order the hub
    agrees (holding its part back) or refuses, and puts its part back on sale once the centre has cancelled the
    order. At the centre: a shared order every hub agreed to cancel is cancelled.
    """
    from sambung.inventory.models import StockMove
    from sambung.orders import fulfilment
    from sambung.orders.models import Order, OrderStatus

    me = this_node()
    if me.kind != Node.Kind.HUB:
        _cancel_agreed_orders()
        return 0
    answered = 0
    for request in CancelRequest.objects.filter(hub=me, state=CancelRequest.State.PENDING).order_by(
        "requested_at", "pk"
    ):
        with transaction.atomic():
            order = Order.objects.select_for_update().get(pk=request.order_id)
            if order.status == OrderStatus.CANCELLED:
                state = CancelRequest.State.DONE
            elif OrderStatus.CANCELLED not in fulfilment.NEXT[order.status] or fulfilment.has_shipped_from(
                order=order, node=me
            ):
                state = CancelRequest.State.REFUSED
            elif is_shared(order):
                state = CancelRequest.State.DONE  # agreed: the part stays committed, held back from shipping
            else:
                fulfilment.cancel_order(order=order, reason=request.reason, note=request.note)
                state = CancelRequest.State.DONE
            answer(request, state=state, status=order.status)
        answered += 1
    # The centre cancelled a shared order this hub had agreed to cancel: its part goes back on sale, once.
    # Orders whose cancel moves are already in this hub's ledger are skipped in the query: it runs every frame.
    given_back = StockMove.objects.filter(reason=StockMove.Reason.CANCEL, location__node=me).values(
        "reference"
    )
    for request in (
        CancelRequest.objects.filter(
            hub=me, state=CancelRequest.State.DONE, order__status=OrderStatus.CANCELLED
        )
        .exclude(order__code__in=given_back)
        .select_related("order")
    ):
        if is_shared(request.order):
            fulfilment.release_part(order=request.order, node=me, reason=request.reason)
    return answered


def _cancel_agreed_orders() -> None:
    """At the centre: cancel each shared order whose latest round every hub asked has agreed to."""
    from sambung.orders import fulfilment
    from sambung.orders.models import Order, OrderStatus

    candidates = (
        CancelRequest.objects.filter(state=CancelRequest.State.DONE)
        .exclude(order__status=OrderStatus.CANCELLED)
        .values_list("order", flat=True)
        .distinct()
    )
    for order in Order.objects.filter(pk__in=list(candidates)):
        requests = latest_round(order)
        if requests and all(r.state == CancelRequest.State.DONE for r in requests) and is_shared(order):
            fulfilment.cancel_as_agreed(order=order, reason=requests[0].reason, note=requests[0].note,
                                        username=requests[0].requested_by)  # fmt: skip


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
