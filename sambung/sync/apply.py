"""Apply events from other nodes through the same domain writers the views call, within each origin's scope.

Scope (DESIGN.md §5, one writer per row): the centre owns the catalogue, prices, makers, locations and
channels; a hub writes only rows at its own locations and pieces it created, and moves units only out of slots
it holds (its stall channel, quality control and sold units at its locations). The centre never takes units
out of a hub's stall.

An event that cannot apply yet (a row it names, or the units it moves, have not arrived) raises Waiting and is
retried after every frame. One that can never apply (malformed, invalid, out of scope) raises Refused: it is
kept in review with its message for the manager, never dropped.
"""

import contextlib
import contextvars
import uuid
from collections.abc import Callable, Iterator

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, models, transaction
from django.utils.dateparse import parse_datetime

from sambung.catalog.models import SKU, Location, Node, Piece
from sambung.inventory.ledger import InsufficientStock, Slot, move_stock
from sambung.inventory.models import Channel, Position, StockMove
from sambung.sync.models import Event, RowVersion
from sambung.sync.outbox import applying_remote, cooperative_of, record_version
from sambung.sync.rows import is_user_field, label_of, typed_values


class Waiting(Exception):
    """The event needs something that has not arrived yet."""


class Refused(Exception):
    """The event can never apply here: malformed, invalid or out of its origin's scope."""


# kind → (models its rows may be, whether a hub may send it)
ROW_KINDS: dict[str, tuple[frozenset[str], bool]] = {
    "catalog.cooperative": (frozenset({"catalog.cooperative"}), False),
    "catalog.category": (frozenset({"catalog.category"}), False),
    "catalog.node": (frozenset({"catalog.node"}), False),
    "catalog.location": (frozenset({"catalog.location"}), False),
    "catalog.channel": (frozenset({"inventory.channel"}), False),
    "catalog.maker": (frozenset({"catalog.maker"}), False),
    "catalog.product": (frozenset({"catalog.product"}), False),
    "catalog.sku": (frozenset({"catalog.sku"}), False),
    "catalog.shipping_rate": (frozenset({"orders.shippingrate"}), False),
    "quality.standard": (frozenset({"quality.standard", "quality.standardversion"}), False),
    "piece.saved": (frozenset({"catalog.piece"}), True),
    "inspection.recorded": (frozenset({"quality.inspection"}), True),
    "order.placed": (
        frozenset(
            {
                "orders.shippingrate",
                "orders.checkout",
                "orders.order",
                "orders.orderline",
                "orders.orderevent",
            }
        ),
        True,
    ),
}
ROW_KINDS["order.changed"] = ROW_KINDS["order.placed"]
# Carried along with an order so a hub can show it; written only if missing, never changed by an order event.
REFERENCE_ONLY = {"orders.shippingrate", "orders.checkout"}


def _write_product(obj):
    from sambung.catalog.products import save_product

    return save_product(product=obj)


def _write_sku(obj):
    from sambung.catalog.products import save_sku

    return save_sku(sku=obj)


def _write_piece(obj):
    from sambung.catalog.pieces import save_piece

    return save_piece(piece=obj)


def _write_maker(obj):
    from sambung.catalog.makers import save_maker

    return save_maker(maker=obj)


WRITERS: dict[str, Callable[[models.Model], object]] = {
    "catalog.product": _write_product,
    "catalog.sku": _write_sku,
    "catalog.piece": _write_piece,
    "catalog.maker": _write_maker,
}


def apply_event(event: Event, *, persist: bool = True) -> None:
    """Apply one event in a savepoint and set its state: applied, waiting or review (saved unless `persist=False`)."""
    before = (event.state, event.problem)
    try:
        with transaction.atomic(), applying_remote():
            _dispatch(event)
    except Waiting as reason:
        event.state, event.problem = Event.State.WAITING, str(reason)
    except Refused as reason:
        event.state, event.problem = Event.State.REVIEW, str(reason)
    except (ValidationError, ValueError, TypeError, KeyError, IntegrityError, DatabaseError) as error:
        message = "; ".join(error.messages) if isinstance(error, ValidationError) else str(error)
        event.state, event.problem = Event.State.REVIEW, f"{type(error).__name__}: {message}"[:2000]
    else:
        event.state, event.problem = Event.State.APPLIED, ""
    if persist and (event.state, event.problem) != before:
        Event.objects.filter(pk=event.pk).update(state=event.state, problem=event.problem)


