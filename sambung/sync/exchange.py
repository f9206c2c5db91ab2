"""Version vectors, building the frames a peer lacks, and receiving frames (one transaction each).

A node's vector says, per origin, up to which sequence number it holds every event it should. A sender sends
what lies beyond the peer's acknowledged vector (a hub gets only its own cooperative's events; the ranges still
cover the ones left out, so its vector advances past them). A frame carries the sender's own vector: receiving
it is how a node learns what its peer holds — progress is recorded only on such acknowledgements.
"""

import datetime
import uuid
from dataclasses import dataclass, field

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from sambung.catalog.models import Node
from sambung.sync.apply import apply_event, frame_cache
from sambung.sync.frames import MAX_EVENTS, Frame, FrameError, Vector, WireEvent, decode_frame, encode_frame
from sambung.sync.models import Event, OriginCursor, Peer
from sambung.sync.node import private_key, this_node
from sambung.sync.requests import carry_out_requests

FUTURE_LIMIT = datetime.timedelta(hours=24)
APPLY_LOCK = 0x53796E63  # 'Sync'


class PeerRefused(FrameError):
    """The sender is not enrolled here, or was revoked: HTTP 403."""


def local_vector() -> Vector:
    return {c.origin: c.seq for c in OriginCursor.objects.all() if c.seq > 0}


def vector_to_json(vector: Vector) -> dict[str, int]:
    return {str(origin): seq for origin, seq in sorted(vector.items())}


def vector_from_json(raw: dict) -> Vector:
    return {uuid.UUID(origin): int(seq) for origin, seq in (raw or {}).items()}


def merge_vectors(a: Vector, b: Vector) -> Vector:
    return {origin: max(a.get(origin, 0), b.get(origin, 0)) for origin in {*a, *b}}


def pending_count(held: Vector, peer: Vector) -> int:
    """How many sequence numbers the peer lacks (an upper bound for a hub: other cooperatives' are left out)."""
    return sum(max(0, seq - peer.get(origin, 0)) for origin, seq in held.items())


def peer_key(node_id: uuid.UUID) -> tuple[Peer, Ed25519PublicKey]:
    """Return the enrolled peer and its key; raise PeerRefused for an unknown or revoked node."""
    peer = Peer.objects.select_related("node").filter(pk=node_id).first()
    if peer is None:
        raise PeerRefused(
            _("Node %(node)s is not enrolled here: enrol it with a code from the manager first.")
            % {"node": node_id}
        )
    if peer.is_revoked:
        raise PeerRefused(
            _("Hub %(name)s was revoked on %(date)s: it may no longer sync. Ask the manager.")
            % {"name": peer.node.name, "date": timezone.localtime(peer.revoked_at).strftime("%Y-%m-%d %H:%M")}
        )
    return peer, Ed25519PublicKey.from_public_bytes(bytes(peer.public_key))


@dataclass
class Outgoing:
    data: bytes
    events: int
    ranges: list


def build_frame(peer: Peer, *, beyond: Vector | None = None, limit: int = MAX_EVENTS) -> Outgoing:
    """Sign the next frame of events the peer lacks beyond its acknowledged vector (no ranges: nothing left)."""
    me = this_node()
    peer_vector = vector_from_json(peer.acknowledged) if beyond is None else beyond
    # Read the cursors before the events: an event numbered at or below a committed cursor is committed too.
    held = local_vector()
    only_cooperative = peer.node.cooperative_id if peer.node.kind == Node.Kind.HUB else None
    ranges, events = [], []
    hub_to_centre = me.kind == Node.Kind.HUB
    for origin in sorted(held):
        if origin == peer.node_id:
            continue  # its own events: it has them all
        if hub_to_centre and origin != me.pk:
            continue  # a hub sends only its own events; the centre relays the others (and holds them already)
        first, last = peer_vector.get(origin, 0) + 1, held[origin]
        if last < first:
            continue
        room = limit - len(events)
        if room <= 0:
            break
        rows = Event.objects.filter(origin=origin, seq__gte=first, seq__lte=last)
        if only_cooperative is not None:
            rows = rows.filter(Q(cooperative__isnull=True) | Q(cooperative=only_cooperative))
        rows = list(rows.order_by("seq")[:room])
        if len(rows) == room and rows[-1].seq < last:
            last = rows[-1].seq  # the frame is full: the range ends at its last event
        ranges.append((origin, first, last))
        events += [
            WireEvent(
                e.id,
                e.origin,
                e.seq,
                e.kind,
                e.payload,
                int(e.occurred_at.timestamp() * 1000),
                e.cooperative_id,
            )
            for e in rows
        ]
    data = encode_frame(sender=me.pk, key=private_key(), events=events, ranges=ranges, vector=held)
    return Outgoing(data, len(events), ranges)


