"""The orders back office: orders and their steps, packing slips and invoices, payment and shipping settings.

Every view authorizes with `access_cooperative` (a missing order, another cooperative's order and a role without the
capability all answer 404), parses with a form, calls one writer of fulfilment, payments or shipping_rates and
redirects with a message (POST-redirect-GET).
"""

import re
from collections.abc import Callable
from urllib.parse import quote

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from lokal.qris import parse_qris

from sambung.accounts.access import Can, access_cooperative, has_capability
from sambung.accounts.models import Membership
from sambung.catalog.models import Cooperative, Node
from sambung.catalog.views import office_context, page_of, posted, require_get_or_post
from sambung.lib.qris import InvalidQris, qris_svg
from sambung.lib.regions import get_village, region_name
from sambung.orders import documents, fulfilment, handover, made_to_order
from sambung.orders.forms import (
    CancelForm,
    NoteForm,
    OrderFilterForm,
    PaymentSettingsForm,
    ShipForm,
    ShippingRateForm,
)
from sambung.orders.models import Order, OrderStatus, ShippingRate
from sambung.orders.payments import InvalidPaymentDetails, save_payment_details
from sambung.orders.routing import Step, on_the_way, refusal
from sambung.orders.shipping_rates import InvalidShippingRate, deactivate_shipping_rate, save_shipping_rate
from sambung.sync.node import this_node
from sambung.sync.requests import cancellation_of

S = OrderStatus
NOT_YET_SHIPPED = {S.AWAITING_PAYMENT, S.PAID, S.PACKING}


def cooperative_order(membership: Membership, code: str) -> Order:
    orders = Order.objects.select_related("shipping_rate", "cooperative")
    # Codes are read aloud and retyped: sb-abc234 is SB-ABC234.
    return get_object_or_404(orders, code=code.upper(), cooperative=membership.cooperative)


def ship_state(order: Order, today) -> str:
    """Return 'late' or 'today' for an order not shipped by, or due to ship, today; else ''."""
    if order.status not in NOT_YET_SHIPPED:
        return ""
    if order.promised_ship_by < today:
        return "late"
    return "today" if order.promised_ship_by == today else ""


def whatsapp_url(order: Order) -> str:
    """Return a wa.me link that opens a chat with the buyer, the message begun in the buyer's language."""
    with translation.override(settings.LANGUAGE_CODE):
        text = _("Hello %(name)s, this is %(cooperative)s about your order %(code)s.") % {
            "name": order.buyer_name,
            "cooperative": order.cooperative.name,
            "code": order.code,
        }
    digits = re.sub(r"\D", "", order.buyer_phone)
    return f"https://wa.me/{digits}?text={quote(text, safe='')}"


# Orders


@login_required
@require_safe
def order_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_ORDERS)
    orders = Order.objects.filter(cooperative=membership.cooperative).order_by("-created_at", "-pk")
    form = OrderFilterForm(request.GET or None)
    if form.is_valid():
        if form.cleaned_data["status"]:
            orders = orders.filter(status=form.cleaned_data["status"])
        if query := form.cleaned_data["q"].strip():
            matches = Q(code__iexact=query)
            if has_capability(membership, Can.VIEW_BUYERS):
                matches |= Q(buyer_name__icontains=query)
            orders = orders.filter(matches)
    page = page_of(request, orders)
    today = timezone.localdate()
    for order in page:
        order.ship_state = ship_state(order, today)
        order.village = get_village(order.village_code)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "orders/office/order_list.html",
        office_context(membership, form=form, page=page, query=query.urlencode()),
    )


