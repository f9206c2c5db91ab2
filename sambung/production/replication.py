"""Production rows travel between a village hub and the centre: what each change emits, and how a receiver
applies it (sambung.sync.apply dispatches the kinds below here).

One change is one event holding every row it wrote, as the state of a whole aggregate, keyed by its root:

- `production.work_order`: a work order with its stages, events, delivered pieces and allocations;
- `production.calendar`: a maker's pledge — her capacities and unavailable periods (also after a removal);
- `production.stages`: a cooperative's stage list for one product type;
- `order.made_piece`: a piece committed to (or released from) a made-to-order line.

Stages, capacities, periods, delivered pieces and allocations have per-node integer ids, so they travel without
them and are matched by their natural keys (a work order's stage by position, a capacity by category, a delivered
piece by piece, an allocation by order line). A receiver makes the aggregate equal to the event's rows, and only
if the event is later than the one that last wrote the aggregate (RowVersion, by event id): two nodes that hold
the same events hold the same production rows, whatever order they arrive in. The origin already ran the
production writer's checks (a pledge's dates come from the maker's calendar *there*, and were promised on); the
receiver writes the origin's rows as they are, through model validation and the database's constraints, rather
than planning them again against its own, possibly older, calendar.

Scope (DESIGN.md §5, one writer per row):

- The centre writes every production row of every cooperative.
- Stage definitions are the centre's (like the catalogue): a hub's `production.stages` is refused.
- A hub creates and advances work orders only at its own locations, for makers and SKUs of its cooperative;
  it may keep or clear a work order's order line and allocations (when it carries out an order's cancellation)
  but never set them: promising work to a buyer's order happens at the centre's checkout.
- A maker's calendar (capacity and unavailable periods: her pledge) may be written by the centre or by any hub
  of her cooperative — she reports at whichever hub she walks to; the model gives her no home hub.
- A hub commits or releases made pieces only at its own locations.

A work order at a hub's location can thus be written by the centre and by that hub; if both change it before
they sync, the later change (by event id) wins on every node. A hub's event out of its scope is kept in review
(Refused); one that names a row not yet here waits (Waiting).
"""

import uuid
from collections.abc import Callable, Iterable

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from sambung.catalog.models import SKU, Category, Cooperative, Location, Maker, Node
from sambung.orders.models import MadePiece, OrderLine
from sambung.production.models import (
    Allocation,
    Capacity,
    DeliveredPiece,
    Stage,
    Unavailability,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderStage,
)
from sambung.sync import outbox
from sambung.sync.models import Event, RowVersion
from sambung.sync.rows import is_user_field, label_of, serialize_row, typed_values

WORK_ORDER = "production.work_order"
CALENDAR = "production.calendar"
STAGES = "production.stages"
MADE_PIECE = "order.made_piece"

# Rows whose ids are per-node integers: sent without them, matched by natural key.
NATURAL_KEYED = (WorkOrderStage, DeliveredPiece, Allocation, Capacity, Unavailability, Stage)
_NO_ID = frozenset({"id"})


def _plain(row: models.Model) -> dict:
    return serialize_row(row, skip=_NO_ID if isinstance(row, NATURAL_KEYED) else frozenset())


def _emit(kind: str, payload: dict, *, cooperative_id, version: tuple[str, str]) -> Event | None:
    return outbox.emit(kind, payload, cooperative_id=cooperative_id, versions=(version,))


def _stages_key(cooperative_id: uuid.UUID, category_id: uuid.UUID) -> str:
    """The RowVersion id of a cooperative's stage list for a product type (two ids do not fit its 64 chars)."""
    return str(uuid.uuid5(cooperative_id, str(category_id)))


# ---- emitting: one line in each writer, in its transaction -------------------------------------------------


def work_order_rows(work_order: WorkOrder) -> list[models.Model]:
    """The work order and every row that hangs from it, in the order a receiver writes them."""
    work_order = WorkOrder.objects.get(pk=work_order.pk)
    return [
        work_order,
        *work_order.stages.order_by("position"),
        *work_order.events.order_by("created_at", "id"),
        *work_order.delivered.order_by("piece_id"),
        *work_order.allocations.order_by("order_line_id"),
    ]