def _dispatch(event: Event) -> None:
    origin = _row(Node, event.origin)
    if origin is None:
        raise Waiting(f"the node {event.origin} that wrote this event is not known here yet")
    if event.kind == "stock.move":
        apply_move(event, origin)
    elif event.kind == "accounts.member":
        apply_member(event, origin)
    elif event.kind in ROW_KINDS:
        apply_rows(event, origin)
    else:
        raise Refused(f"unknown event kind {event.kind!r} (sent by a newer Sambung?)")


# Rows looked up while applying one frame (SKUs, locations, channels, nodes): read once, not once per event.
_frame_rows: contextvars.ContextVar[dict | None] = contextvars.ContextVar("sync_frame_rows", default=None)


@contextlib.contextmanager
def frame_cache() -> Iterator[None]:
    token = _frame_rows.set({})
    try:
        yield
    finally:
        _frame_rows.reset(token)


def _row(model: type[models.Model], pk: object) -> models.Model | None:
    """Return the row (None if missing), from the frame's cache when it was read before."""
    cache = _frame_rows.get()
    if cache is not None and (model, pk) in cache:
        return cache[(model, pk)]
    row = model._default_manager.filter(pk=pk).order_by().first()
    if cache is not None and row is not None:
        cache[(model, pk)] = row  # only rows that exist: a missing one may arrive later in the frame
    return row


def _is_hub(node: Node) -> bool:
    return node.kind == Node.Kind.HUB


def _exists(model: type[models.Model], pk: object) -> bool:
    return model._default_manager.filter(pk=pk).exists()


def _resolve_user(username: object):
    """Return the user named in a row; one unknown here becomes an inactive account that cannot log in."""
    if username is None:
        return None
    if not isinstance(username, str) or not username or len(username) > 150:
        raise Refused("malformed username")
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model(username=username, is_active=False)
        user.set_unusable_password()
        user.save()
    return user


def apply_rows(event: Event, origin: Node) -> None:
    allowed, hub_may = ROW_KINDS[event.kind]
    rows = event.payload.get("rows")
    if not isinstance(rows, list) or not rows:
        raise Refused("malformed event: no rows")
    if _is_hub(origin) and not hub_may:
        raise Refused(f"out of scope: only the centre may send {event.kind} (sent by hub {origin.name})")
    prepared = []
    in_event: set[tuple[str, str]] = set()  # rows written earlier in this same event count as present
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("f"), dict) or row.get("m") not in allowed:
            raise Refused(f"malformed or unexpected row in {event.kind}")
        model = apps.get_model(row["m"])
        values = typed_values(model, row["f"])
        pk = values.get(model._meta.pk.attname)
        if pk is None:
            raise Refused(f"a {row['m']} row without an id")
        for field in model._meta.concrete_fields:
            target = values.get(field.attname)
            is_reference = field.is_relation and not is_user_field(field) and target is not None
            if (
                is_reference
                and (label_of(field.related_model), str(target)) not in in_event
                and not _exists(field.related_model, target)
            ):
                raise Waiting(f"waiting for {label_of(field.related_model)} {target}")
        prepared.append((model, pk, values))
        in_event.add((row["m"], str(pk)))
    if _is_hub(origin):
        _check_hub_rows(event, origin, prepared)
    for model, pk, values in prepared:
        _write_row(event, origin, model, pk, values)


