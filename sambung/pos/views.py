"""The market stall (/kelola/<cooperative>/pasar/) and selling rights (/kelola/<cooperative>/hak-jual/).

Every view authorizes with `access_cooperative` first: a missing row, another cooperative's row and a role without
the capability all answer 404. The stall reuses the roles' existing capabilities instead of adding new ones:

- selling, and a hub giving its stall's rights back to the online store: FULFIL_ORDERS (manager, hub operator:
  the people who hand goods over);
- reading the stall, its sales and who holds which rights: VIEW_ORDERS (also the program viewer);
- moving rights any way between channels: CHANGE_SALES_SETTINGS (the manager, who decides where stock is sold).
"""

import datetime

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from sambung.accounts.access import Can, access_cooperative, has_capability
from sambung.accounts.models import Membership
from sambung.catalog.models import SKU, Location, Node, Piece
from sambung.catalog.views import office_context
from sambung.inventory.models import Channel
from sambung.inventory.stock import web_store
from sambung.lib.ids import uuid7
from sambung.lib.phones import InvalidPhone, normalize_whatsapp
from sambung.lib.qris import qris_svg
from sambung.orders.views import pdf_response
from sambung.pos import queries
from sambung.pos.forms import parse_sale, parse_units, parse_uuid, sale_items
from sambung.pos.models import PaymentMethod, StallSale
from sambung.pos.receipts import receipt_pdf, receipt_text, whatsapp_url
from sambung.pos.rights import RightsError, move_selling_rights, open_stall
from sambung.pos.sales import SaleRefused, check_payment, price_sale, record_stall_sale

SELL = Can.FULFIL_ORDERS
SEE_SALES = Can.VIEW_ORDERS
ALLOCATE = Can.CHANGE_SALES_SETTINGS


def chosen_stall(membership: Membership, raw_id: str | None) -> tuple[Channel | None, list[Channel]]:
    """Return the stall asked for (404 if it is not one of ours), else the only one; and all of them."""
    stalls = queries.stalls(membership.cooperative)
    if raw_id:
        stall = next((s for s in stalls if str(s.pk) == raw_id), None)
        if stall is None:
            raise Http404
        return stall, stalls
    return (stalls[0] if len(stalls) == 1 else None), stalls


def stall_page(request, membership, channel, stalls, *, picks=None, form=None, error="", status=200):
    items = queries.stall_items(channel)
    picks = picks or {}
    for item in items:
        item.picked = picks.get(item.level.pk, 0)
    context = office_context(
        membership,
        channel=channel,
        stalls=stalls,
        items=items,
        sale_id=form.sale_id if form else uuid7(),
        form=form,
        error=error,
        can_sell=has_capability(membership, SELL),
        has_qris=bool(membership.cooperative.qris_static),
    )
    return render(request, "pos/stall.html", context, status=status)


@login_required
@require_safe
def stall(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, SEE_SALES)
    channel, stalls = chosen_stall(membership, request.GET.get("lapak"))
    if channel is None:
        return render(request, "pos/stall_choose.html", office_context(membership, stalls=stalls))
    return stall_page(request, membership, channel, stalls)


@login_required
@require_POST
def stall_review(request: HttpRequest, slug: str) -> HttpResponse:
    """Show the sale priced by the server and how to pay: the change for cash, the QRIS code for QRIS."""
    membership = access_cooperative(request.user, slug, SELL)
    channel, stalls = chosen_stall(membership, request.POST.get("lapak") or "-")
    form = None
    try:
        form = parse_sale(request.POST)
        items = sale_items(form, channel)
        total = price_sale(channel=channel, items=items)
    except SaleRefused as error:
        return stall_page(
            request,
            membership,
            channel,
            stalls,
            picks=form.picks if form else None,
            form=form,
            error=str(error),
        )
    payment_error, qris_payload = "", ""
    try:
        if form.payment_method == PaymentMethod.QRIS or form.cash_received is not None:
            qris_payload = check_payment(
                channel=channel,
                total=total,
                payment_method=form.payment_method,
                cash_received=form.cash_received,
                sale_id=form.sale_id,
            )
        if form.buyer_phone.strip():
            normalize_whatsapp(form.buyer_phone)
    except (SaleRefused, InvalidPhone) as error:
        payment_error = str(error)
    context = office_context(
        membership,
        channel=channel,
        form=form,
        items=items,
        total=total,
        change=(form.cash_received - total) if form.cash_received is not None else None,
        payment_error=payment_error,
        qris_payload=qris_payload,
        qris_svg=qris_svg(qris_payload) if qris_payload else "",
        sale_code=StallSale(id=form.sale_id).code,
    )
    return render(request, "pos/review.html", context)