def emit_work_order(work_order: WorkOrder) -> Event | None:
    """Emit the work order as it now stands (with its stages, events, delivered pieces and allocations)."""
    return _emit(
        WORK_ORDER,
        {"rows": [_plain(row) for row in work_order_rows(work_order)]},
        cooperative_id=work_order.cooperative_id,
        version=("production.workorder", str(work_order.pk)),
    )


def emit_calendar(maker: Maker) -> Event | None:
    """Emit a maker's capacities and unavailable periods as they now stand (none left is news too)."""
    rows = [
        *Capacity.objects.filter(maker=maker).order_by("category_id"),
        *Unavailability.objects.filter(maker=maker).order_by("starts_on", "ends_on", "reason"),
    ]
    return _emit(
        CALENDAR,
        {"maker": str(maker.pk), "rows": [_plain(row) for row in rows]},
        cooperative_id=maker.cooperative_id,
        version=("production.calendar", str(maker.pk)),
    )


def emit_stages(*, cooperative: Cooperative, category: Category) -> Event | None:
    """Emit a cooperative's stage list for a product type."""
    rows = Stage.objects.filter(cooperative=cooperative, category=category).order_by("position")
    return _emit(
        STAGES,
        {
            "cooperative": str(cooperative.pk),
            "category": str(category.pk),
            "rows": [_plain(row) for row in rows],
        },
        cooperative_id=cooperative.pk,
        version=("production.stages", _stages_key(cooperative.pk, category.pk)),
    )


def emit_made_piece(made: MadePiece) -> Event | None:
    """Emit a made piece's link to its order line (committed, or released when the order was cancelled)."""
    made = MadePiece.objects.select_related("order_line__order").get(pk=made.pk)
    return _emit(
        MADE_PIECE,
        {"rows": [_plain(made)]},
        cooperative_id=made.order_line.order.cooperative_id,
        version=("orders.madepiece", str(made.pk)),
    )


def write_snapshot(cooperative: Cooperative) -> int:
    """Emit the cooperative's production rows never sent as events (for a hub that enrols); return how many."""

    def unsent(label: str, row_id: str) -> bool:
        return not RowVersion.objects.filter(label=label, row_id=row_id).exists()

    count = 0
    pairs = Stage.objects.filter(cooperative=cooperative).values_list("category_id", flat=True).distinct()
    for category in Category.objects.filter(pk__in=list(pairs)).order_by("pk"):
        if unsent("production.stages", _stages_key(cooperative.pk, category.pk)):
            emit_stages(cooperative=cooperative, category=category)
            count += 1
    for maker in Maker.objects.filter(cooperative=cooperative).order_by("pk"):
        has_calendar = maker.capacities.exists() or maker.unavailabilities.exists()
        if has_calendar and unsent("production.calendar", str(maker.pk)):
            emit_calendar(maker)
            count += 1
    for work_order in WorkOrder.objects.filter(cooperative=cooperative).order_by("created_at", "pk"):
        if unsent("production.workorder", str(work_order.pk)):
            emit_work_order(work_order)
            count += 1
    for made in MadePiece.objects.filter(order_line__order__cooperative=cooperative).order_by("pk"):
        if unsent("orders.madepiece", str(made.pk)):
            emit_made_piece(made)
            count += 1
    return count


# ---- applying another node's event ------------------------------------------------------------------------


def _errors():
    # Imported when applying: sync.apply imports this module to register its appliers.
    from sambung.sync.apply import Refused, Waiting

    return Refused, Waiting


def _is_hub(node: Node) -> bool:
    return node.kind == Node.Kind.HUB


def _parse(event: Event, allowed: Iterable[type[models.Model]]) -> list[tuple[type[models.Model], dict]]:
    """Return the event's rows as (model, typed values); refuse malformed ones."""
    Refused, Waiting = _errors()
    rows = event.payload.get("rows") if isinstance(event.payload, dict) else None
    if not isinstance(rows, list):
        raise Refused(f"malformed {event.kind}: no rows")
    by_label = {label_of(model): model for model in allowed}
    parsed = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("f"), dict) or row.get("m") not in by_label:
            raise Refused(f"malformed or unexpected row in {event.kind}")
        model = by_label[row["m"]]
        try:
            values = typed_values(model, row["f"])
        except (ValidationError, ValueError, TypeError) as error:
            raise Refused(f"malformed {row['m']} row in {event.kind}: {error}") from None
        if issubclass(model, NATURAL_KEYED):
            values.pop("id", None)  # the origin's own integer id means nothing here
        elif values.get("id") is None:
            raise Refused(f"a {row['m']} row without an id")
        parsed.append((model, values))
    return parsed


