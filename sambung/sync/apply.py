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
from collections.abc import Callable, Iterable, Iterator, MutableMapping

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, connection, models, transaction
from django.utils.dateparse import parse_datetime

from sambung.catalog.models import SKU, Location, Node, Piece, Product
from sambung.inventory.ledger import InsufficientStock, LevelKey, Slot, move_stock
from sambung.inventory.models import Channel, Position, StockLevel, StockMove
from sambung.production import replication as production
from sambung.sync import photos, requests
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


def _write_inspection(obj):
    from sambung.quality.inspections import save_inspection

    return save_inspection(inspection=obj)


def _write_order_row(obj):
    from sambung.orders.received import save_received_row

    return save_received_row(obj)


WRITERS: dict[str, Callable[[models.Model], object]] = {
    "catalog.product": _write_product,
    "catalog.sku": _write_sku,
    "catalog.piece": _write_piece,
    "catalog.maker": _write_maker,
    "quality.inspection": _write_inspection,
    **dict.fromkeys(
        ("orders.shippingrate", "orders.checkout", "orders.order", "orders.orderline", "orders.orderevent"),
        _write_order_row,
    ),
}

# kind → applier, for kinds whose rows are matched by natural key rather than by id (production's aggregates:
# work orders, makers' calendars, stage lists, made pieces); their scope is in sambung.production.replication.
APPLIERS: dict[str, Callable[[Event, Node], None]] = {**production.APPLIERS}


def apply_event(event: Event, *, persist: bool = True) -> None:
    """Apply one event in a savepoint and set its state: applied, waiting or review (saved unless `persist=False`)."""
    before = (event.state, event.problem)
    cache = _frame_rows.get()
    mark = len(cache.journal) if cache is not None else 0
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
    if cache is not None and event.state != Event.State.APPLIED:
        cache.forget_after(mark)  # its savepoint rolled back: rows it wrote are gone again
    if persist and (event.state, event.problem) != before:
        Event.objects.filter(pk=event.pk).update(state=event.state, problem=event.problem)


def _payload(event: Event) -> dict:
    if not isinstance(event.payload, dict):
        raise Refused(f"malformed {event.kind}")
    return event.payload


def _dispatch(event: Event) -> None:
    origin = _row(Node, event.origin)
    if origin is None:
        raise Waiting(f"the node {event.origin} that wrote this event is not known here yet")
    if event.kind == "stock.move":
        apply_move(event, origin)
    elif event.kind == "accounts.member":
        apply_member(event, origin)
    elif event.kind == "pos.stall_sale":
        apply_stall_sale_event(event, origin)
    elif event.kind == "order.cancel_request":
        requests.apply_request(_payload(event), origin, Waiting, Refused)
    elif event.kind == "order.cancel_answer":
        requests.apply_answer(_payload(event), origin, Waiting, Refused)
    elif event.kind in photos.KINDS:
        photos.apply_photo_event(event, origin, Waiting, Refused)
    elif event.kind in ROW_KINDS:
        apply_rows(event, origin)
    elif event.kind in APPLIERS:
        APPLIERS[event.kind](event, origin)
    else:
        raise Refused(f"unknown event kind {event.kind!r} (sent by a newer Sambung?)")


# Rows looked up while applying one frame (SKUs, locations, channels, nodes, users, rows named by foreign keys):
# read once, not once per event. Only rows found are kept (a missing one may arrive later in the frame), and
# what an event added is forgotten when its savepoint rolls back.
class _FrameCache:
    def __init__(self) -> None:
        self.rows: dict[tuple, object] = {}
        self.journal: list[tuple] = []  # keys in the order they were added
        self.stamps: dict[uuid.UUID, object] = {}  # move id → the origin's time, written once per frame
        self.known_moves: set[uuid.UUID] = set()
        self.absent: set[tuple] = set()  # (model, pk) of rows the frame names that were missing at its start
        self.versions: dict[tuple[str, str], RowVersion | None] = {}  # (label, row id) → version, read once
        self.level_ids = _LevelIds(self)

    def version(self, label: str, row_id: str) -> RowVersion | None:
        if ("version", label, row_id) in self.rows:  # written in this frame
            return self.rows[("version", label, row_id)]
        if (label, row_id) not in self.versions:
            self.versions[(label, row_id)] = RowVersion.objects.filter(label=label, row_id=row_id).first()
        return self.versions[(label, row_id)]

    def get(self, key: tuple, default=None):
        return self.rows.get(key, default)

    def put(self, key: tuple, value: object) -> None:
        self.journal.append((key, key in self.rows, self.rows.get(key)))
        self.rows[key] = value

    def forget_after(self, mark: int) -> None:
        """Undo what was put since `mark` (an event's savepoint rolled back)."""
        for key, had, previous in reversed(self.journal[mark:]):
            if had:
                self.rows[key] = previous
            else:
                self.rows.pop(key, None)
        del self.journal[mark:]


