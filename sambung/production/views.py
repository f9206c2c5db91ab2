"""Production pages: work orders and their stages, makers' capacity and calendars, ledgers and payouts, the
weekly plan, the continuity dashboard, messages to send; and the storefront's waitlist form.

Back-office views authorize with `access_cooperative` (a missing row, another cooperative's row and a role
without the capability all answer 404), parse with a form, call one writer and redirect (POST-redirect-GET).
A maker sees her own work orders, capacity and ledger only.
"""

import datetime
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from sambung.accounts.access import Can, access_cooperative, has_capability
from sambung.accounts.models import Membership
from sambung.catalog.models import Category, Maker
from sambung.catalog.views import office_context, page_of, posted, require_get_or_post
from sambung.lib.phones import wa_me_digits
from sambung.production import capacity as capacities
from sambung.production import pledges
from sambung.production.continuity import continuity as continuity_report
from sambung.production.forms import (
    AcceptPlanForm,
    CancelForm,
    CapacityForm,
    CompleteForm,
    PayoutForm,
    PledgeForm,
    StageForm,
    StagesForm,
    UnavailabilityForm,
    WaitlistForm,
)
from sambung.production.models import (
    OPEN_STATUSES,
    Capacity,
    OutboundMessage,
    Unavailability,
    WorkOrder,
    WorkOrderEvent,
)
from sambung.production.payouts import record_payout
from sambung.production.plan import accept_plan, weekly_plan
from sambung.production.queries import maker_ledger, visible_work_orders
from sambung.production.schedule import load_maker_plans
from sambung.production.waitlist import join_waitlist, mark_message_sent
from sambung.storefront.queries import published_products

ProductionError = capacities.ProductionError


def production_context(membership: Membership, section: str, **context) -> dict:
    return office_context(membership, section=section, **context)


def production_maker(membership: Membership, maker_id: uuid.UUID) -> Maker:
    """Return a maker whose production the member may see: any of the cooperative's for staff, else her own."""
    maker = get_object_or_404(Maker, pk=maker_id, cooperative=membership.cooperative)
    if has_capability(membership, Can.VIEW_PRODUCTION) or membership.maker_id == maker.pk:
        return maker
    raise Http404


def cooperative_work_order(membership: Membership, work_order_id: uuid.UUID) -> WorkOrder:
    return get_object_or_404(visible_work_orders(membership), pk=work_order_id)


# Work orders


@login_required
@require_safe
def work_order_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_OFFICE)
    work_orders = visible_work_orders(membership)
    show = request.GET.get("status", "open")
    if show == "open":
        work_orders = work_orders.filter(status__in=OPEN_STATUSES).order_by("due_on", "code")
    else:
        show = "all"
        work_orders = work_orders.order_by("-created_at", "code")
    page = page_of(request, work_orders)
    today = timezone.localdate()
    return render(
        request,
        "production/office/work_order_list.html",
        production_context(membership, "work", page=page, show=show, today=today),
    )


@login_required
@require_get_or_post
def pledge_create(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.RECORD_PRODUCTION)
    initial = {"sku": request.GET.get("sku"), "maker": request.GET.get("maker")}
    form = PledgeForm(posted(request), cooperative=membership.cooperative, initial=initial)
    if form.is_valid():
        data = form.cleaned_data
        try:
            work_order = pledges.pledge_work(
                maker=data["maker"],
                sku=data["sku"],
                quantity=data["quantity"],
                location=data["location"],
                rate_per_piece=data["rate_per_piece"],
                needed_by=data["needed_by"],
                note=data["note"],
                user=request.user,
            )
        except ProductionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Work order %(code)s pledged: %(maker)s, planned to finish on %(date)s.")
                % {
                    "code": work_order.code,
                    "maker": work_order.maker.name,
                    "date": pledges._date(work_order.due_on),
                },
            )
            return redirect("production:work_order_detail", slug, work_order.pk)
    return render(
        request, "production/office/pledge_form.html", production_context(membership, "work", form=form)
    )


def stage_rows(work_order: WorkOrder) -> list[dict]:
    done = {event.stage: event for event in work_order.events.filter(kind=WorkOrderEvent.Kind.STAGE_DONE)}
    return [{"stage": stage, "done": done.get(stage.position)} for stage in work_order.stages.all()]


