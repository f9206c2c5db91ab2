"""HTTP endpoints for photo files: one signed request per chunk, from enrolled, unrevoked hubs only.

CSRF-exempt for the same reason as sync.endpoints: no browser session, the Ed25519 signature authenticates.
"""

from django.http import HttpRequest, HttpResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from sambung.catalog.models import Node
from sambung.sync import files
from sambung.sync.endpoints import OCTETS, _refusal, in_senders_language
from sambung.sync.exchange import PeerRefused
from sambung.sync.node import is_hub


def _handle(request: HttpRequest, operation: str, answer) -> HttpResponse:
    if is_hub():
        return _refusal("This node is a hub; send files to the centre.", 404)
    if int(request.headers.get("Content-Length") or 0) > files.MAX_ENVELOPE_BYTES:
        return _refusal("Request too large.", 413)
    try:
        peer, header, body = files.open_envelope(request.body)
        if peer.node.kind != Node.Kind.HUB or header.get("op") != operation:
            raise files.FileRefused("Malformed file request.")
        return HttpResponse(answer(peer, header, body), content_type=OCTETS)
    except PeerRefused as error:
        return _refusal(str(error), 403)
    except files.FileRefused as error:
        return _refusal(f"File refused, nothing stored: {error}", 400)


@csrf_exempt
@require_POST
@in_senders_language
def wants_view(request: HttpRequest) -> HttpResponse:
    """Which originals the centre waits for from this hub, and how much of each it holds."""
    return _handle(request, "wants", lambda peer, header, body: files.answer_wants(peer))


@csrf_exempt
@require_POST
@in_senders_language
def put_view(request: HttpRequest) -> HttpResponse:
    """A chunk of an original from the hub that took the photo."""
    return _handle(request, "put", files.receive_chunk)


@csrf_exempt
@require_POST
@in_senders_language
def get_view(request: HttpRequest) -> HttpResponse:
    """A chunk of a rendition the hub shows (thumb or detail)."""
    return _handle(request, "get", lambda peer, header, body: files.serve_chunk(peer, header))