@login_required
@require_POST
def stall_record(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, SELL)
    channel, stalls = chosen_stall(membership, request.POST.get("lapak") or "-")
    form = None
    try:
        form = parse_sale(request.POST)
        sale = record_stall_sale(
            sale_id=form.sale_id,
            channel=channel,
            items=sale_items(form, channel),
            payment_method=form.payment_method,
            cash_received=form.cash_received,
            buyer_phone=form.buyer_phone,
            user=request.user,
        )
    except SaleRefused as error:
        return stall_page(
            request,
            membership,
            channel,
            stalls,
            picks=form.picks if form else None,
            form=form,
            error=str(error),
            status=409,
        )
    messages.success(request, _("Sale %(code)s recorded.") % {"code": sale.code})
    return redirect("pos:receipt", membership.cooperative.slug, sale.pk)


def cooperative_sale(membership: Membership, sale_id) -> StallSale:
    sales = StallSale.objects.select_related("cooperative", "channel", "sold_by").prefetch_related("lines")
    return get_object_or_404(sales, pk=sale_id, cooperative=membership.cooperative)


@login_required
@require_safe
def receipt(request: HttpRequest, slug: str, sale_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, SEE_SALES)
    sale = cooperative_sale(membership, sale_id)
    phone, phone_error = sale.buyer_phone, ""
    if request.GET.get("wa"):
        try:
            phone = normalize_whatsapp(request.GET["wa"])
        except InvalidPhone as error:
            phone_error = str(error)
    context = office_context(
        membership,
        sale=sale,
        lines=sale.lines.all(),
        text=receipt_text(sale),
        whatsapp_url=whatsapp_url(sale, phone) if phone else "",
        phone_error=phone_error,
        can_sell=has_capability(membership, SELL),
    )
    return render(request, "pos/receipt.html", context)


@login_required
@require_safe
def receipt_document(request: HttpRequest, slug: str, sale_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, SEE_SALES)
    sale = cooperative_sale(membership, sale_id)
    return pdf_response(receipt_pdf(sale), f"nota-{sale.code}.pdf")


@login_required
@require_safe
def sales(request: HttpRequest, slug: str) -> HttpResponse:
    """One day's stall sales with the totals by payment method: the cash to hand over."""
    membership = access_cooperative(request.user, slug, SEE_SALES)
    stalls = queries.stalls(membership.cooperative)
    channel = None
    if request.GET.get("lapak"):
        channel = next((s for s in stalls if str(s.pk) == request.GET["lapak"]), None)
        if channel is None:
            raise Http404
    today = timezone.localdate()
    day = today
    if request.GET.get("tanggal"):
        try:
            day = datetime.date.fromisoformat(request.GET["tanggal"])
        except ValueError:
            messages.error(request, _("Choose a date such as %(today)s.") % {"today": today.isoformat()})
    report = queries.day_sales(membership.cooperative, day, [channel] if channel else stalls)
    context = office_context(
        membership,
        report=report,
        channel=channel,
        stalls=stalls,
        previous_day=day - datetime.timedelta(days=1),
        next_day=day + datetime.timedelta(days=1) if day < today else None,
    )
    return render(request, "pos/sales.html", context)


# -- Selling rights --------------------------------------------------------------------------------------


def rights_targets(
    membership: Membership,
    channels: list[Channel],
    local_stalls: list[Channel],
    holder: Channel,
    location: Location,
) -> list[Channel]:
    """The channels this member may hand the holder's rights at this location to."""
    if has_capability(membership, ALLOCATE):
        return [
            channel
            for channel in channels
            if channel.pk != holder.pk
            and (channel.kind != Channel.Kind.STALL or channel.node_id == location.node_id)
        ]
    if has_capability(membership, SELL) and holder in local_stalls:
        return [channel for channel in channels if channel.kind == Channel.Kind.WEB]
    return []