class _LevelIds(MutableMapping):
    """The stock levels of the frame's SKUs and pieces, by LevelKey, for the ledger (levels an event created are
    journalled like any row, so they are forgotten when its savepoint rolls back)."""

    def __init__(self, cache: _FrameCache) -> None:
        self.cache = cache

    def __getitem__(self, key: LevelKey) -> int:
        if (level := self.cache.get(("level", key))) is None:
            raise KeyError(key)
        return level

    def __setitem__(self, key: LevelKey, level: int) -> None:
        self.cache.put(("level", key), level)

    def __delitem__(self, key: LevelKey) -> None:
        self.cache.put(("level", key), None)

    def __iter__(self) -> Iterator[LevelKey]:
        return (
            key[1] for key, level in list(self.cache.rows.items()) if key[0] == "level" and level is not None
        )

    def __len__(self) -> int:
        return sum(1 for _key in self)


_frame_rows: contextvars.ContextVar[_FrameCache | None] = contextvars.ContextVar(
    "sync_frame_rows", default=None
)


@contextlib.contextmanager
def frame_cache(events: Iterable = ()) -> Iterator[None]:
    """Cache rows while applying a frame; the rows, versions and moves its events name are read in bulk."""
    cache = _FrameCache()
    moves: list[uuid.UUID] = []
    pieces: set[uuid.UUID] = set()
    counted: set[uuid.UUID] = set()  # SKUs moved without a piece
    rows: dict[str, set[str]] = {}
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        if event.kind == "stock.move":
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                moves.append(uuid.UUID(str(payload.get("id"))))
                if payload.get("piece"):
                    pieces.add(uuid.UUID(str(payload["piece"])))
                else:
                    counted.add(uuid.UUID(str(payload.get("sku"))))
        elif event.kind in ROW_KINDS and isinstance(payload.get("rows"), list):
            for row in payload["rows"]:
                if isinstance(row, dict) and row.get("m") in ROW_KINDS[event.kind][0]:
                    meta = apps.get_model(row["m"])._meta
                    pk = row["f"].get(meta.pk.attname) if isinstance(row.get("f"), dict) else None
                    with contextlib.suppress(ValidationError, ValueError, TypeError):
                        if pk is not None:  # read as typed_values reads it, so the keys match _exists's
                            rows.setdefault(row["m"], set()).add(str(meta.pk.to_python(pk)))
    for start in range(0, len(moves), 500):
        cache.known_moves.update(
            StockMove.objects.filter(pk__in=moves[start : start + 500]).values_list("pk", flat=True)
        )
    # Every level of the pieces and counted SKUs the moves name, and the pieces themselves: one read per 500,
    # so the ledger updates a level by its id and creates a missing one without looking for it first.
    fields = ("sku_id", "piece_id", "location_id", "channel_id", "position", "pk")
    for ids, column in ((sorted(pieces), "piece_id__in"), (sorted(counted), "sku_id__in")):
        for start in range(0, len(ids), 500):
            levels = StockLevel.objects.filter(**{column: ids[start : start + 500]})
            if column == "sku_id__in":
                levels = levels.filter(piece__isnull=True)
            for *key, level in levels.values_list(*fields):
                cache.rows[("level", tuple(key))] = level
    wanted_pieces = sorted(pieces)
    for start in range(0, len(wanted_pieces), 500):
        for piece in Piece.objects.filter(pk__in=wanted_pieces[start : start + 500]):
            cache.rows[(Piece, str(piece.pk))] = piece
    for label, ids in rows.items():
        model = apps.get_model(label)
        wanted = sorted(ids)
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            with contextlib.suppress(ValidationError, ValueError, TypeError):
                found = {
                    str(pk) for pk in model._default_manager.filter(pk__in=chunk).values_list("pk", flat=True)
                }
                cache.absent.update((model, pk) for pk in chunk if pk not in found)
            cache.versions.update(dict.fromkeys(((label, pk) for pk in chunk), None))
            for version in RowVersion.objects.filter(label=label, row_id__in=chunk):
                cache.versions[(label, version.row_id)] = version
    token = _frame_rows.set(cache)
    try:
        yield
        flush_frame()
    finally:
        _frame_rows.reset(token)


