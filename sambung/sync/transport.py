"""Exchanges: a hub syncing with its centre over HTTP (one frame per request), and bundle files.

Progress is by acknowledged vectors, so a sync cut off at any point resumes where it stopped: what the centre
already applied is skipped by event id, and what it acknowledged is not sent again.
"""

import collections
import http.client
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from django.db import transaction
from django.utils.translation import gettext as _

from sambung.catalog.models import Node
from sambung.sync import enrolment
from sambung.sync.exchange import (
    acknowledge,
    apply_frame,
    build_frame,
    is_already_held,
    local_vector,
    merge_vectors,
    open_frame,
    receive_frame,
    vector_from_json,
)
from sambung.sync.frames import FrameError, Vector, decode_bundle, encode_bundle
from sambung.sync.models import Peer
from sambung.sync.node import private_key, public_bytes, this_node

TIMEOUT = 60
MAX_ROUNDS = 100_000
# Push frames in flight at once: the next frame travels while the centre applies the previous one (each is
# still one frame per request, applied in its own transaction, in any order; progress only on acknowledgement).
PUSH_AHEAD = 2


class SyncError(Exception):
    """The exchange stopped: the message says why; everything acknowledged so far is kept."""


class LinkDropped(SyncError):
    """The centre could not be reached, or the link dropped before its answer arrived."""


@dataclass
class Step:
    direction: str  # "push" | "pull" | "export" | "import" | "upload" | "download" (a photo file)
    number: int
    events: int
    size: int
    applied: int = 0
    waiting: int = 0
    review: int = 0
    files: int = 0  # photo files carried (a file step, or a bundle's file part)
    problems: tuple[str, ...] = ()
    part: str = "frame"  # "frame" | "files" (a photo file, or a bundle's file part)

    def __str__(self) -> str:
        if self.direction in ("upload", "download") and not self.problems:
            return f"{self.direction} file {self.number}: {self.size} bytes"
        if self.part == "files":
            text = f"{self.direction} files: {self.files} files, {self.size} bytes"
            return text + "".join(f"\n  not stored: {problem}" for problem in self.problems)
        text = f"{self.direction} frame {self.number}: {self.events} events, {self.size} bytes"
        if self.direction in ("pull", "import"):
            text += f" (applied {self.applied}, waiting {self.waiting}, to review {self.review})"
        return text


def centre_peer() -> Peer:
    peer = Peer.objects.select_related("node").filter(node__kind=Node.Kind.CENTRE).first()
    if peer is None:
        raise SyncError(_("This installation is not an enrolled hub: run enrol_hub first."))
    return peer


def _post(url: str, data: bytes, content_type: str = "application/octet-stream") -> bytes:
    if not url.startswith(("http://", "https://")):
        raise SyncError(_("The centre's address must start with http:// or https://."))
    request = urllib.request.Request(url, data=data, method="POST", headers={"Content-Type": content_type})  # noqa: S310
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:  # noqa: S310 (the operator's URL)
            return response.read()
    except urllib.error.HTTPError as error:
        message = error.read().decode("utf-8", "replace").strip() or str(error)
        raise SyncError(
            _("The centre refused (%(status)s): %(message)s") % {"status": error.code, "message": message}
        ) from None
    except (urllib.error.URLError, http.client.HTTPException, TimeoutError, ConnectionError) as error:
        raise LinkDropped(
            _("Cannot reach the centre at %(url)s: %(error)s") % {"url": url, "error": error}
        ) from None


def enrol_with_centre(*, centre_url: str, code: str) -> Node:
    """Make this installation a hub: send a new public key with the code, install the certificate."""
    enrolment.check_fresh_installation()
    key = private_key()
    body = json.dumps({"code": code, "public_key": enrolment.base64.b64encode(public_bytes(key)).decode()})
    raw = _post(centre_url.rstrip("/") + "/sync/v1/enrol", body.encode(), "application/json")
    certificate = enrolment.read_certificate(raw)
    return enrolment.install_certificate(certificate, centre_url=centre_url.rstrip("/"))