def _require(model: type[models.Model], pk: object) -> models.Model:
    """Return the row the event names, or wait for it."""
    _Refused, Waiting = _errors()
    row = model._default_manager.filter(pk=pk).first() if pk is not None else None
    if row is None:
        raise Waiting(f"waiting for {label_of(model)} {pk}")
    return row


def _check_references(model: type[models.Model], values: dict, *, inside: set[str]) -> None:
    """Wait for every row a row names (users excepted: they resolve by name; `inside`: fields set by the event)."""
    Refused, _Waiting = _errors()
    for field in model._meta.concrete_fields:
        if not field.is_relation or is_user_field(field) or field.attname in inside:
            continue
        if values.get(field.attname) is not None:
            _require(field.related_model, values[field.attname])
        elif not field.null:
            raise Refused(f"a {label_of(model)} row without its {field.name}")


def _build(model: type[models.Model], values: dict) -> models.Model:
    """Build a validated (unsaved) row from typed values, users resolved to this node's accounts."""
    from sambung.sync.apply import _resolve_user

    resolved = dict(values)
    for field in model._meta.concrete_fields:
        if is_user_field(field) and field.attname in values:
            user = _resolve_user(values[field.attname])
            resolved[field.attname] = user.pk if user else None
    obj = model(**resolved)
    related = [f.name for f in model._meta.concrete_fields if f.is_relation]
    obj.full_clean(exclude=related, validate_unique=False, validate_constraints=False)
    return obj


def _stamp(obj: models.Model, values: dict) -> None:
    """Keep the origin's auto_now(_add) times: this node's clock stamped them on save."""
    stamped = {
        f.attname: values[f.attname]
        for f in obj._meta.concrete_fields
        if (getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False))
        and values.get(f.attname) is not None
    }
    if stamped:
        type(obj)._default_manager.filter(pk=obj.pk).update(**stamped)


def _is_newer(event: Event, label: str, row_id: str) -> bool:
    """True when no later event has written the aggregate here (last writer wins, by event id)."""
    version = RowVersion.objects.filter(label=label, row_id=row_id).first()
    return version is None or version.event_id < event.id


def _record(event: Event, origin: Node, label: str, row_id: str) -> None:
    version = RowVersion.objects.filter(label=label, row_id=row_id).first()
    outbox.record_version(label, row_id, event.id, version.origin if version else origin.pk)


def _save(obj: models.Model, values: dict) -> None:
    exists = type(obj)._default_manager.filter(pk=obj.pk).exists()
    obj.save(force_insert=not exists, force_update=exists)
    _stamp(obj, values)


def _hub_locations(origin: Node) -> set[uuid.UUID]:
    return set(Location.objects.filter(node=origin).values_list("pk", flat=True))


def apply_work_order(event: Event, origin: Node) -> None:
    """Make the work order and its stages, events, delivered pieces and allocations equal to the event's."""
    Refused, _Waiting = _errors()
    rows = _parse(event, (WorkOrder, WorkOrderStage, WorkOrderEvent, DeliveredPiece, Allocation))
    if not rows or rows[0][0] is not WorkOrder or any(model is WorkOrder for model, _v in rows[1:]):
        raise Refused(f"malformed {event.kind}: it must start with its one work order")
    root = rows[0][1]
    for model, values in rows[1:]:
        if values.get("work_order_id") != root["id"]:
            raise Refused(f"malformed {event.kind}: a {label_of(model)} row of another work order")
        _check_references(model, values, inside={"work_order_id"})
    _check_references(WorkOrder, root, inside=set())
    existing = WorkOrder.objects.filter(pk=root["id"]).first()
    if _is_hub(origin):
        _check_hub_work_order(origin, root, existing, rows)
    if not _is_newer(event, "production.workorder", str(root["id"])):
        return
    work_order = _build(WorkOrder, root)
    children = [(model, values, _build(model, values)) for model, values in rows[1:]]
    try:
        with transaction.atomic():
            _save(work_order, root)
            _replace_children(work_order, children)
    except IntegrityError as error:
        raise Refused(f"work order {root.get('code')} breaks a rule of the database: {error}") from None
    _record(event, origin, "production.workorder", str(work_order.pk))


