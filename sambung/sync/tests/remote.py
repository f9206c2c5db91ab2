"""A simulated hub for tests on one database: its own key and sequence, sending frames as a real hub would."""

import datetime
import time
import uuid

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sambung.catalog.models import Cooperative, Location, Piece
from sambung.lib.ids import uuid7
from sambung.sync.enrolment import create_hub, stall_of
from sambung.sync.frames import WireEvent, encode_frame
from sambung.sync.models import Peer
from sambung.sync.node import public_bytes
from sambung.sync.outbox import next_event_id
from sambung.sync.rows import serialize_row
from sambung.tests.helpers import SIKKA_VILLAGE

CREATED = datetime.datetime(2026, 11, 1, 8, 0, tzinfo=datetime.UTC)


class RemoteHub:
    def __init__(self, cooperative: Cooperative, name: str = "Hub Watublapi", *, enrol: bool = True) -> None:
        self.node = create_hub(cooperative=cooperative, name=name, village_code=SIKKA_VILLAGE)
        self.location = Location.objects.get(node=self.node)
        self.stall = stall_of(self.node)
        self.key = Ed25519PrivateKey.generate()
        self.seq = 0
        self.last_id = None
        self.peer = None
        if enrol:
            self.peer = Peer.objects.create(
                node=self.node, public_key=public_bytes(self.key), locations=[str(self.location.pk)]
            )

    def event(self, kind: str, payload: dict, *, occurred_ms: int | None = None) -> WireEvent:
        self.seq += 1
        self.last_id = next_event_id(self.last_id)
        return WireEvent(
            self.last_id, self.node.pk, self.seq, kind, payload,
            occurred_ms if occurred_ms is not None else int(time.time() * 1000), self.node.cooperative_id,
        )  # fmt: skip

    def move(
        self, *, sku, source, target, reason: str, piece=None, location=None, quantity: int = 1
    ) -> WireEvent:
        return self.event(
            "stock.move",
            {
                "id": str(uuid7()),
                "sku": str(sku.pk),
                "piece": str(piece.pk) if piece else None,
                "location": str((location or self.location).pk),
                "quantity": quantity,
                "source": source,
                "target": target,
                "reason": reason,
                "reference": "",
                "node": str(self.node.pk),
                "at": "2026-11-01T08:00:00+00:00",
            },
        )

    def piece(
        self, *, sku, maker, code: str, pk: uuid.UUID | None = None, **fields
    ) -> tuple[uuid.UUID, WireEvent]:
        piece = Piece(id=pk or uuid7(), sku=sku, maker=maker, code=code, created_at=CREATED, **fields)
        return piece.pk, self.event("piece.saved", {"rows": [serialize_row(piece)]})

    def frame(self, events: list[WireEvent], *, ranges=None, vector=None, key=None) -> bytes:
        if ranges is None:
            seqs = [e.seq for e in events if e.origin == self.node.pk]
            ranges = [(self.node.pk, min(seqs), max(seqs))] if seqs else []
        return encode_frame(
            sender=self.node.pk,
            key=key or self.key,
            events=events,
            ranges=ranges,
            vector=vector if vector is not None else {self.node.pk: self.seq},
        )