def render_work_order(
    request: HttpRequest, membership: Membership, work_order: WorkOrder, stage_form: StageForm | None = None
) -> HttpResponse:
    rows = stage_rows(work_order)
    next_stage = next((row["stage"] for row in rows if row["done"] is None), None)
    can_record = has_capability(membership, Can.RECORD_PRODUCTION) and work_order.is_open
    if can_record and next_stage is not None and stage_form is None:
        stage_form = StageForm(initial={"stage": next_stage.position, "done_on": timezone.localdate()})
    return render(
        request,
        "production/office/work_order_detail.html",
        production_context(
            membership,
            "work",
            work_order=work_order,
            rows=rows,
            next_stage=next_stage,
            stage_form=stage_form if can_record else None,
            errors=stage_form.non_field_errors() if stage_form is not None and not can_record else None,
            can_record=can_record,
            events=work_order.events.select_related("actor").order_by("created_at"),
            pieces=[link.piece for link in work_order.delivered.select_related("piece")],
            today=timezone.localdate(),
        ),
        status=400 if stage_form is not None and stage_form.errors else 200,
    )


@login_required
@require_safe
def work_order_detail(request: HttpRequest, slug: str, work_order_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_OFFICE)
    return render_work_order(request, membership, cooperative_work_order(membership, work_order_id))


@login_required
@require_POST
def stage_record(request: HttpRequest, slug: str, work_order_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.RECORD_PRODUCTION)
    work_order = cooperative_work_order(membership, work_order_id)
    form = StageForm(request.POST)
    if form.is_valid():
        try:
            pledges.record_stage(
                work_order=work_order,
                stage=form.cleaned_data["stage"],
                done_on=form.cleaned_data["done_on"],
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except ProductionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Stage recorded."))
            return redirect("production:work_order_detail", slug, work_order.pk)
    return render_work_order(request, membership, work_order, stage_form=form)


@login_required
@require_get_or_post
def work_order_complete(request: HttpRequest, slug: str, work_order_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.RECORD_PRODUCTION)
    work_order = cooperative_work_order(membership, work_order_id)
    form = CompleteForm(
        posted(request),
        cooperative=membership.cooperative,
        initial={"completed_on": timezone.localdate(), "location": work_order.location_id},
    )
    if form.is_valid():
        try:
            pieces = pledges.complete_work_order(
                work_order=work_order,
                completed_on=form.cleaned_data["completed_on"],
                location=form.cleaned_data["location"],
                note=form.cleaned_data["note"],
                user=request.user,
            )
        except ProductionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Work order %(code)s completed: %(count)s pieces received for inspection.")
                % {"code": work_order.code, "count": len(pieces)},
            )
            return redirect("production:work_order_detail", slug, work_order.pk)
    return render(
        request,
        "production/office/work_order_close.html",
        production_context(membership, "work", work_order=work_order, form=form, action="complete"),
    )


@login_required
@require_get_or_post
def work_order_cancel(request: HttpRequest, slug: str, work_order_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.RECORD_PRODUCTION)
    work_order = cooperative_work_order(membership, work_order_id)
    form = CancelForm(posted(request))
    if form.is_valid():
        try:
            pledges.cancel_work_order(
                work_order=work_order, note=form.cleaned_data["note"], user=request.user
            )
        except ProductionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Work order %(code)s cancelled.") % {"code": work_order.code})
            return redirect("production:work_order_detail", slug, work_order.pk)
    return render(
        request,
        "production/office/work_order_close.html",
        production_context(membership, "work", work_order=work_order, form=form, action="cancel"),
    )


# A maker's capacity and calendar


