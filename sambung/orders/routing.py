"""Which node takes each step of an order: payment is the centre's, moving a hub's units is the hub's.

One writer per order state (DESIGN.md §5): if the centre and a hub could both take a step, each would write the
order's status offline and the two writes would race. So, for an online order whose lines lie at an enrolled
hub:

- confirming payment is the centre's (the buyer pays the cooperative, never the hub), and waits while a
  cancellation is being asked of the hubs, whose answer may cancel the order;
- packing, shipping, and recording delivery or a return are the hub's: they move the units it holds, and it
  tracks the parcel it sent. The centre's page says so instead of offering the step;
- cancelling is asked at the centre and carried out by the hubs (sync.requests); a hub cancels only as asked.

A node may pack or ship only an order whose every line it holds: a shared order (lines at two hubs, or at a hub
and the centre) cannot leave as one parcel from either, until its hubs hand their parts over to the town
warehouse (orders.handover); once received there, the lines are the centre's, which packs and ships the order.
"""

import enum

from django.utils.translation import gettext as _

from sambung.catalog.models import Node
from sambung.orders import handover
from sambung.orders.models import Order
from sambung.sync import requests as sync_requests
from sambung.sync.node import this_node


class Step(enum.StrEnum):
    PAY = "pay"
    PACK = "pack"
    SHIP = "ship"
    DELIVER = "deliver"
    RETURN = "return"
    CANCEL = "cancel"


HUB_STEPS = frozenset({Step.PACK, Step.SHIP, Step.DELIVER, Step.RETURN})


def refusal(order: Order, step: Step) -> str:
    """Return why this node may not take the step on the order now ('' when it may)."""
    me = this_node()
    if me.kind == Node.Kind.HUB:
        return _refusal_at_hub(order, step, me)
    if step == Step.PAY:
        pending = [r.hub.name for r in sync_requests.latest_round(order) if r.state == r.State.PENDING]
        if pending:
            return _(
                "A cancellation of %(code)s is waiting for the answer of hub %(hubs)s: confirm the payment "
                "after the hub's next sync, if the order is still open."
            ) % {"code": order.code, "hubs": ", ".join(pending)}
        return ""
    if step in HUB_STEPS:
        if message := on_the_way(order):
            return message
        hubs = sync_requests.holding_hubs(order)
        if hubs:
            return _(
                "The items of %(code)s are held at hub %(hubs)s: the hub packs and ships them, and records "
                "the delivery or a return (it receives the order at its next sync)."
            ) % {"code": order.code, "hubs": ", ".join(hub.name for hub in hubs)}
    return ""


def _refusal_at_hub(order: Order, step: Step, me: Node) -> str:
    if step == Step.PAY:
        return _("Payment is confirmed at the centre: the buyer pays the cooperative, not the hub.")
    if step == Step.CANCEL:
        if order.cancel_requests.filter(hub=me, state="pending").exists():
            return ""
        return _(
            "An online order is cancelled by the cooperative's manager at the centre: ask there. The hub "
            "carries the cancellation out at its next sync."
        )
    if any(part.location.node_id == me.pk for part in handover.parts(order)):
        return _(
            "The items of %(code)s were handed over to the town warehouse: the centre packs and ships the order."
        ) % {"code": order.code}
    if sync_requests.is_held_back(order):
        return _(
            "Order %(code)s is being cancelled: this hub agreed to hold its items back until every hub has "
            "answered."
        ) % {"code": order.code}
    elsewhere = sorted(
        {
            line.location.node.name
            for line in order.lines.select_related("location__node")
            if line.location.node_id != me.pk
        }
    )
    if elsewhere:
        return _(
            "Order %(code)s also has items at %(places)s: this hub cannot pack or ship it as one parcel."
        ) % {"code": order.code, "places": ", ".join(elsewhere)}
    return ""


def on_the_way(order: Order) -> str:
    """Say which parts of the order are on their way to the town warehouse ('' when none is)."""
    moving = [part.location.name for part in handover.parts(order) if part.on_the_way]
    if not moving:
        return ""
    return _(
        "The items of %(code)s from %(places)s are on their way to the town warehouse: pack and ship the order "
        "once they are received there."
    ) % {"code": order.code, "places": ", ".join(moving)}


def check(order: Order, step: Step) -> None:
    """Raise InvalidTransition with the reason when this node may not take the step."""
    from sambung.orders.fulfilment import InvalidTransition

    if message := refusal(order, step):
        raise InvalidTransition(message)