@login_required
@require_safe
def order_detail(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_ORDERS)
    order = cooperative_order(membership, code)
    next_steps = fulfilment.NEXT[order.status]
    fulfils = has_capability(membership, Can.FULFIL_ORDERS)
    manages = has_capability(membership, Can.MANAGE_ORDERS)
    shows_buyer = has_capability(membership, Can.VIEW_BUYERS)
    lines = made_to_order.lines_with_work(order)
    waiting = [line for line in lines if line.made_to_order and line.pieces_in_hand < line.quantity]
    has_pieces = not waiting
    # A step this node may not take (it is the centre's, or the holding hub's) is not offered: its reason is shown.
    offered = {
        Step.PAY: manages and S.PAID in next_steps,
        Step.PACK: fulfils and has_pieces and S.PACKING in next_steps,
        Step.SHIP: fulfils and has_pieces and S.SHIPPED in next_steps,
        Step.DELIVER: fulfils and S.DELIVERED in next_steps,
        Step.RETURN: manages and S.RETURNED in next_steps,
        Step.CANCEL: manages and S.CANCELLED in next_steps,
    }
    refusals = {step: refusal(order, step) if is_offered else "" for step, is_offered in offered.items()}
    # A hub offers the hand-over of its part; the centre, the receipt of parts on their way (orders.handover).
    me = this_node()
    parts = handover.parts(order)
    may_hand_over = order.status in handover.HANDED_OVER_FROM and me.kind == Node.Kind.HUB
    can_hand_over = (
        fulfils
        and may_hand_over
        and order.lines.filter(location__node=me).exists()
        and not any(part.location.node_id == me.pk for part in parts)
    )
    can_receive = (
        manages
        and order.status in handover.HANDED_OVER_FROM
        and me.kind != Node.Kind.HUB
        and any(len(part.received) < len(part.sent) for part in parts)
    )
    context = office_context(
        membership,
        order=order,
        lines=lines,
        waiting_message=made_to_order.waiting_message(waiting)
        if waiting and order.status in made_to_order.WAITING_STATUSES
        else "",
        events=order.events.select_related("actor"),
        village=get_village(order.village_code),
        ship_state=ship_state(order, timezone.localdate()),
        shows_buyer=shows_buyer,
        whatsapp_url=whatsapp_url(order) if shows_buyer else "",
        can_confirm_payment=offered[Step.PAY] and not refusals[Step.PAY],
        can_start_packing=offered[Step.PACK] and not refusals[Step.PACK],
        can_ship=offered[Step.SHIP] and not refusals[Step.SHIP],
        can_record_delivery=offered[Step.DELIVER] and not refusals[Step.DELIVER],
        can_record_return=offered[Step.RETURN] and not refusals[Step.RETURN],
        can_cancel=offered[Step.CANCEL] and not refusals[Step.CANCEL],
        can_hand_over=can_hand_over,
        can_receive=can_receive,
        elsewhere=list(
            dict.fromkeys(message for message in (on_the_way(order), *refusals.values()) if message)
        ),
        cancellation=cancellation_of(order),
        ship_form=ShipForm(initial={"courier": order.shipping_rate.courier}),
        cancel_form=CancelForm(),
        note_form=NoteForm(),
    )
    return render(request, "orders/office/order_detail.html", context)


def take_step(
    request: HttpRequest,
    slug: str,
    code: str,
    *,
    can: Can,
    form_class: type[forms.Form],
    step: Callable[..., Order],
    done: str,
) -> HttpResponse:
    """Parse the posted form, call one fulfilment function, and go back to the order with a message."""
    membership = access_cooperative(request.user, slug, can)
    order = cooperative_order(membership, code)
    form = form_class(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    else:
        try:
            step(order=order, user=request.user, **form.cleaned_data)
        except fulfilment.InvalidTransition as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request,
                getattr(order, "step_message", "") or done % {"code": order.code, **form.cleaned_data},
            )
    return redirect("orders_office:order_detail", membership.cooperative.slug, order.code)