def _check_hub_rows(event: Event, origin: Node, prepared) -> None:
    hub_locations = set(Location.objects.filter(node=origin).values_list("pk", flat=True))
    for model, pk, values in prepared:
        label = label_of(model)
        if label == "catalog.piece":
            version = RowVersion.objects.filter(label=label, row_id=str(pk)).first()
            if version is not None and version.origin != origin.pk:
                raise Refused(f"out of scope: hub {origin.name} may change only pieces it created")
            sku = SKU.objects.select_related("product").get(pk=values["sku_id"])
            if sku.product.cooperative_id != origin.cooperative_id:
                raise Refused(f"out of scope: piece of another cooperative sent by hub {origin.name}")
        elif label == "quality.inspection":
            if values.get("location_id") not in hub_locations:
                raise Refused(f"out of scope: hub {origin.name} may record inspections only at its locations")
        elif label == "orders.order":
            lines = [v for m, _pk, v in prepared if label_of(m) == "orders.orderline"]
            if not any(line.get("location_id") in hub_locations for line in lines):
                raise Refused(f"out of scope: hub {origin.name} may change only orders it ships")
            if values.get("cooperative_id") != origin.cooperative_id:
                raise Refused(f"out of scope: order of another cooperative sent by hub {origin.name}")


def _write_row(event: Event, origin: Node, model, pk, values: dict) -> None:
    label = label_of(model)
    exists = _exists(model, pk)
    if label in REFERENCE_ONLY and event.kind in ("order.placed", "order.changed") and exists:
        return
    version = RowVersion.objects.filter(label=label, row_id=str(pk)).first()
    if version is not None and version.event_id >= event.id:
        return  # a later write already holds this row (last writer wins, by event id)
    resolved = {}
    for field in model._meta.concrete_fields:
        if is_user_field(field) and field.attname in values:
            user = _resolve_user(values[field.attname])
            resolved[field.attname] = user.pk if user else None
    obj = model(**{**values, **resolved})
    obj._state.adding = not exists
    obj.full_clean(validate_unique=False, validate_constraints=False)
    writer = WRITERS.get(label)
    try:
        with transaction.atomic():
            if writer is not None:
                writer(obj)
            else:
                obj.save(force_insert=not exists, force_update=exists)
            # auto_now fields were stamped with this node's clock: keep the origin's values, as every node does.
            stamped = {
                f.attname: values[f.attname]
                for f in model._meta.concrete_fields
                if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
                if values.get(f.attname) is not None
            }
            if stamped:
                model._default_manager.filter(pk=pk).update(**stamped)
    except IntegrityError as error:
        raise Refused(f"{label} {pk} breaks a rule of the database: {error}") from None
    except ValueError as error:  # the writers' CatalogError and friends: a message a person can act on
        raise Refused(str(error)) from None
    record_version(label, str(pk), event.id, version.origin if version else origin.pk)


def _slot(raw: object, origin: Node) -> tuple[Slot | None, Channel | None]:
    if raw is None:
        return None, None
    if not isinstance(raw, list) or len(raw) != 2 or raw[0] not in Position.values:
        raise Refused("malformed stock slot")
    position, channel_id = raw
    channel = None
    if channel_id is not None:
        channel = _row(Channel, uuid.UUID(str(channel_id)))
        if channel is None:
            raise Waiting(f"waiting for channel {channel_id}")
    try:
        return Slot(Position(position), channel), channel
    except ValueError as error:
        raise Refused(str(error)) from None