def sync_with_centre(
    *, centre_url: str | None = None, report: Callable[[Step], None] = lambda step: None
) -> list[Step]:
    """Push this hub's events, then pull the centre's, a frame per request, until neither has anything left."""
    peer = centre_peer()
    url = (centre_url or peer.url).rstrip("/")
    if not url:
        raise SyncError(_("Give the centre's address with --centre."))
    steps: list[Step] = []
    pushed = pulled = 0
    # Applying the centre's frames can make the hub write events of its own (a cancellation the centre asked
    # for, carried out and answered): push those too, so one sync leaves both nodes with the same state.
    for _round in range(3):
        pushed, centre_holds = _push(peer, url, steps, report, pushed)
        pulled = _pull(peer, url, steps, report, pulled, centre_holds)
        if not build_frame(peer, limit=1).ranges:
            break
    _transfer_files(peer, url, steps, report)
    return steps


def _transfer_files(peer: Peer, url: str, steps: list[Step], report: Callable[[Step], None]) -> None:
    """Send the originals the centre waits for, then fetch the renditions this hub waits for."""
    from sambung.sync import files

    def record(direction: str, _photo, size: int) -> None:
        number = sum(s.direction == direction for s in steps) + 1
        step = Step(direction, number, 0, size, files=1, part="files")
        steps.append(step)
        report(step)

    try:
        problems = files.send_originals(peer, url, _post, record).refused
        problems += files.fetch_renditions(peer, url, _post, record).refused
    except FrameError as error:
        raise SyncError(_("A photo file was refused: %(message)s") % {"message": error}) from None
    if problems:
        step = Step("download", 0, 0, 0, problems=tuple(problems), part="files")
        steps.append(step)
        report(step)


def _holds_all(mine: Vector, theirs: Vector) -> bool:
    """True when this node holds every event the other node's vector says it holds (nothing to pull)."""
    return all(mine.get(origin, 0) >= seq for origin, seq in theirs.items())


def _push(
    peer: Peer, url: str, steps: list[Step], report: Callable[[Step], None], done: int
) -> tuple[int, Vector | None]:
    """Push every frame the centre lacks; return the last frame's number and the centre's vector (None: no push)."""
    number, centre_holds = done, None
    sent = vector_from_json(peer.acknowledged)  # acknowledged, plus the frames in flight
    in_flight: collections.deque = collections.deque()
    with ThreadPoolExecutor(max_workers=PUSH_AHEAD) as pool:
        while True:
            while len(in_flight) < PUSH_AHEAD and number - done < MAX_ROUNDS:
                outgoing = build_frame(peer, beyond=sent)
                if not outgoing.ranges:
                    break
                sent = merge_vectors(sent, {origin: last for origin, _first, last in outgoing.ranges})
                number += 1
                in_flight.append((number, outgoing, pool.submit(_post, url + "/sync/v1/push", outgoing.data)))
            if not in_flight:
                return number, centre_holds
            frame_number, outgoing, reply = in_flight.popleft()
            try:
                sender, ack = open_frame(reply.result())
            except FrameError as error:
                raise SyncError(str(error)) from None
            if sender.pk != peer.pk:
                raise SyncError(_("The reply was not signed by this hub's centre."))
            with transaction.atomic():
                acknowledge(peer, ack.vector, ack_time())
            centre_holds = ack.vector
            step = Step("push", frame_number, outgoing.events, len(outgoing.data))
            steps.append(step)
            report(step)
            # The frame behind it may have been applied first: what counts is that the ranges are acknowledged.
            if not _holds_all(
                vector_from_json(peer.acknowledged), {o: last for o, _f, last in outgoing.ranges}
            ):
                raise SyncError(_("The centre did not acknowledge the frame; try again later."))


def _pull(
    peer: Peer,
    url: str,
    steps: list[Step],
    report: Callable[[Step], None],
    done: int,
    centre_holds: Vector | None = None,
) -> int:
    """Pull frames until the centre has nothing this hub lacks; `centre_holds` (its last ack) may spare a request."""
    if centre_holds is not None and _holds_all(local_vector(), centre_holds):
        return done
    for number in range(done + 1, done + MAX_ROUNDS):
        request = build_frame(peer, limit=0)  # no events: its vector says what this hub holds
        reply = _post(url + "/sync/v1/pull", request.data)
        try:
            result = receive_frame(reply)
        except FrameError as error:
            raise SyncError(_("The centre's frame was refused: %(message)s") % {"message": error}) from None
        _sender, frame = open_frame(reply)
        if not frame.ranges:
            return number - 1
        step = Step(
            "pull", number, result.events, len(reply), result.applied, result.waiting, len(result.review)
        )
        steps.append(step)
        report(step)
        if _holds_all(local_vector(), frame.vector):
            return number  # the frame held the rest: no need to ask again for an empty one
    return done + MAX_ROUNDS