def flush_frame() -> None:
    """Write what the frame's events left for its end (once): the origin's times, and the rows' versions.

    Nothing reads them from the database while the frame applies (versions are read through the cache), and
    what a rolled-back event left was forgotten with its journal, so one statement per kind replaces one each.
    """
    cache = _frame_rows.get()
    if cache is None:
        return
    _update_many(StockMove, ("created_at",), [(pk, (at,)) for pk, at in cache.stamps.items()])
    cache.stamps.clear()
    stamps: dict[tuple[type[models.Model], tuple[str, ...]], list] = {}
    new_versions, changed_versions = [], []
    for key, value in cache.rows.items():
        if key[0] == "stamp":
            stamps.setdefault((key[1], tuple(value)), []).append((key[2], tuple(value.values())))
        elif key[0] == "version" and value is not None:
            (new_versions if value.pk is None else changed_versions).append(value)
    for (model, names), rows in stamps.items():
        _update_many(model, names, rows)
    RowVersion.objects.bulk_create(new_versions, batch_size=250)
    _update_many(RowVersion, ("event_id",), [(v.pk, (v.event_id,)) for v in changed_versions])


def _update_many(model: type[models.Model], names: tuple[str, ...], rows: list[tuple[object, tuple]]) -> None:
    """Set `names` of many rows by primary key, each to its own values, in one executemany."""
    if not rows:
        return
    quote, meta = connection.ops.quote_name, model._meta
    fields = [meta.get_field(name) for name in names]
    assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
    # Only quoted names from the model's meta go into the text; every value is a parameter.
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(meta.pk.column)} = %s"  # noqa: S608
    params = [
        [field.get_db_prep_save(value, connection) for field, value in zip(fields, values, strict=True)]
        + [meta.pk.get_db_prep_save(pk, connection)]
        for pk, values in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, params)


def row_version(label: str, row_id: str) -> RowVersion | None:
    """The version of a row as this frame sees it (versions written in a frame reach the table at its end)."""
    cache = _frame_rows.get()
    if cache is not None:
        return cache.version(label, row_id)
    return RowVersion.objects.filter(label=label, row_id=row_id).first()


def _row(model: type[models.Model], pk: object) -> models.Model | None:
    """Return the row (None if missing), from the frame's cache when it was read before."""
    cache = _frame_rows.get()
    key = (model, str(pk))
    if cache is not None and (row := cache.get(key)) is not None:
        return row
    row = model._default_manager.filter(pk=pk).order_by().first()
    if cache is not None and row is not None:
        cache.put(key, row)
    return row


def _is_hub(node: Node) -> bool:
    return node.kind == Node.Kind.HUB


def _exists(model: type[models.Model], pk: object) -> bool:
    cache = _frame_rows.get()
    if cache is not None and (
        cache.get((model, str(pk))) is not None or cache.get(("exists", model, str(pk))) is not None
    ):
        return True
    if cache is not None and (model, str(pk)) in cache.absent:
        return False  # missing at the frame's start and not written since (a write is remembered below)
    found = model._default_manager.filter(pk=pk).exists()
    if cache is not None and found:
        cache.put(("exists", model, str(pk)), True)
    return found