def _check_hub_work_order(origin: Node, root: dict, existing: WorkOrder | None, rows) -> None:
    Refused, _Waiting = _errors()
    mine = _hub_locations(origin)
    maker = Maker.objects.get(pk=root["maker_id"])
    sku = SKU.objects.select_related("product").get(pk=root["sku_id"])
    if {root["cooperative_id"], maker.cooperative_id, sku.product.cooperative_id} != {origin.cooperative_id}:
        raise Refused(f"out of scope: work order of another cooperative sent by hub {origin.name}")
    if root["location_id"] not in mine or (existing is not None and existing.location_id not in mine):
        raise Refused(f"out of scope: hub {origin.name} may write work orders only at its own locations")
    known_lines = set()
    if existing is not None:
        known_lines = set(existing.allocations.values_list("order_line_id", flat=True))
        if existing.order_line_id is not None:
            known_lines.add(existing.order_line_id)
    lines = {values["order_line_id"] for model, values in rows if model is Allocation}
    if root.get("order_line_id") is not None:
        lines.add(root["order_line_id"])
    if not lines <= known_lines:
        raise Refused(
            f"out of scope: hub {origin.name} may not promise work to an order line (the centre's checkout does)"
        )


def _replace_children(work_order: WorkOrder, children) -> None:
    """Make the work order's child rows equal to the event's, matching them by natural key."""
    by_model: dict[type[models.Model], list[tuple[dict, models.Model]]] = {}
    for model, values, obj in children:
        by_model.setdefault(model, []).append((values, obj))
    # Events are append-only at their origin; a later state without one (a concurrent write lost) drops it.
    # Delete first: the new rows may reuse a (stage, kind) another row holds under the unique constraints.
    events = by_model.get(WorkOrderEvent, [])
    work_order.events.exclude(pk__in=[obj.pk for _v, obj in events]).delete()
    held = set(work_order.events.values_list("pk", flat=True))
    for values, obj in events:
        if obj.pk not in held:  # never changed once written
            obj.save(force_insert=True)
            _stamp(obj, values)
    stages = by_model.get(WorkOrderStage, [])
    work_order.stages.exclude(position__in=[obj.position for _v, obj in stages]).delete()
    for _values, obj in stages:
        WorkOrderStage.objects.update_or_create(
            work_order=work_order,
            position=obj.position,
            defaults={"name_id": obj.name_id, "name_en": obj.name_en, "expected_on": obj.expected_on},
        )
    delivered = by_model.get(DeliveredPiece, [])
    work_order.delivered.exclude(piece_id__in=[obj.piece_id for _v, obj in delivered]).delete()
    for _values, obj in delivered:
        DeliveredPiece.objects.get_or_create(work_order=work_order, piece_id=obj.piece_id)
    allocations = by_model.get(Allocation, [])
    work_order.allocations.exclude(order_line_id__in=[obj.order_line_id for _v, obj in allocations]).delete()
    for values, obj in allocations:
        allocation, _created = Allocation.objects.update_or_create(
            work_order=work_order, order_line_id=obj.order_line_id, defaults={"quantity": obj.quantity}
        )
        _stamp(allocation, values)


def apply_calendar(event: Event, origin: Node) -> None:
    """Make the maker's capacities and unavailable periods equal to the event's."""
    Refused, _Waiting = _errors()
    payload = event.payload if isinstance(event.payload, dict) else {}
    try:
        maker_id = uuid.UUID(str(payload.get("maker")))
    except ValueError:
        raise Refused(f"malformed {event.kind}: no maker") from None
    rows = _parse(event, (Capacity, Unavailability))
    maker = _require(Maker, maker_id)
    for model, values in rows:
        if values.get("maker_id") != maker.pk:
            raise Refused(f"malformed {event.kind}: a row of another maker")
        _check_references(model, values, inside=set())
    if _is_hub(origin) and maker.cooperative_id != origin.cooperative_id:
        raise Refused(
            f"out of scope: hub {origin.name} may record the pledge only of its cooperative's makers"
        )
    if not _is_newer(event, "production.calendar", str(maker.pk)):
        return
    built = [(model, values, _build(model, values)) for model, values in rows]
    capacities = [(values, obj) for model, values, obj in built if model is Capacity]
    try:
        with transaction.atomic():
            Capacity.objects.filter(maker=maker).exclude(
                category_id__in=[obj.category_id for _v, obj in capacities]
            ).delete()
            for values, obj in capacities:
                capacity, _created = Capacity.objects.update_or_create(
                    maker=maker,
                    category_id=obj.category_id,
                    defaults={"pieces": obj.pieces, "days": obj.days, "rate_per_piece": obj.rate_per_piece},
                )
                _stamp(capacity, values)
            Unavailability.objects.filter(maker=maker).delete()
            for model, values, obj in built:
                if model is Unavailability:
                    obj.save()
                    _stamp(obj, values)
    except IntegrityError as error:
        raise Refused(f"the pledge of {maker.name} breaks a rule of the database: {error}") from None
    _record(event, origin, "production.calendar", str(maker.pk))


