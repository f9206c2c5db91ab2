"""Reviews and complaints: the buyer's forms from her order page, and the back office's moderation queue,
complaint list and listing-quality page.

The buyer is whoever proved the order in this browser (its code and WhatsApp number, kept in the signed `orders`
cookie, as for the order page itself); anyone else gets 404, exactly like a missing order. Back-office views
authorize with `access_cooperative` (404 for missing and forbidden alike), parse with a form, call one writer and
redirect with a message.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from sambung.accounts.access import Can, access_cooperative
from sambung.accounts.models import Membership
from sambung.catalog.listing import listing_report
from sambung.catalog.views import office_context, page_of, posted, require_get_or_post
from sambung.feedback import queries
from sambung.feedback.complaints import (
    OPEN_FOR_GOODS,
    complaint_refusal,
    open_complaint,
    refundable,
    resolve_complaint,
    write_to_buyer,
)
from sambung.feedback.forms import (
    ComplaintForm,
    MessageForm,
    ModerationForm,
    ResolveForm,
    ReviewForm,
    upload_bytes,
)
from sambung.feedback.models import Complaint, Review
from sambung.feedback.photo_checks import measure_photos, unmeasured_photos
from sambung.feedback.reviews import moderate_review, review_refusal, write_review
from sambung.feedback.submissions import FeedbackError
from sambung.orders.models import OrderLine
from sambung.storefront.checkout_views import orders_allowed

# Photos measured per visit of the listing-quality page: a first visit after a large import stays quick, and
# `manage.py measure_listing_photos` measures everything at once.
MEASURE_PER_REQUEST = 60
LISTING_PAGE_SIZE = 50


# The buyer


def buyer_line(request: HttpRequest, code: str, line_id: int) -> OrderLine:
    """Return the order line if this browser proved it owns the order; else raise Http404 (like a missing one)."""
    if code not in orders_allowed(request):
        raise Http404
    lines = OrderLine.objects.select_related("order__cooperative", "sku__product", "piece__maker")
    return get_object_or_404(lines, pk=line_id, order__code=code)


@require_get_or_post
def review_line(request: HttpRequest, code: str, line_id: int) -> HttpResponse:
    line = buyer_line(request, code, line_id)
    refusal = review_refusal(line)
    form = ReviewForm(posted(request), request.FILES or None)
    if not refusal and form.is_valid():
        try:
            write_review(
                line=line,
                stars=form.cleaned_data["stars"],
                text=form.cleaned_data["text"],
                photo=upload_bytes(form.cleaned_data["photo"]),
            )
        except FeedbackError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Thank you! Your review appears on the product page once the cooperative has read it."),
            )
            return redirect("storefront:order", line.order.code)
    return render(
        request,
        "feedback/review_form.html",
        {"line": line, "order": line.order, "form": form, "refusal": refusal},
    )


@require_get_or_post
def complain_line(request: HttpRequest, code: str, line_id: int) -> HttpResponse:
    line = buyer_line(request, code, line_id)
    refusal = complaint_refusal(line)
    late_only = line.order.status not in OPEN_FOR_GOODS
    form = ComplaintForm(posted(request), request.FILES or None, late_only=late_only)
    if not refusal and form.is_valid():
        try:
            open_complaint(
                line=line,
                reason=form.cleaned_data["reason"],
                text=form.cleaned_data["text"],
                photo=upload_bytes(form.cleaned_data["photo"]),
            )
        except FeedbackError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request,
                _("Your complaint has been sent. The cooperative answers here, usually within two days."),
            )
            return redirect("storefront:order", line.order.code)
    return render(
        request,
        "feedback/complaint_form.html",
        {"line": line, "order": line.order, "form": form, "refusal": refusal},
    )


# Back office: reviews


@login_required
@require_safe
def review_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.MODERATE_REVIEWS)
    status = request.GET.get("status", Review.Status.PENDING)
    if status not in Review.Status.values:
        status = Review.Status.PENDING
    reviews = queries.reviews_of(membership.cooperative, status)
    return render(
        request,
        "feedback/office/review_list.html",
        office_context(
            membership,
            page=page_of(request, reviews),
            status=status,
            statuses=Review.Status.choices,
            query=f"status={status}",
        ),
    )


@login_required
@require_POST
def review_moderate(request: HttpRequest, slug: str, review_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.MODERATE_REVIEWS)
    review = get_object_or_404(Review, pk=review_id, cooperative=membership.cooperative)
    form = ModerationForm(request.POST)
    if not form.is_valid():
        for errors in form.errors.values():
            messages.error(request, errors[0])
    else:
        approve = form.cleaned_data["decision"] == "approve"
        try:
            moderate_review(
                review=review, user=request.user, approve=approve, reason=form.cleaned_data["reason"]
            )
        except FeedbackError as error:
            messages.error(request, str(error))
        else:
            messages.success(
                request, _("Review published.") if approve else _("Review kept off the product page.")
            )
    return redirect("feedback:review_list", membership.cooperative.slug)


# Back office: complaints


def cooperative_complaint(membership: Membership, complaint_id) -> Complaint:
    complaints = Complaint.objects.select_related(
        "photo", "order_line__order", "order_line__sku__product", "order_line__piece__maker"
    )
    return get_object_or_404(complaints, pk=complaint_id, cooperative=membership.cooperative)


@login_required
@require_safe
def complaint_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.HANDLE_COMPLAINTS)
    status = request.GET.get("status", Complaint.Status.OPEN)
    if status not in {*Complaint.Status.values, "all"}:
        status = Complaint.Status.OPEN
    complaints = queries.complaints_of(membership.cooperative, "" if status == "all" else status)
    return render(
        request,
        "feedback/office/complaint_list.html",
        office_context(
            membership,
            page=page_of(request, complaints),
            status=status,
            statuses=[*Complaint.Status.choices, ("all", _("all"))],
            query=f"status={status}",
        ),
    )


def show_complaint(
    request: HttpRequest,
    membership: Membership,
    complaint: Complaint,
    *,
    message_form: MessageForm | None = None,
    resolve_form: ResolveForm | None = None,
) -> HttpResponse:
    is_open = complaint.status == Complaint.Status.OPEN
    return render(
        request,
        "feedback/office/complaint_detail.html",
        office_context(
            membership,
            complaint=complaint,
            line=complaint.order_line,
            order=complaint.order_line.order,
            events=complaint.events.select_related("actor"),
            inspection=queries.inspection_of(complaint.order_line),
            is_open=is_open,
            refundable=refundable(complaint) if is_open else None,
            message_form=message_form or MessageForm(),
            resolve_form=resolve_form or ResolveForm(),
        ),
    )


@login_required
@require_safe
def complaint_detail(request: HttpRequest, slug: str, complaint_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.HANDLE_COMPLAINTS)
    return show_complaint(request, membership, cooperative_complaint(membership, complaint_id))


@login_required
@require_POST
def complaint_message(request: HttpRequest, slug: str, complaint_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.HANDLE_COMPLAINTS)
    complaint = cooperative_complaint(membership, complaint_id)
    form = MessageForm(request.POST)
    if form.is_valid():
        try:
            write_to_buyer(complaint=complaint, user=request.user, note=form.cleaned_data["note"])
        except FeedbackError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Message sent: the buyer sees it on her order page."))
            return redirect("feedback:complaint_detail", membership.cooperative.slug, complaint.pk)
    return show_complaint(request, membership, complaint, message_form=form)


@login_required
@require_POST
def complaint_resolve(request: HttpRequest, slug: str, complaint_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.HANDLE_COMPLAINTS)
    complaint = cooperative_complaint(membership, complaint_id)
    form = ResolveForm(request.POST)
    if form.is_valid():
        try:
            resolve_complaint(complaint=complaint, user=request.user, **form.cleaned_data)
        except FeedbackError as error:
            form.add_error(None, str(error))
        else:
            messages.success(
                request, _("Complaint resolved; the buyer is told on her order page and by e-mail.")
            )
            return redirect("feedback:complaint_detail", membership.cooperative.slug, complaint.pk)
    return show_complaint(request, membership, complaint, resolve_form=form)


# Back office: listing quality


@login_required
@require_safe
def listing_quality(request: HttpRequest, slug: str) -> HttpResponse:
    """Every product's listing score, worst first, with its fixes.

    Photos not measured yet are measured here, a few per visit: derived figures, stored once (see photo_checks).
    """
    membership = access_cooperative(request.user, slug, Can.VIEW_CATALOG)
    cooperative = membership.cooperative
    measure_photos(photos=unmeasured_photos(cooperative), limit=MEASURE_PER_REQUEST)
    report = listing_report(cooperative)
    return render(
        request,
        "feedback/office/listing_quality.html",
        office_context(
            membership,
            page=Paginator(report, LISTING_PAGE_SIZE).get_page(request.GET.get("page")),
            product_count=len(report),
            average=round(sum(row.score for row in report) / len(report)) if report else None,
            unmeasured=sum(row.unmeasured_photos for row in report),
        ),
    )