@dataclass
class Received:
    sender: Node
    events: int = 0
    new: int = 0
    applied: int = 0
    waiting: int = 0
    review: list[str] = field(default_factory=list)
    size: int = 0


def open_frame(data: bytes) -> tuple[Peer, Frame]:
    """Find the sender's key and verify the frame; raise FrameError (PeerRefused for unknown or revoked)."""
    from sambung.sync.frames import frame_sender

    peer, key = peer_key(frame_sender(data))
    return peer, decode_frame(data, key)


def receive_frame(data: bytes) -> Received:
    """Verify and apply one frame in one transaction: all of it, or (FrameError) nothing."""
    peer, frame = open_frame(data)
    with transaction.atomic():
        return apply_frame(peer, frame)


def apply_frame(peer: Peer, frame: Frame) -> Received:
    """Hold the frame's new events, apply them (and any that were waiting), advance the cursors and the ack."""
    me = this_node()
    if connection.vendor == "postgresql":
        # Frames from two hubs at once would both retry the same waiting events: one receiver at a time.
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [APPLY_LOCK])
    result = Received(sender=peer.node, events=len(frame.events), size=frame.size)
    now = timezone.now()
    horizon = now + FUTURE_LIMIT
    if datetime.datetime.fromtimestamp(frame.created, tz=datetime.UTC) > horizon:
        raise FrameError(_("The frame is dated more than 24 hours ahead: check the sender's clock."))
    ranges: dict[uuid.UUID, list[tuple[int, int]]] = {}
    for origin, first, last in frame.ranges:
        ranges.setdefault(origin, []).append((first, last))
    is_from_hub = peer.node.kind == Node.Kind.HUB
    fresh: dict[uuid.UUID, WireEvent] = {}
    known = set(Event.objects.filter(pk__in=[e.id for e in frame.events]).values_list("pk", flat=True))
    numbered = {
        (origin, seq): pk
        for pk, origin, seq in Event.objects.filter(
            origin__in={e.origin for e in frame.events}, seq__in={e.seq for e in frame.events}
        ).values_list("pk", "origin", "seq")
    }
    for wire in frame.events:
        if not any(first <= wire.seq <= last for first, last in ranges.get(wire.origin, [])):
            raise FrameError(_("An event lies outside the ranges its frame claims: the frame is refused."))
        if wire.occurred_ms / 1000 > horizon.timestamp():
            raise FrameError(
                _(
                    "Event %(origin)s#%(seq)s is dated more than 24 hours ahead (%(when)s): the whole frame is refused; check the sending device's clock."
                )
                % {
                    "origin": wire.origin,
                    "seq": wire.seq,
                    "when": datetime.datetime.fromtimestamp(
                        wire.occurred_ms / 1000, tz=datetime.UTC
                    ).isoformat(),
                }
            )
        if wire.id in known:
            continue
        if wire.origin == me.pk:
            raise FrameError(_("The frame carries events in this node's name that it never wrote: refused."))
        if is_from_hub and wire.origin != peer.node_id:
            raise FrameError(_("A hub may only send its own events: the frame is refused."))
        if numbered.setdefault((wire.origin, wire.seq), wire.id) != wire.id:
            raise FrameError(
                _("Two different events claim number %(seq)s of node %(origin)s: the frame is refused.")
                % {"seq": wire.seq, "origin": wire.origin}
            )
        fresh[wire.id] = wire
    if is_from_hub and any(origin != peer.node_id for origin in ranges):
        raise FrameError(_("A hub may only send its own events: the frame is refused."))
    events = []
    with frame_cache(fresh.values()):
        for wire in fresh.values():
            event = Event(
                id=wire.id,
                origin=wire.origin,
                seq=wire.seq,
                kind=wire.kind[:40],
                payload=wire.payload,
                cooperative_id=wire.cooperative,
                occurred_at=datetime.datetime.fromtimestamp(wire.occurred_ms / 1000, tz=datetime.UTC),
                state=Event.State.WAITING,
            )
            _check_cooperative(event, peer)
            if event.state == Event.State.WAITING:
                apply_event(event, persist=False)
            events.append(event)
        # Written after applying, each with its outcome: one INSERT per batch instead of an INSERT and an UPDATE.
        Event.objects.bulk_create(events, batch_size=250)
        for origin, spans in ranges.items():
            for first, last in spans:
                advance_cursor(origin, first, last)
        if any(event.state == Event.State.APPLIED for event in events):
            retry_waiting()  # what this frame brought may be what earlier events were waiting for
    # At a hub: cancellations the centre asked for are carried out (or refused) here, and answered.
    carry_out_requests()
    result.new = len(events)
    for event in Event.objects.filter(pk__in=list(fresh)).only("kind", "origin", "seq", "state", "problem"):
        if event.state == Event.State.APPLIED:
            result.applied += 1
        elif event.state == Event.State.WAITING:
            result.waiting += 1
        else:
            result.review.append(f"{event.kind} {event.origin}#{event.seq}: {event.problem}")
    acknowledge(peer, frame.vector, now)
    return result


