"""One Sambung node in its own process, driven over stdin/stdout by the property test (one JSON object a line).

Started as `python -m sambung.syncproof.tests.nodeworker` with the node's SAMBUNG_DATA_DIR. Each request is
{"call": name, "args": {...}}; each answer {"ok": value} or {"error": message, "kind": exception class}.
Frames travel base64-encoded. `reset` puts back a saved copy of the node's data directory, so that every
hypothesis example starts from the same enrolled centre and hubs.
"""

from __future__ import annotations

import base64
import json
import os
import shutil
import sys
import traceback
from pathlib import Path


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings

    from sambung.syncproof.tests import world

    data_dir = Path(settings.DATA_DIR)

    def reset(template: str) -> None:
        from django.db import connections

        connections.close_all()
        for name in ("sambung.sqlite3", "sambung.sqlite3-wal", "sambung.sqlite3-shm"):
            (data_dir / name).unlink(missing_ok=True)
        for path in Path(template).iterdir():
            if path.is_file():
                shutil.copy2(path, data_dir / path.name)

    def frames_for(peer: str, beyond: dict | None = None, limit: int = 500) -> list[str]:
        """Every frame this node would send the peer beyond `beyond` (default: the peer's acknowledged vector)."""
        from sambung.sync.exchange import build_frame, merge_vectors, vector_from_json
        from sambung.sync.models import Peer

        record = Peer.objects.select_related("node").get(pk=peer)
        vector = vector_from_json(record.acknowledged if beyond is None else beyond)
        frames = []
        while True:
            outgoing = build_frame(record, beyond=vector, limit=limit)
            frames.append(base64.b64encode(outgoing.data).decode())
            if not outgoing.ranges:
                return frames  # the last one carries only this node's vector: the acknowledgement
            vector = merge_vectors(vector, {origin: last for origin, _first, last in outgoing.ranges})

    def receive(frame: str) -> dict:
        from sambung.sync.exchange import receive_frame
        from sambung.sync.frames import FrameError

        try:
            received = receive_frame(base64.b64decode(frame))
        except FrameError as error:
            return {"refused": str(error)}
        return {
            "new": received.new,
            "applied": received.applied,
            "waiting": received.waiting,
            "review": received.review,
        }

    def vector() -> dict:
        from sambung.sync.exchange import local_vector, vector_to_json

        return vector_to_json(local_vector())

    def node_id() -> str:
        from sambung.sync.node import this_node

        return str(this_node().pk)

    calls = {
        "reset": reset,
        "act": world.act,
        "frames_for": frames_for,
        "receive": receive,
        "vector": vector,
        "node_id": node_id,
        "check": world.check_invariants,
        "digest": world.state_digest,
        "held_events": world.held_events,
        "summary": world.summary,
        "oversold": world.units_oversold,
        "build_cooperative": world.build_cooperative,
        "add_people": world.add_people,
    }
    for line in sys.stdin:
        request = json.loads(line)
        try:
            answer = {"ok": calls[request["call"]](**request.get("args", {}))}
        except Exception as error:  # the test shows it; the worker carries on
            answer = {"error": "".join(traceback.format_exception(error)), "kind": type(error).__name__}
        sys.stdout.write(json.dumps(answer, default=str) + "\n")
        sys.stdout.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
