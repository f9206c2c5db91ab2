"""Write events: `emit` numbers one in the same transaction as the change it describes.

Domain writers call the helpers below with one line each (never save() hooks or signals: QuerySet.update()
would slip past them). While sync.apply writes an event that came from another node, emitting is switched
off: the event is already in the log under its origin's number.
"""

import contextlib
import contextvars
import uuid
from collections.abc import Iterator

from django.db import IntegrityError, models, transaction
from django.db.models import F
from django.utils import timezone

from sambung.lib.ids import uuid7
from sambung.sync.models import Event, OriginCursor, RowVersion
from sambung.sync.node import this_node
from sambung.sync.rows import label_of, serialize_row

_applying: contextvars.ContextVar[bool] = contextvars.ContextVar("sync_applying", default=False)

# Derived columns the receiver recomputes through the same writer (catalog.products.save_product).
SKIPPED_FIELDS = {"catalog.product": frozenset({"search_text"})}


@contextlib.contextmanager
def applying_remote() -> Iterator[None]:
    """Write rows described by another node's event without emitting new events for them."""
    token = _applying.set(True)
    try:
        yield
    finally:
        _applying.reset(token)


def emit(
    kind: str,
    payload: dict,
    *,
    cooperative_id: uuid.UUID | None = None,
    versions: tuple[tuple[str, str], ...] = (),
) -> Event | None:
    """Append an event from this node with the next sequence number; a no-op while applying a remote event."""
    if _applying.get():
        return None
    node = this_node()
    with transaction.atomic():
        # The counter row's UPDATE takes its lock until commit: concurrent writers get 1, 2, 3 … with no gaps.
        if not OriginCursor.objects.filter(pk=node.pk).update(seq=F("seq") + 1):
            try:
                with transaction.atomic():
                    OriginCursor.objects.create(origin=node.pk, seq=0)
            except IntegrityError:
                pass
            OriginCursor.objects.filter(pk=node.pk).update(seq=F("seq") + 1)
        seq = OriginCursor.objects.values_list("seq", flat=True).get(pk=node.pk)
        previous = Event.objects.filter(origin=node.pk, seq=seq - 1).values_list("pk", flat=True).first()
        event = Event.objects.create(
            id=next_event_id(previous),
            origin=node.pk,
            seq=seq,
            kind=kind,
            payload=payload,
            cooperative_id=cooperative_id,
            occurred_at=timezone.now(),
        )
        for label, row_id in versions:
            record_version(label, row_id, event.id, node.pk)
    return event


def next_event_id(previous: uuid.UUID | None) -> uuid.UUID:
    """Return a UUIDv7 later than the origin's previous event id, even within one millisecond.

    Rows written by several nodes keep the write with the highest event id (sync.apply): an origin's own
    writes must therefore order as it made them.
    """
    candidate = uuid7()
    if previous is not None and candidate.int <= previous.int:
        candidate = uuid.UUID(int=previous.int + 1)
    return candidate


def record_version(label: str, row_id: str, event_id: uuid.UUID, origin: uuid.UUID) -> None:
    """Remember the event that last wrote a row (its first writer stays its owner)."""
    if not RowVersion.objects.filter(label=label, row_id=row_id).update(event_id=event_id):
        RowVersion.objects.create(label=label, row_id=row_id, event_id=event_id, origin=origin)


def cooperative_of(obj: models.Model) -> uuid.UUID | None:
    """Return the cooperative whose hubs receive the row (None: every node)."""
    label = label_of(obj)
    if label == "catalog.cooperative":
        return obj.pk
    for path in ("cooperative_id", "product.cooperative_id", "sku.product.cooperative_id",
                 "standard.cooperative_id", "order.cooperative_id"):  # fmt: skip
        target: object = obj
        for step in path.split("."):
            target = getattr(target, step, None)
            if target is None:
                break
        else:
            return target
    return None


def emit_rows(kind: str, *rows: models.Model) -> Event | None:
    """Emit the current values of rows that one change wrote (the first row decides who receives them)."""
    if _applying.get() or not rows:
        return None
    return emit(
        kind,
        {"rows": [serialize_row(row, skip=SKIPPED_FIELDS.get(label_of(row), frozenset())) for row in rows]},
        cooperative_id=cooperative_of(rows[0]),
        versions=tuple((label_of(row), str(row.pk)) for row in rows),
    )


def move_payload(move) -> dict:
    def slot(position: str, channel_id) -> list | None:
        return [position, str(channel_id) if channel_id else None] if position else None

    return {
        "id": str(move.pk),
        "sku": str(move.sku_id),
        "piece": str(move.piece_id) if move.piece_id else None,
        "location": str(move.location_id),
        "quantity": move.quantity,
        "source": slot(move.source_position, move.source_channel_id),
        "target": slot(move.target_position, move.target_channel_id),
        "reason": move.reason,
        "reference": move.reference,
        "node": str(move.node_id) if move.node_id else None,
        "at": move.created_at.isoformat(),
    }


def emit_move(move) -> Event | None:
    """Emit one stock move (stock travels as moves, never balances: moves commute)."""
    if _applying.get():
        return None
    return emit(
        "stock.move",
        move_payload(move),
        cooperative_id=move.location.cooperative_id,
    )


def order_rows(order) -> list[models.Model]:
    """The order with its checkout, shipping rate, lines and events: what a hub needs to pack it."""
    from sambung.orders.models import Order

    order = Order.objects.select_related("checkout", "shipping_rate").get(pk=order.pk)
    return [
        order.shipping_rate,
        order.checkout,
        order,
        *order.lines.order_by("pk"),
        *order.events.order_by("created_at", "id"),
    ]


def emit_order(order, kind: str = "order.changed") -> Event | None:
    """Emit an order as it now stands, so online orders for pieces held at a hub reach that hub."""
    if _applying.get():
        return None
    return emit_rows(kind, *order_rows(order))


def emit_member(membership) -> Event | None:
    """Emit a member's account and role (with her password hash) so she can log in at her cooperative's hubs."""
    user = membership.user
    return emit(
        "accounts.member",
        {
            "user": {
                "username": user.username,
                "first_name": user.first_name,
                "last_name": user.last_name,
                "email": user.email,
                "password": user.password,
                "is_active": user.is_active,
            },
            "membership": {
                "cooperative": str(membership.cooperative_id),
                "role": membership.role,
                "maker": str(membership.maker_id) if membership.maker_id else None,
            },
        },
        cooperative_id=membership.cooperative_id,
        versions=(("accounts.membership", str(membership.pk)),),
    )


def member_saved(membership) -> Event | None:
    """A membership was created or changed at the centre: send it on, so the member can log in at her hubs.

    A hub does not send accounts (the centre owns them and would refuse them), so nothing is emitted there.
    """
    from sambung.catalog.models import Node

    if this_node().kind != Node.Kind.CENTRE:
        return None
    return emit_member(membership)