def render_maker_production(
    request: HttpRequest,
    membership: Membership,
    maker: Maker,
    capacity_form: CapacityForm | None = None,
    period_form: UnavailabilityForm | None = None,
) -> HttpResponse:
    today = timezone.localdate()
    can_record = has_capability(membership, Can.RECORD_PRODUCTION)
    plan = load_maker_plans(today=today, maker_ids=[maker.pk]).get(maker.pk)
    bound = (capacity_form or period_form) is not None
    return render(
        request,
        "production/office/maker_production.html",
        production_context(
            membership,
            "work",
            maker=maker,
            capacities=maker.capacities.select_related("category"),
            periods=maker.unavailabilities.filter(ends_on__gte=today - datetime.timedelta(days=365)),
            work_orders=maker.work_orders.filter(status__in=OPEN_STATUSES).select_related("sku__product"),
            free_from=plan.first_start(today) if plan else None,
            capacity_form=(capacity_form or CapacityForm()) if can_record else None,
            period_form=(period_form or UnavailabilityForm()) if can_record else None,
            can_record=can_record,
            today=today,
        ),
        status=400 if bound else 200,
    )


@login_required
@require_safe
def maker_production(request: HttpRequest, slug: str, maker_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_OFFICE)
    return render_maker_production(request, membership, production_maker(membership, maker_id))


def _save_for_maker(request, slug, maker_id, form_class, write, saved: str, form_name: str) -> HttpResponse:
    """Validate a maker's capacity or calendar form and write it; on an error show her page with the form again."""
    membership = access_cooperative(request.user, slug, Can.RECORD_PRODUCTION)
    maker = production_maker(membership, maker_id)
    form = form_class(request.POST)
    if form.is_valid():
        try:
            write(maker=maker, **form.cleaned_data)
        except ProductionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, saved)
            return redirect("production:maker_production", slug, maker.pk)
    return render_maker_production(request, membership, maker, **{form_name: form})


@login_required
@require_POST
def capacity_set(request: HttpRequest, slug: str, maker_id) -> HttpResponse:
    return _save_for_maker(
        request, slug, maker_id, CapacityForm, capacities.set_capacity, _("Capacity saved."), "capacity_form"
    )


@login_required
@require_POST
def capacity_remove(request: HttpRequest, slug: str, maker_id, capacity_id: int) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.RECORD_PRODUCTION)
    maker = production_maker(membership, maker_id)
    capacities.remove_capacity(capacity=get_object_or_404(Capacity, pk=capacity_id, maker=maker))
    messages.success(request, _("Capacity removed; work already pledged keeps its dates."))
    return redirect("production:maker_production", slug, maker.pk)


@login_required
@require_POST
def unavailability_add(request: HttpRequest, slug: str, maker_id) -> HttpResponse:
    saved = _("Period saved; work already pledged keeps its dates.")
    return _save_for_maker(
        request, slug, maker_id, UnavailabilityForm, capacities.add_unavailability, saved, "period_form"
    )


@login_required
@require_POST
def unavailability_remove(request: HttpRequest, slug: str, maker_id, period_id: int) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.RECORD_PRODUCTION)
    maker = production_maker(membership, maker_id)
    capacities.remove_unavailability(period=get_object_or_404(Unavailability, pk=period_id, maker=maker))
    messages.success(request, _("Period removed."))
    return redirect("production:maker_production", slug, maker.pk)


# Ledgers and payouts


def render_ledger(
    request: HttpRequest, membership: Membership, maker: Maker, form: PayoutForm | None = None
) -> HttpResponse:
    can_pay = has_capability(membership, Can.PAY_MAKERS)
    if can_pay and form is None:
        form = PayoutForm(initial={"paid_on": timezone.localdate()})
    return render(
        request,
        "production/office/ledger.html",
        production_context(
            membership, "work", maker=maker, ledger=maker_ledger(maker), form=form if can_pay else None
        ),
        status=400 if form is not None and form.errors else 200,
    )


@login_required
@require_safe
def ledger(request: HttpRequest, slug: str, maker_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_OFFICE)
    return render_ledger(request, membership, production_maker(membership, maker_id))


@login_required
@require_POST
def payout_create(request: HttpRequest, slug: str, maker_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.PAY_MAKERS)
    maker = production_maker(membership, maker_id)
    form = PayoutForm(request.POST)
    if form.is_valid():
        try:
            record_payout(maker=maker, user=request.user, **form.cleaned_data)
        except ProductionError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Payout recorded."))
            return redirect("production:ledger", slug, maker.pk)
    return render_ledger(request, membership, maker, form=form)


# The weekly plan and the continuity dashboard