def _resolve_user(username: object):
    """Return the user named in a row; one unknown here becomes an inactive account that cannot log in."""
    if username is None:
        return None
    if not isinstance(username, str) or not username or len(username) > 150:
        raise Refused("malformed username")
    user_model = get_user_model()
    cache = _frame_rows.get()
    if cache is not None and (user := cache.get(("user", username))) is not None:
        return user
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model(username=username, is_active=False)
        user.set_unusable_password()
        user.save()
    if cache is not None:
        cache.put(("user", username), user)
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
    cache = _frame_rows.get()
    hub_locations = cache.get(("hub locations", origin.pk)) if cache is not None else None
    if hub_locations is None:
        hub_locations = frozenset(Location.objects.filter(node=origin).values_list("pk", flat=True))
        if cache is not None:
            cache.put(("hub locations", origin.pk), hub_locations)
    for model, pk, values in prepared:
        label = label_of(model)
        if label == "catalog.piece":
            version = row_version(label, str(pk))
            if version is not None and version.origin != origin.pk:
                raise Refused(f"out of scope: hub {origin.name} may change only pieces it created")
            sku = _row(SKU, values["sku_id"])
            if sku is None:
                raise Waiting(f"waiting for SKU {values['sku_id']}")
            if _row(Product, sku.product_id).cooperative_id != origin.cooperative_id:
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
    cache = _frame_rows.get()
    version = row_version(label, str(pk))
    if version is not None and version.event_id >= event.id:
        return  # a later write already holds this row (last writer wins, by event id)
    resolved = {}
    for field in model._meta.concrete_fields:
        if is_user_field(field) and field.attname in values:
            user = _resolve_user(values[field.attname])
            resolved[field.attname] = user.pk if user else None
    obj = model(**{**values, **resolved})
    obj._state.adding = not exists
    # References were found above (or resolved, for users): full_clean need not look each one up again.
    checked = [
        f.name
        for f in model._meta.concrete_fields
        if f.is_relation and (is_user_field(f) or values.get(f.attname) is not None)
    ]
    obj.full_clean(exclude=checked, validate_unique=False, validate_constraints=False)
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
            if stamped and cache is None:
                model._default_manager.filter(pk=pk).update(**stamped)
    except IntegrityError as error:
        raise Refused(f"{label} {pk} breaks a rule of the database: {error}") from None
    except ValueError as error:  # the writers' CatalogError and friends: a message a person can act on
        raise Refused(str(error)) from None
    owner = version.origin if version else origin.pk
    if cache is None:
        record_version(label, str(pk), event.id, owner)
        return
    cache.put(("exists", model, str(pk)), True)  # forgotten again if the event's savepoint rolls back
    if stamped:
        cache.put(("stamp", model, pk), stamped)  # written at the frame's end (flush_frame)
        for name, value in stamped.items():
            setattr(obj, name, value)
    cache.put((model, str(pk)), obj)  # as written: a move of a piece received in this frame needs no read
    # Written at the frame's end too; a version without a primary key is still to be created.
    version = RowVersion(
        pk=version.pk if version else None, label=label, row_id=str(pk), event_id=event.id, origin=owner
    )
    cache.put(("version", label, str(pk)), version)


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
    cache = _frame_rows.get()
    if move_id in cache.known_moves if cache is not None else StockMove.objects.filter(pk=move_id).exists():
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
                or _commits_made_piece(p, sku, piece, location, source, target, reason)
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
            level_ids=cache.level_ids if cache is not None else None,
        )
    except InsufficientStock as error:
        raise Waiting(f"waiting for stock: {error}") from None
    if cache is not None:
        cache.stamps[move_id] = occurred  # the last step: nothing after it can roll this move back
    else:
        StockMove.objects.filter(pk=move_id).update(created_at=occurred)


def _commits_made_piece(
    payload: dict, sku, piece, location, source: Slot, target: Slot | None, reason
) -> bool:
    """A hub's inspection passed a piece made for an order line it ships and committed it to that line.

    The piece moves from the web store's shelf to committed in the same transaction as its release
    (production.handover), so it was never on sale at the hub; at the centre the two moves apply in order.
    """
    from sambung.orders.models import OrderLine

    return (
        piece is not None
        and reason == StockMove.Reason.SALE
        and source.position == Position.AVAILABLE
        and target is not None
        and target.position == Position.COMMITTED
        and target.channel == source.channel
        and OrderLine.objects.filter(
            order__code=payload.get("reference", ""), made_to_order=True, sku=sku, location=location
        ).exists()
    )


def apply_stall_sale_event(event: Event, origin: Node) -> None:
    """Record a hub's market-stall sale through the stall's own writer (its moves carry the sale's line ids)."""
    from sambung.pos.sales import SaleRefused, apply_stall_sale

    payload = event.payload
    try:
        channel = Channel.objects.get(pk=payload["channel"])
    except Channel.DoesNotExist:
        raise Waiting(f"waiting for the stall {payload['channel']}") from None
    except (KeyError, TypeError, ValueError, ValidationError):
        raise Refused("malformed stall sale") from None
    if channel.node_id != origin.pk or channel.kind != Channel.Kind.STALL:
        raise Refused(f"out of scope: {origin.name} may record sales only at its own stall")
    try:
        apply_stall_sale(payload)
    except models.ObjectDoesNotExist as missing:
        raise Waiting(f"waiting for a row of the sale: {missing}") from None
    except SaleRefused as refused:  # its units have not arrived here yet; retried after every frame
        raise Waiting(str(refused)) from None


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