def apply_stages(event: Event, origin: Node) -> None:
    """Make a cooperative's stage list for a product type equal to the event's (the centre's alone)."""
    Refused, _Waiting = _errors()
    if _is_hub(origin):
        raise Refused(f"out of scope: only the centre defines production stages (sent by hub {origin.name})")
    payload = event.payload if isinstance(event.payload, dict) else {}
    try:
        cooperative_id = uuid.UUID(str(payload.get("cooperative")))
        category_id = uuid.UUID(str(payload.get("category")))
    except ValueError:
        raise Refused(f"malformed {event.kind}: no cooperative or category") from None
    rows = _parse(event, (Stage,))
    cooperative, category = _require(Cooperative, cooperative_id), _require(Category, category_id)
    if any(
        v.get("cooperative_id") != cooperative.pk or v.get("category_id") != category.pk for _m, v in rows
    ):
        raise Refused(f"malformed {event.kind}: a stage of another list")
    key = _stages_key(cooperative.pk, category.pk)
    if not _is_newer(event, "production.stages", key):
        return
    built = [_build(Stage, values) for _model, values in rows]
    try:
        with transaction.atomic():
            Stage.objects.filter(cooperative=cooperative, category=category).delete()
            Stage.objects.bulk_create(built)
    except IntegrityError as error:
        raise Refused(f"the stage list breaks a rule of the database: {error}") from None
    _record(event, origin, "production.stages", key)


def apply_made_piece(event: Event, origin: Node) -> None:
    """Write a made piece's link to its order line as the event has it."""
    Refused, _Waiting = _errors()
    rows = _parse(event, (MadePiece,))
    if len(rows) != 1:
        raise Refused(f"malformed {event.kind}: one made piece per event")
    _model, values = rows[0]
    _check_references(MadePiece, values, inside=set())
    existing = MadePiece.objects.filter(pk=values["id"]).first()
    if _is_hub(origin):
        mine = _hub_locations(origin)
        line = OrderLine.objects.select_related("order").get(pk=values["order_line_id"])
        if values["location_id"] not in mine or (existing is not None and existing.location_id not in mine):
            raise Refused(f"out of scope: hub {origin.name} may commit made pieces only at its own locations")
        if line.order.cooperative_id != origin.cooperative_id:
            raise Refused(f"out of scope: order of another cooperative sent by hub {origin.name}")
    if not _is_newer(event, "orders.madepiece", str(values["id"])):
        return
    made = _build(MadePiece, values)
    try:
        with transaction.atomic():
            _save(made, values)
    except IntegrityError as error:
        raise Refused(f"made piece {made.pk} breaks a rule of the database: {error}") from None
    _record(event, origin, "orders.madepiece", str(made.pk))


APPLIERS: dict[str, Callable[[Event, Node], None]] = {
    WORK_ORDER: apply_work_order,
    CALENDAR: apply_calendar,
    STAGES: apply_stages,
    MADE_PIECE: apply_made_piece,
}

# Every production row a node holds, for sync_state's digest: label → path to its cooperative.
REPLICATED = {
    "production.stage": "cooperative",
    "production.capacity": "maker__cooperative",
    "production.unavailability": "maker__cooperative",
    "production.workorder": "cooperative",
    "production.workorderstage": "work_order__cooperative",
    "production.workorderevent": "work_order__cooperative",
    "production.deliveredpiece": "work_order__cooperative",
    "production.allocation": "work_order__cooperative",
    "orders.madepiece": "order_line__order__cooperative",
}
LOCAL_COLUMNS = {label_of(model): _NO_ID for model in NATURAL_KEYED}

__all__ = [
    "APPLIERS",
    "emit_calendar",
    "emit_made_piece",
    "emit_stages",
    "emit_work_order",
    "write_snapshot",
]
