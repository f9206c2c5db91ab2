"""The HTTP transport: enrol, push and pull, one frame per request.

CSRF-exempt because no browser session is involved: the Ed25519 signature on every frame authenticates the
sender (and enrolment is authenticated by its one-time code). An unknown or revoked node gets 403.
"""

import base64
import binascii
import functools
import json
import time

from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sambung.sync.enrolment import EnrolmentError, enrol
from sambung.sync.exchange import (
    PeerRefused,
    acknowledge,
    build_frame,
    local_vector,
    open_frame,
    receive_frame,
)
from sambung.sync.frames import MAX_FRAME_BYTES, Frame, FrameError, encode_frame
from sambung.sync.node import is_hub, private_key, this_node

OCTETS = "application/octet-stream"
# A hub keeps two push frames in flight (sync.transport.PUSH_AHEAD): the later one waits this long at most for
# the earlier one to be held, so a hub's events arrive as a prefix even when the second request is served first.
# Once the earlier frame is being applied it holds the write lock, so a wait that runs out still applies in order.
IN_ORDER_WAIT = 5.0


def in_senders_language(view):
    """Answer refusals in the language the sending node asks for (Accept-Language; Indonesian by default)."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        with translation.override(translation.get_language_from_request(request, check_path=False)):
            return view(request, *args, **kwargs)

    return wrapped


def _refusal(message: str, status: int) -> HttpResponse:
    return HttpResponse(message, status=status, content_type="text/plain; charset=utf-8")


def _body(request: HttpRequest) -> bytes | None:
    length = int(request.headers.get("Content-Length") or 0)
    if length > MAX_FRAME_BYTES:
        return None
    return request.body


@csrf_exempt
@require_POST
@in_senders_language
def enrol_view(request: HttpRequest) -> HttpResponse:
    if is_hub():
        return _refusal("This node is a hub; enrol with the centre.", 404)
    try:
        data = json.loads(request.body)
        public_key = base64.b64decode(data["public_key"], validate=True)
        certificate = enrol(code=str(data["code"]), public_key=public_key)
    except (ValueError, KeyError, TypeError, binascii.Error) as error:
        if isinstance(error, EnrolmentError):
            return _refusal(str(error), 403)
        return _refusal("Malformed enrolment request.", 400)
    return HttpResponse(certificate, content_type=OCTETS)


@csrf_exempt
@require_POST
@in_senders_language
def push_view(request: HttpRequest) -> HttpResponse:
    """Apply one frame from a hub; answer with this node's vector (the acknowledgement), signed."""
    data = _body(request)
    if data is None:
        return _refusal("Frame too large.", 413)
    try:
        _wait_for_the_frame_before(open_frame(data)[1])
        result = receive_frame(data)
    except PeerRefused as error:
        return _refusal(str(error), 403)
    except FrameError as error:
        return _refusal(f"Frame refused, nothing applied: {error}", 400)
    _ = result
    ack = encode_frame(sender=this_node().pk, key=private_key(), vector=local_vector())
    return HttpResponse(ack, content_type=OCTETS)


def _wait_for_the_frame_before(frame: Frame) -> None:
    """Wait (a little) until this node holds every event before the frame's ranges: frames apply in order."""
    deadline = time.monotonic() + IN_ORDER_WAIT
    while time.monotonic() < deadline:
        held = local_vector()
        if all(held.get(origin, 0) + 1 >= first for origin, first, _last in frame.ranges):
            return
        time.sleep(0.02)
    # The earlier frame never came (its sender stopped): apply this one anyway, its events beyond the gap.


@csrf_exempt
@require_POST
@in_senders_language
def pull_view(request: HttpRequest) -> HttpResponse:
    """Answer a hub's vector with the next frame of events it lacks (no ranges: it has everything)."""
    data = _body(request)
    if data is None:
        return _refusal("Frame too large.", 413)
    try:
        peer, frame = open_frame(data)
    except PeerRefused as error:
        return _refusal(str(error), 403)
    except FrameError as error:
        return _refusal(f"Request refused: {error}", 400)
    from django.utils import timezone

    with transaction.atomic():
        acknowledge(peer, frame.vector, timezone.now())
    return HttpResponse(build_frame(peer, beyond=frame.vector).data, content_type=OCTETS)