def _check_cooperative(event: Event, peer: Peer) -> None:
    """A hub's events belong to its cooperative; one that does not goes to review."""
    if peer.node.kind == Node.Kind.HUB and event.cooperative_id not in (None, peer.node.cooperative_id):
        event.state, event.problem = Event.State.REVIEW, "out of scope: an event of another cooperative"


def acknowledge(peer: Peer, vector: Vector, now) -> None:
    merged = merge_vectors(vector_from_json(peer.acknowledged), vector)
    Peer.objects.filter(pk=peer.pk).update(acknowledged=vector_to_json(merged), last_sync_at=now)
    peer.acknowledged, peer.last_sync_at = vector_to_json(merged), now


def advance_cursor(origin: uuid.UUID, first: int, last: int) -> None:
    """Record that this node now holds origin's events first..last; merge into the contiguous cursor."""
    cursor, _created = OriginCursor.objects.get_or_create(origin=origin)
    spans = sorted([*map(tuple, cursor.beyond), (first, last)])
    seq, beyond = cursor.seq, []
    for a, b in spans:
        if a <= seq + 1:
            seq = max(seq, b)
        else:
            beyond.append([a, b])
    merged: list[list[int]] = []
    for a, b in beyond:
        if merged and a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        elif b > seq:
            merged.append([max(a, seq + 1), b])
    OriginCursor.objects.filter(pk=origin).update(seq=seq, beyond=merged)


def retry_waiting() -> int:
    """Apply waiting events again until a pass changes nothing; return how many applied."""
    total = 0
    while True:
        progress = 0
        for event in Event.objects.filter(state=Event.State.WAITING).order_by("origin", "seq"):
            apply_event(event)
            if event.state != Event.State.WAITING:
                progress += 1
        total += progress
        if not progress:
            return total


def is_already_held(frame: Frame) -> bool:
    """True when this node holds every event and range of the frame (a replayed frame or bundle)."""
    held = local_vector()
    if any(held.get(origin, 0) < last for origin, _first, last in frame.ranges):
        return False
    return Event.objects.filter(pk__in=[e.id for e in frame.events]).count() == len(frame.events)