def ack_time():
    from django.utils import timezone

    return timezone.now()


def resolve_peer(name_or_id: str | None) -> Peer:
    """The peer a bundle is for: on a hub, its centre by default; on the centre, a hub by id or name."""
    if not name_or_id:
        if not Peer.objects.filter(node__kind=Node.Kind.CENTRE).exists():
            raise SyncError(_('On the centre, name the hub the bundle is for: --for "Hub name".'))
        return centre_peer()
    try:
        peer = Peer.objects.select_related("node").filter(pk=uuid.UUID(name_or_id)).first()
    except ValueError:
        peer = Peer.objects.select_related("node").filter(node__name=name_or_id).first()
    if peer is None:
        raise SyncError(_("No enrolled node %(node)s here.") % {"node": name_or_id})
    return peer


def export_bundle(
    *, path: Path | None = None, for_node: str | None = None, report=lambda step: None
) -> bytes:
    """Write everything the peer has not acknowledged into a bundle (frames of ≤500 events); return its bytes."""
    from sambung.sync import files

    peer = resolve_peer(for_node)
    vector = {uuid.UUID(k): v for k, v in peer.acknowledged.items()}
    frames, ranges = [], []
    for number in range(1, MAX_ROUNDS):
        outgoing = build_frame(peer, beyond=vector)
        if not outgoing.ranges and frames:
            break
        frames.append(outgoing.data)
        report(Step("export", number, outgoing.events, len(outgoing.data)))
        if not outgoing.ranges:
            break  # nothing to send: the bundle still carries this node's vector (an acknowledgement)
        ranges += outgoing.ranges
        for origin, _first, last in outgoing.ranges:
            vector[origin] = max(vector.get(origin, 0), last)
    # The files follow the frames: the photos the frames carry, and those the peer said it waits for.
    part, count = files.build_file_part(peer, files.photos_in_ranges(ranges))
    report(Step("export", len(frames) + 1, 0, len(part), files=count, part="files"))
    data = encode_bundle(sender=this_node().pk, recipient=peer.pk, frames=frames, files=part)
    if path is not None:
        temporary = Path(str(path) + ".part")
        temporary.write_bytes(data)
        temporary.replace(path)
    return data


@dataclass
class Imported:
    steps: list[Step]
    already: bool = False


def import_bundle(data: bytes, *, report=lambda step: None) -> Imported:
    """Verify every frame of a bundle, then apply them all in one transaction; raise FrameError for a bad one."""
    bundle = decode_bundle(data)
    me = this_node()
    if bundle.recipient is not None and bundle.recipient != me.pk:
        raise FrameError(
            _("This bundle is for another node (%(node)s), not this one.") % {"node": bundle.recipient}
        )
    opened = []
    for raw in bundle.frames:
        peer, frame = open_frame(raw)
        if peer.pk != bundle.sender:
            raise FrameError(_("A frame in the bundle was not written by the bundle's sender."))
        opened.append((peer, frame))
    if not opened:
        raise FrameError(_("The bundle holds no frames."))
    from sambung.sync import files

    # Checked before anything is applied: a truncated or altered file part refuses the whole bundle.
    part = files.read_file_part(bundle.files, opened[0][0]) if bundle.files else None
    if all(is_already_held(frame) for _peer, frame in opened) and any(frame.events for _p, frame in opened):
        with transaction.atomic():
            for peer, frame in opened:
                acknowledge(peer, frame.vector, ack_time())
        return Imported([], already=True)
    steps = []
    with transaction.atomic():
        for number, (peer, frame) in enumerate(opened, 1):
            result = apply_frame(peer, frame)
            steps.append(
                Step(
                    "import",
                    number,
                    result.events,
                    frame.size,
                    result.applied,
                    result.waiting,
                    len(result.review),
                )
            )
        if part is not None:
            stored, problems = files.store_file_part(opened[0][0], part)
            steps.append(
                Step(
                    "import",
                    len(steps) + 1,
                    0,
                    part.size,
                    files=stored,
                    problems=tuple(problems),
                    part="files",
                )
            )
    for step in steps:
        report(step)
    return Imported(steps)


def local_summary() -> dict:
    return {"node": str(this_node().pk), "vector": {str(k): v for k, v in local_vector().items()}}