@login_required
@require_POST
def confirm_payment(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return take_step(
        request,
        slug,
        code,
        can=Can.MANAGE_ORDERS,
        form_class=NoteForm,
        step=fulfilment.confirm_payment,
        done=_("Payment for %(code)s confirmed."),
    )


@login_required
@require_POST
def start_packing(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return take_step(
        request,
        slug,
        code,
        can=Can.FULFIL_ORDERS,
        form_class=forms.Form,
        step=fulfilment.start_packing,
        done=_("%(code)s is being packed."),
    )


@login_required
@require_POST
def ship_order(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return take_step(
        request,
        slug,
        code,
        can=Can.FULFIL_ORDERS,
        form_class=ShipForm,
        step=fulfilment.ship_order,
        done=_("%(code)s shipped with %(courier)s, tracking number %(tracking_number)s."),
    )


@login_required
@require_POST
def record_delivery(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return take_step(
        request,
        slug,
        code,
        can=Can.FULFIL_ORDERS,
        form_class=NoteForm,
        step=fulfilment.record_delivery,
        done=_("%(code)s recorded as delivered."),
    )


@login_required
@require_POST
def record_return(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return take_step(
        request,
        slug,
        code,
        can=Can.MANAGE_ORDERS,
        form_class=NoteForm,
        step=fulfilment.record_return,
        done=_("%(code)s recorded as returned: its items wait in quality control."),
    )


@login_required
@require_POST
def cancel_order(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return take_step(
        request,
        slug,
        code,
        can=Can.MANAGE_ORDERS,
        form_class=CancelForm,
        step=fulfilment.cancel_order,
        done=_("%(code)s cancelled."),
    )


@login_required
@require_POST
def hand_over(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return take_step(
        request,
        slug,
        code,
        can=Can.FULFIL_ORDERS,
        form_class=forms.Form,
        step=handover.hand_over_to_warehouse,
        done=_("The items of %(code)s here were sent to the town warehouse; it receives them at the centre."),
    )


@login_required
@require_POST
def receive_at_warehouse(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    return take_step(
        request,
        slug,
        code,
        can=Can.MANAGE_ORDERS,
        form_class=forms.Form,
        step=handover.receive_at_warehouse,
        done=_("The items of %(code)s on their way were received at the town warehouse."),
    )


# Documents


def pdf_response(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    # Buyers' names and addresses: no shared cache may keep a copy.
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_safe
def packing_slip(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.FULFIL_ORDERS)
    order = cooperative_order(membership, code)
    return pdf_response(documents.packing_slip_pdf(order), f"slip-{order.code}.pdf")


@login_required
@require_safe
def invoice(request: HttpRequest, slug: str, code: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.MANAGE_ORDERS)
    order = cooperative_order(membership, code)
    return pdf_response(documents.invoice_pdf(order), f"invoice-{order.code}.pdf")


# Settings: payments and shipping rates


@login_required
@require_get_or_post
def payment_settings(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_SALES_SETTINGS)
    # A copy for the form: a refused input must not show up as the cooperative's saved details.
    form = PaymentSettingsForm(
        posted(request), instance=Cooperative.objects.get(pk=membership.cooperative.pk)
    )
    if form.is_valid():
        try:
            save_payment_details(cooperative=membership.cooperative, **form.cleaned_data)
        except (InvalidQris, InvalidPaymentDetails) as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Payment details saved."))
            return redirect("orders_office:payment_settings", membership.cooperative.slug)
    cooperative = membership.cooperative
    qris = parse_qris(cooperative.qris_static) if cooperative.qris_static else None
    return render(
        request,
        "orders/office/payment_settings.html",
        office_context(
            membership,
            form=form,
            qris=qris,
            qris_svg=qris_svg(cooperative.qris_static) if cooperative.qris_static else "",
        ),
    )


@login_required
@require_safe
def shipping_rate_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_SALES_SETTINGS)
    rates = list(
        ShippingRate.objects.filter(cooperative=membership.cooperative).order_by(
            "-is_active", "courier", "destination"
        )
    )
    for rate in rates:
        rate.zone_name = region_name(rate.destination) if rate.destination else ""
    return render(request, "orders/office/shipping_rate_list.html", office_context(membership, rates=rates))


@login_required
@require_get_or_post
def shipping_rate_create(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_SALES_SETTINGS)
    return edit_shipping_rate(request, membership, ShippingRate(cooperative=membership.cooperative))


@login_required
@require_get_or_post
def shipping_rate_edit(request: HttpRequest, slug: str, rate_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_SALES_SETTINGS)
    rate = get_object_or_404(ShippingRate, pk=rate_id, cooperative=membership.cooperative)
    return edit_shipping_rate(request, membership, rate)


def edit_shipping_rate(request: HttpRequest, membership: Membership, rate: ShippingRate) -> HttpResponse:
    page = {"is_new": rate._state.adding, "heading": str(rate), "rate": rate}
    form = ShippingRateForm(posted(request), instance=rate)
    if form.is_valid():
        try:
            rate = save_shipping_rate(rate=form.save(commit=False))
        except InvalidShippingRate as error:
            for field, message in error.errors.items():
                form.add_error(field if field in form.fields else None, message)
        else:
            messages.success(request, _("Shipping rate %(rate)s saved.") % {"rate": rate})
            return redirect("orders_office:shipping_rate_list", membership.cooperative.slug)
    return render(
        request, "orders/office/shipping_rate_form.html", office_context(membership, form=form, **page)
    )


@login_required
@require_POST
def shipping_rate_deactivate(request: HttpRequest, slug: str, rate_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_SALES_SETTINGS)
    rate = get_object_or_404(ShippingRate, pk=rate_id, cooperative=membership.cooperative)
    deactivate_shipping_rate(rate=rate)
    messages.success(request, _("Shipping rate %(rate)s is no longer offered at checkout.") % {"rate": rate})
    return redirect("orders_office:shipping_rate_list", membership.cooperative.slug)
