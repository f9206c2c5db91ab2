"""Back-office pages: the manager's hubs page (create, enrolment code, revoke, review) and a hub's Sync page.

Managers (the only role that changes the catalogue) manage hubs; a hub operator syncs, exports and imports at
her hub. Anything else answers 404, like a missing page.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from sambung.accounts.access import Can, access_cooperative
from sambung.accounts.models import Membership
from sambung.catalog.models import Node
from sambung.catalog.views import office_context
from sambung.inventory.models import Channel, Position, StockLevel
from sambung.sync.enrolment import EnrolmentError, create_hub, issue_code, revoke_hub
from sambung.sync.exchange import local_vector, pending_count, vector_from_json
from sambung.sync.forms import BundleForm, HubForm
from sambung.sync.frames import FrameError
from sambung.sync.models import Event, LocalNode, Peer
from sambung.sync.transport import SyncError, export_bundle, import_bundle, sync_with_centre

# Only managers may change the catalogue; they are the ones who create, enrol and revoke hubs.
MANAGE_HUBS = Can.CHANGE_CATALOG
# Whoever inspects at a hub (manager or hub operator) may also sync it.
SYNC_HUB = Can.INSPECT


def _hub_rows(cooperative) -> list[dict]:
    held = local_vector()
    hubs = Node.objects.filter(cooperative=cooperative, kind=Node.Kind.HUB).order_by("name")
    peers = {peer.pk: peer for peer in Peer.objects.filter(node__in=hubs)}
    rights = dict(
        StockLevel.objects.filter(
            channel__node__in=hubs, channel__kind=Channel.Kind.STALL, position=Position.AVAILABLE
        )
        .values_list("channel__node")
        .annotate(units=Sum("quantity"))
    )
    rows = []
    for hub in hubs:
        peer = peers.get(hub.pk)
        acknowledged = vector_from_json(peer.acknowledged) if peer else {}
        rows.append(
            {
                "node": hub,
                "peer": peer,
                "to_hub": pending_count(held, acknowledged) if peer else None,
                "from_hub": max(0, acknowledged.get(hub.pk, 0) - held.get(hub.pk, 0)) if peer else None,
                "rights": rights.get(hub.pk, 0),
            }
        )
    return rows


def _hubs_page(request: HttpRequest, membership: Membership, form: HubForm, **extra) -> HttpResponse:
    cooperative = membership.cooperative
    review = Event.objects.filter(cooperative=cooperative, state=Event.State.REVIEW).order_by("-received_at")
    waiting = Event.objects.filter(cooperative=cooperative, state=Event.State.WAITING).count()
    return render(
        request,
        "sync/hub_list.html",
        office_context(
            membership, hubs=_hub_rows(cooperative), form=form, review=review[:100], waiting=waiting, **extra
        ),
    )


@login_required
@require_http_methods(["GET", "POST"])
def hub_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, MANAGE_HUBS)
    cooperative = membership.cooperative
    form = HubForm(request.POST or None, cooperative=cooperative)
    if request.method == "POST" and form.is_valid():
        try:
            node = create_hub(
                cooperative=cooperative,
                name=form.cleaned_data["name"],
                village_code=form.cleaned_data["village_code"],
                user=request.user,
            )
        except EnrolmentError as error:
            form.add_error(None, str(error))
        else:
            code = issue_code(node=node, user=request.user)
            return _hubs_page(
                request, membership, HubForm(cooperative=cooperative), new_code=code, code_hub=node
            )
    return _hubs_page(request, membership, form)


def _access_hub(request: HttpRequest, slug: str, node_id) -> tuple[Membership, Node]:
    membership = access_cooperative(request.user, slug, MANAGE_HUBS)
    node = get_object_or_404(Node, pk=node_id, cooperative=membership.cooperative, kind=Node.Kind.HUB)
    return membership, node


@login_required
@require_POST
def hub_code(request: HttpRequest, slug: str, node_id) -> HttpResponse:
    """Issue a new one-time enrolment code, shown on this response only."""
    membership, node = _access_hub(request, slug, node_id)
    if Peer.objects.filter(pk=node.pk, revoked_at__isnull=False).exists():
        raise Http404
    code = issue_code(node=node, user=request.user)
    return _hubs_page(
        request, membership, HubForm(cooperative=membership.cooperative), new_code=code, code_hub=node
    )


@login_required
@require_POST
def hub_revoke(request: HttpRequest, slug: str, node_id) -> HttpResponse:
    _membership, node = _access_hub(request, slug, node_id)
    revoke_hub(node=node)
    messages.success(request, _("Hub %(name)s was revoked: it can no longer sync.") % {"name": node.name})
    return redirect("sync:hub_list", slug)


def _access_local_hub(request: HttpRequest, slug: str) -> tuple[Membership, LocalNode | None]:
    membership = access_cooperative(request.user, slug, SYNC_HUB)
    local = LocalNode.objects.select_related("node").filter(pk=1).first()
    if local is not None and local.node.cooperative_id != membership.cooperative.pk:
        raise Http404
    return membership, local


def _sync_page(request, membership, local, **extra) -> HttpResponse:
    peer = Peer.objects.select_related("node").filter(node__kind=Node.Kind.CENTRE).first()
    held = local_vector()
    context = {"local": local, "peer": peer, "form": extra.pop("form", BundleForm())}
    context["total_size"] = sum(step.size for step in extra.get("steps") or [])
    if peer is not None:
        acknowledged = vector_from_json(peer.acknowledged)
        context["to_centre"] = pending_count({local.node_id: held.get(local.node_id, 0)}, acknowledged)
    return render(request, "sync/hub_sync.html", office_context(membership, **context, **extra))


@login_required
@require_http_methods(["GET", "POST"])
def hub_sync(request: HttpRequest, slug: str) -> HttpResponse:
    membership, local = _access_local_hub(request, slug)
    if request.method == "GET" or local is None:
        return _sync_page(request, membership, local)
    steps = []
    try:
        sync_with_centre(report=steps.append)
    except SyncError as error:
        return _sync_page(request, membership, local, steps=steps, error=str(error))
    return _sync_page(request, membership, local, steps=steps, done=timezone.now())


@login_required
@require_POST
def hub_export(request: HttpRequest, slug: str) -> HttpResponse:
    membership, local = _access_local_hub(request, slug)
    if local is None:
        raise Http404
    try:
        data = export_bundle()
    except SyncError as error:
        return _sync_page(request, membership, local, error=str(error))
    name = f"{local.node.name}-{timezone.now():%Y%m%d-%H%M}.sambung".replace(" ", "-")
    response = HttpResponse(data, content_type="application/octet-stream")
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def hub_import(request: HttpRequest, slug: str) -> HttpResponse:
    membership, local = _access_local_hub(request, slug)
    if local is None:
        raise Http404
    form = BundleForm(request.POST, request.FILES)
    if not form.is_valid():
        return _sync_page(request, membership, local, form=form)
    upload = form.cleaned_data["bundle"]
    try:
        imported = import_bundle(b"".join(upload.chunks()))
    except (FrameError, SyncError) as error:
        return _sync_page(
            request, membership, local, error=_("Nothing was imported: %(reason)s") % {"reason": error}
        )
    if imported.already:
        return _sync_page(
            request, membership, local, error=_("This bundle was already imported: nothing to apply.")
        )
    return _sync_page(request, membership, local, steps=imported.steps, done=timezone.now())