def render_plan(request: HttpRequest, membership: Membership, status: int = 200) -> HttpResponse:
    plan = weekly_plan(cooperative=membership.cooperative)
    return render(
        request,
        "production/office/plan.html",
        production_context(
            membership,
            "plan",
            plan=plan,
            categories=Category.objects.filter(products__cooperative=membership.cooperative).distinct(),
            max_history=max((max(r.history, default=0) for r in plan.rows), default=0),
        ),
        status=status,
    )


@login_required
@require_safe
def plan(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.PLAN_PRODUCTION)
    return render_plan(request, membership)


@login_required
@require_POST
def plan_accept(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.PLAN_PRODUCTION)
    form = AcceptPlanForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("There is nothing to start in this plan."))
        return render_plan(request, membership, status=400)
    try:
        work_orders = accept_plan(
            cooperative=membership.cooperative, token=form.cleaned_data["plan"], user=request.user
        )
    except ProductionError as error:
        messages.error(request, str(error) + " " + _("Nothing was pledged; the plan below is up to date."))
        return render_plan(request, membership, status=400)
    messages.success(
        request,
        _("%(count)s work orders pledged for %(pieces)s pieces.")
        % {"count": len(work_orders), "pieces": sum(w.quantity for w in work_orders)},
    )
    return redirect("production:work_order_list", slug)


@login_required
@require_safe
def continuity(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_PRODUCTION)
    return render(
        request,
        "production/office/continuity.html",
        production_context(
            membership, "continuity", report=continuity_report(cooperative=membership.cooperative)
        ),
    )


@login_required
@require_get_or_post
def stages(request: HttpRequest, slug: str, category_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.PLAN_PRODUCTION)
    category = get_object_or_404(Category, pk=category_id)
    current = capacities.stages_for(membership.cooperative, category)
    initial = "\n".join(f"{s.name_id} | {s.name_en} | {s.share}" for s in current)
    form = StagesForm(posted(request), initial={"stages": initial})
    if form.is_valid():
        try:
            capacities.set_stages(
                cooperative=membership.cooperative, category=category, stages=form.cleaned_data["stages"]
            )
        except ProductionError as error:
            form.add_error("stages", str(error))
        else:
            messages.success(request, _("Stages saved; work already pledged keeps its stages."))
            return redirect("production:plan", slug)
    return render(
        request,
        "production/office/stages.html",
        production_context(membership, "plan", category=category, form=form),
    )


# Messages to waiting buyers


@login_required
@require_safe
def outbound_messages(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_BUYERS)
    rows = OutboundMessage.objects.filter(cooperative=membership.cooperative).order_by(
        "sent_at", "-created_at"
    )
    page = page_of(request, rows)
    for message in page:
        message.wa_digits = wa_me_digits(message.recipient) if message.channel == "whatsapp" else ""
    return render(
        request, "production/office/messages.html", production_context(membership, "messages", page=page)
    )


@login_required
@require_POST
def message_sent(request: HttpRequest, slug: str, message_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_BUYERS)
    message = get_object_or_404(OutboundMessage, pk=message_id, cooperative=membership.cooperative)
    mark_message_sent(message=message)
    messages.success(request, _("Marked as sent."))
    return redirect("production:outbound_messages", slug)


# The storefront's "notify me"


@require_POST
def waitlist_join(request: HttpRequest, slug: str) -> HttpResponse:
    product = get_object_or_404(published_products(), slug=slug)
    form = WaitlistForm(request.POST)
    back = redirect("storefront:product_detail", product.slug)
    if not form.is_valid():
        messages.error(request, _("Enter a WhatsApp number or an e-mail address."))
        return back
    try:
        _entry, created = join_waitlist(
            product=product, contact=form.cleaned_data["contact"], language=translation.get_language() or "id"
        )
    except ProductionError as error:
        messages.error(request, str(error))
        return back
    if created:
        messages.success(
            request,
            _("Thank you. We will tell you as soon as %(title)s can be ordered.") % {"title": product.title},
        )
    else:
        messages.info(
            request,
            _("You are already on the list for %(title)s; we will tell you once.") % {"title": product.title},
        )
    return back