def apply_move(event: Event, origin: Node) -> None:
    p = event.payload
    try:
        move_id = uuid.UUID(p["id"])
        sku = _row(SKU, uuid.UUID(p["sku"]))
        piece_id = uuid.UUID(p["piece"]) if p.get("piece") else None
        location = _row(Location, uuid.UUID(p["location"]))
        quantity = p["quantity"]
        reason = p["reason"]
        occurred = parse_datetime(p["at"])
    except (KeyError, ValueError, TypeError, AttributeError):
        raise Refused("malformed stock move") from None
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0 or occurred is None:
        raise Refused("a stock move needs a positive whole quantity and a time")
    if reason not in StockMove.Reason.values or not isinstance(p.get("reference", ""), str):
        raise Refused(f"unknown stock move reason {reason!r}")
    if StockMove.objects.filter(pk=move_id).exists():
        return  # already in the ledger (written here, or by an earlier copy of this event)
    if sku is None or location is None:
        raise Waiting(f"waiting for SKU {p['sku']} or location {p['location']}")
    piece = None
    if piece_id is not None:
        piece = _row(Piece, piece_id)
        if piece is None:
            raise Waiting(f"waiting for piece {piece_id}")
    source, source_channel = _slot(p.get("source"), origin)
    target, target_channel = _slot(p.get("target"), origin)
    for channel in (source_channel, target_channel):
        if channel is not None and channel.cooperative_id != location.cooperative_id:
            raise Refused("out of scope: a channel of another cooperative")
    if _is_hub(origin):
        if location.node_id != origin.pk:
            raise Refused(f"out of scope: hub {origin.name} moved stock at {location.name}, not its location")
        if source is None:
            allowed = target.channel is None or target.channel.node_id == origin.pk
        else:
            allowed = (
                source.position in (Position.QUALITY_CONTROL, Position.COMMITTED)
                or source.channel.node_id == origin.pk
            )
        if not allowed:
            raise Refused(
                f"out of scope: hub {origin.name} does not hold the right to move units out of "
                f"{source_channel or target_channel} ({(source or target).position})"
            )
    elif source_channel is not None and _row(Node, source_channel.node_id).kind == Node.Kind.HUB:
        raise Refused(f"out of scope: the centre may not take units out of hub stall {source_channel}")
    try:
        move_stock(
            sku=sku,
            location=location,
            quantity=quantity,
            source=source,
            target=target,
            reason=reason,
            piece=piece,
            reference=p.get("reference", "")[:80],
            move_id=move_id,
            node=_row(Node, uuid.UUID(p["node"])) if p.get("node") else None,
        )
    except InsufficientStock as error:
        raise Waiting(f"waiting for stock: {error}") from None
    StockMove.objects.filter(pk=move_id).update(created_at=occurred)


def apply_member(event: Event, origin: Node) -> None:
    """A cooperative member's account, so she can log in at her hub with the password she has at the centre."""
    from sambung.accounts.models import Membership, Role

    if _is_hub(origin):
        raise Refused(f"out of scope: only the centre may send accounts (sent by hub {origin.name})")
    user_data, membership = event.payload.get("user"), event.payload.get("membership")
    if not isinstance(user_data, dict) or not isinstance(membership, dict):
        raise Refused("malformed member event")
    if membership.get("role") not in Role.values:
        raise Refused("unknown role")
    cooperative_id, maker_id = membership.get("cooperative"), membership.get("maker")
    from sambung.catalog.models import Cooperative, Maker

    if not Cooperative.objects.filter(pk=cooperative_id).exists() or (
        maker_id and not Maker.objects.filter(pk=maker_id).exists()
    ):
        raise Waiting("waiting for the member's cooperative or maker")
    user = _resolve_user(user_data.get("username"))
    for name in ("first_name", "last_name", "email"):
        setattr(user, name, str(user_data.get(name, ""))[:150])
    user.password = str(user_data.get("password", "!"))[:128]
    user.is_active = bool(user_data.get("is_active", True))
    user.full_clean(validate_unique=False)
    user.save()
    Membership.objects.update_or_create(
        user=user, cooperative_id=cooperative_id, defaults={"role": membership["role"], "maker_id": maker_id}
    )


def check_cooperative(event_cooperative: uuid.UUID | None, origin: Node) -> None:
    """A hub's events belong to its own cooperative."""
    if _is_hub(origin) and event_cooperative not in (None, origin.cooperative_id):
        raise Refused("out of scope: an event of another cooperative")


__all__ = ["Refused", "Waiting", "apply_event", "cooperative_of"]