@login_required
@require_safe
def rights(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, SEE_SALES)
    cooperative = membership.cooperative
    channels = list(
        Channel.objects.filter(cooperative=cooperative).select_related("node").order_by("kind", "name")
    )
    rows = queries.rights_by_location(cooperative)
    local_stalls = queries.stalls(cooperative)
    for row in rows:
        for holding in row.holdings:
            holding.targets = rights_targets(
                membership, channels, local_stalls, holding.channel, row.location
            )
            holding.request_id = uuid7()
    hubs_without_stall = []
    if has_capability(membership, ALLOCATE):
        hubs_without_stall = list(
            Node.objects.filter(cooperative=cooperative, kind=Node.Kind.HUB)
            .exclude(channels__kind=Channel.Kind.STALL)
            .order_by("name")
        )
    context = office_context(membership, rows=rows, hubs_without_stall=hubs_without_stall)
    return render(request, "pos/rights.html", context)


@login_required
@require_POST
def rights_move(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, SELL)
    cooperative = membership.cooperative
    channels = Channel.objects.filter(cooperative=cooperative).select_related("node", "cooperative")
    location = get_object_or_404(
        Location, pk=parse_uuid(request.POST.get("location")), cooperative=cooperative
    )
    source = get_object_or_404(channels, pk=parse_uuid(request.POST.get("source")))
    target_id = parse_uuid(request.POST.get("target"))
    request_id = parse_uuid(request.POST.get("request_id"))
    if request_id is None or request_id.version != 7:  # the form's own id: its moves' ids derive from it
        raise Http404
    if not has_capability(membership, ALLOCATE):
        # A hub operator only gives her stall's rights back to the online store.
        if source not in queries.stalls(cooperative):
            raise Http404
        target = web_store(cooperative)
        if target_id is not None and target_id != target.pk:
            raise Http404
    else:
        target = get_object_or_404(channels, pk=target_id)
    try:
        piece_ids = [parse_uuid(raw) for raw in request.POST.getlist("piece")]
        if None in piece_ids:
            raise RightsError(_("A piece chosen is not the cooperative's."))
        pieces = list(
            Piece.objects.filter(pk__in=piece_ids, sku__product__cooperative=cooperative).select_related(
                "sku__product"
            )
        )
        if len(pieces) != len(set(piece_ids)):
            raise RightsError(_("A piece chosen is not the cooperative's."))
        unit_counts = parse_units(request.POST)
        skus = {
            sku.pk: sku
            for sku in SKU.objects.filter(
                pk__in=list(unit_counts), product__cooperative=cooperative
            ).select_related("product")
        }
        if len(skus) != len(unit_counts):
            raise RightsError(_("A product chosen is not the cooperative's."))
        moves = move_selling_rights(
            location=location,
            source=source,
            target=target,
            request_id=request_id,
            pieces=pieces,
            units=[(skus[sku_id], quantity) for sku_id, quantity in unit_counts.items()],
            user=request.user,
        )
    except RightsError as error:
        messages.error(request, str(error))
    else:
        units = sum(move.quantity for move in moves)
        messages.success(
            request,
            _("%(units)s unit(s) at %(location)s: %(target)s may sell them now, %(source)s no longer.")
            % {"units": units, "location": location.name, "target": target.name, "source": source.name},
        )
    return redirect("pos:rights", cooperative.slug)


@login_required
@require_POST
def stall_open(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, ALLOCATE)
    node = get_object_or_404(
        Node, pk=parse_uuid(request.POST.get("node")), cooperative=membership.cooperative, kind=Node.Kind.HUB
    )
    try:
        channel = open_stall(cooperative=membership.cooperative, node=node, name=request.POST.get("name", ""))
    except RightsError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request, _("%(stall)s is open: move selling rights to it below.") % {"stall": channel.name}
        )
    return redirect("pos:rights", membership.cooperative.slug)
