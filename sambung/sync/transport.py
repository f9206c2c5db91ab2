"""Exchanges: a hub syncing with its centre over HTTP (one frame per request), and bundle files.

Progress is by acknowledged vectors, so a sync cut off at any point resumes where it stopped: what the centre
already applied is skipped by event id, and what it acknowledged is not sent again.
"""

import http.client
import json
import urllib.error
import urllib.request
import uuid
from collections.abc import Callable
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
    open_frame,
    receive_frame,
)
from sambung.sync.frames import FrameError, decode_bundle, encode_bundle
from sambung.sync.models import Peer
from sambung.sync.node import private_key, public_bytes, this_node

TIMEOUT = 60
MAX_ROUNDS = 100_000


class SyncError(Exception):
    """The exchange stopped: the message says why; everything acknowledged so far is kept."""


class LinkDropped(SyncError):
    """The centre could not be reached, or the link dropped before its answer arrived."""


@dataclass
class Step:
    direction: str  # "push" | "pull" | "export" | "import"
    number: int
    events: int
    size: int
    applied: int = 0
    waiting: int = 0
    review: int = 0

    def __str__(self) -> str:
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
        pushed = _push(peer, url, steps, report, pushed)
        pulled = _pull(peer, url, steps, report, pulled)
        if not build_frame(peer, limit=1).ranges:
            break
    return steps


def _push(peer: Peer, url: str, steps: list[Step], report: Callable[[Step], None], done: int) -> int:
    for number in range(done + 1, done + MAX_ROUNDS):
        outgoing = build_frame(peer)
        if not outgoing.ranges:
            return number - 1
        reply = _post(url + "/sync/v1/push", outgoing.data)
        try:
            sender, ack = open_frame(reply)
        except FrameError as error:
            raise SyncError(str(error)) from None
        if sender.pk != peer.pk:
            raise SyncError(_("The reply was not signed by this hub's centre."))
        before = dict(peer.acknowledged)
        with transaction.atomic():
            acknowledge(peer, ack.vector, ack_time())
        step = Step("push", number, outgoing.events, len(outgoing.data))
        steps.append(step)
        report(step)
        if peer.acknowledged == before:
            raise SyncError(_("The centre did not acknowledge the frame; try again later."))
    return done + MAX_ROUNDS


def _pull(peer: Peer, url: str, steps: list[Step], report: Callable[[Step], None], done: int) -> int:
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
    peer = resolve_peer(for_node)
    vector = {uuid.UUID(k): v for k, v in peer.acknowledged.items()}
    frames = []
    for number in range(1, MAX_ROUNDS):
        outgoing = build_frame(peer, beyond=vector)
        if not outgoing.ranges and frames:
            break
        frames.append(outgoing.data)
        report(Step("export", number, outgoing.events, len(outgoing.data)))
        if not outgoing.ranges:
            break  # nothing to send: the bundle still carries this node's vector (an acknowledgement)
        for origin, _first, last in outgoing.ranges:
            vector[origin] = max(vector.get(origin, 0), last)
    data = encode_bundle(sender=this_node().pk, recipient=peer.pk, frames=frames)
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
    for step in steps:
        report(step)
    return Imported(steps)


def local_summary() -> dict:
    return {"node": str(this_node().pk), "vector": {str(k): v for k, v in local_vector().items()}}
