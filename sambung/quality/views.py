"""Quality in the back office (standards, the inspection queue, the checklist, hang tags) and the public
provenance page of a piece.

Back-office views follow catalog.views: `access_cooperative` first (missing and forbidden both answer 404), rows
scoped to the membership's cooperative, a form to parse, one writer to call, POST-redirect-GET.
"""

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Max
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_safe

from sambung.accounts.access import Can, access_cooperative, has_capability
from sambung.accounts.models import Membership
from sambung.catalog.models import SKU, Location, Piece, Product
from sambung.catalog.queries import visible_makers, visible_pieces
from sambung.catalog.views import office_context, posted, require_get_or_post
from sambung.inventory.models import Position, StockLevel
from sambung.orders.views import pdf_response
from sambung.quality import queries, records, rejections
from sambung.quality.forms import (
    CriterionForm,
    DefaultStandardForm,
    InspectionForm,
    ReceiveBackForm,
    WriteOffForm,
)
from sambung.quality.inspections import InspectionError, record_inspection
from sambung.quality.models import PASSING, Inspection, Outcome, Standard
from sambung.quality.standards import (
    KIND_LABELS,
    Kind,
    StandardError,
    add_default_standard,
    criteria_of,
    current_version,
    new_key,
    revise_standard,
    with_criterion,
    without_criterion,
)
from sambung.quality.tags import MAX_TAGS, hang_tags_pdf
from sambung.storefront.queries import pieces_on_hand

# The queue


@login_required
@require_safe
def queue(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_CATALOG)
    cooperative = membership.cooperative
    recent = Inspection.objects.filter(cooperative=cooperative).select_related(
        "piece", "sku__product", "location"
    )
    return render(
        request,
        "quality/queue.html",
        office_context(
            membership,
            pieces=queries.waiting_pieces(cooperative),
            batches=queries.waiting_batches(cooperative),
            recent=recent[:20],
            missing=queries.missing_standards(cooperative),
        ),
    )


# Standards


def cooperative_standard(membership: Membership, standard_id) -> Standard:
    return get_object_or_404(
        Standard.objects.select_related("category"), pk=standard_id, cooperative=membership.cooperative
    )


@login_required
@require_safe
def standard_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_CATALOG)
    cooperative = membership.cooperative
    standards = (
        cooperative.standards.select_related("category")
        .annotate(version=Max("versions__number"))
        .order_by("category__position", "name_id")
    )
    missing = queries.missing_standards(cooperative)
    form = DefaultStandardForm(categories=missing) if missing else None
    return render(
        request,
        "quality/standard_list.html",
        office_context(membership, standards=standards, missing=missing, form=form),
    )


@login_required
@require_get_or_post
def standard_add_default(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_STANDARDS)
    cooperative = membership.cooperative
    form = DefaultStandardForm(
        posted(request),
        categories=queries.missing_standards(cooperative),
        initial={"category": request.GET.get("kategori")},
    )
    if form.is_valid():
        try:
            standard = add_default_standard(
                cooperative=cooperative,
                category=form.cleaned_data["category"],
                template=form.cleaned_data["template"] or None,
                user=request.user,
            )
        except StandardError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Standard %(name)s added.") % {"name": standard.name})
            return redirect("quality:standard_detail", cooperative.slug, standard.pk)
    return render(request, "quality/standard_add.html", office_context(membership, form=form))


@login_required
@require_safe
def standard_detail(request: HttpRequest, slug: str, standard_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_CATALOG)
    standard = cooperative_standard(membership, standard_id)
    versions = list(
        standard.versions.annotate(inspection_count=Count("inspections"))
        .select_related("created_by")
        .order_by("-number")
    )
    latest = versions[0]
    shown = latest
    if request.GET.get("versi", "").isdigit():
        shown = next((v for v in versions if v.number == int(request.GET["versi"])), latest)
    return render(
        request,
        "quality/standard_detail.html",
        office_context(
            membership,
            standard=standard,
            versions=versions,
            shown=shown,
            is_current=shown.pk == latest.pk,
            criteria=criteria_of(shown),
            kinds=[(kind.value, label) for kind, label in KIND_LABELS.items()],
        ),
    )


@login_required
@require_get_or_post
def criterion_create(request: HttpRequest, slug: str, standard_id, kind: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_STANDARDS)
    standard = cooperative_standard(membership, standard_id)
    if kind not in {k.value for k in Kind}:
        raise Http404
    return edit_criterion(request, membership, standard, Kind(kind), None)


@login_required
@require_get_or_post
def criterion_edit(request: HttpRequest, slug: str, standard_id, key: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_STANDARDS)
    standard = cooperative_standard(membership, standard_id)
    criterion = next((c for c in criteria_of(current_version(standard)) if c.key == key), None)
    if criterion is None:
        raise Http404
    return edit_criterion(request, membership, standard, criterion.kind, criterion)


def edit_criterion(
    request, membership: Membership, standard: Standard, kind: Kind, criterion
) -> HttpResponse:
    latest = current_version(standard)
    form = CriterionForm(posted(request), kind=kind, criterion=criterion, initial={"based_on": latest.pk})
    if form.is_valid():
        criteria = criteria_of(latest)
        key = (
            criterion.key
            if criterion
            else new_key(form.cleaned_data["label_en"] or form.cleaned_data["label_id"], criteria)
        )
        changed = form.criterion(key)
        if form.is_valid():  # building the criterion may add errors (numbers, bands)
            try:
                version = revise_standard(
                    standard=standard,
                    criteria=with_criterion(criteria, changed),
                    based_on_id=form.cleaned_data["based_on"],
                    user=request.user,
                )
            except StandardError as error:
                form.add_error(None, str(error))
            else:
                messages.success(
                    request, _("Saved as version %(number)s of the standard.") % {"number": version.number}
                )
                return redirect("quality:standard_detail", membership.cooperative.slug, standard.pk)
    return render(
        request,
        "quality/criterion_form.html",
        office_context(membership, form=form, standard=standard, criterion=criterion, kind=kind),
    )


@login_required
@require_get_or_post
def criterion_delete(request: HttpRequest, slug: str, standard_id, key: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_STANDARDS)
    standard = cooperative_standard(membership, standard_id)
    latest = current_version(standard)
    criteria = criteria_of(latest)
    criterion = next((c for c in criteria if c.key == key), None)
    if criterion is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            version = revise_standard(
                standard=standard,
                criteria=without_criterion(criteria, key),
                based_on_id=request.POST.get("based_on", ""),
                user=request.user,
            )
        except StandardError as refused:
            error = str(refused)
        else:
            messages.success(
                request, _("Saved as version %(number)s of the standard.") % {"number": version.number}
            )
            return redirect("quality:standard_detail", membership.cooperative.slug, standard.pk)
    return render(
        request,
        "quality/criterion_delete.html",
        office_context(membership, standard=standard, criterion=criterion, based_on=latest.pk, error=error),
    )


# Inspecting


@login_required
@require_get_or_post
def inspect_piece(request: HttpRequest, slug: str, piece_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.INSPECT)
    piece = get_object_or_404(
        visible_pieces(membership).select_related("sku__product__category"), pk=piece_id
    )
    level = StockLevel.objects.filter(piece=piece, position=Position.QUALITY_CONTROL, quantity__gt=0).first()
    return inspect(request, membership, product=piece.sku.product, piece=piece, in_qc=level is not None)


@login_required
@require_get_or_post
def inspect_batch(request: HttpRequest, slug: str, sku_id, location_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.INSPECT)
    cooperative = membership.cooperative
    sku = get_object_or_404(
        SKU.objects.select_related("product__category"), pk=sku_id, product__cooperative=cooperative
    )
    location = get_object_or_404(Location, pk=location_id, cooperative=cooperative)
    level = StockLevel.objects.filter(
        sku=sku, piece=None, location=location, position=Position.QUALITY_CONTROL
    ).first()
    quantity = level.quantity if level else 0
    return inspect(
        request,
        membership,
        product=sku.product,
        sku=sku,
        location=location,
        in_qc=quantity > 0,
        max_quantity=quantity,
    )


def inspect(
    request: HttpRequest,
    membership: Membership,
    *,
    product: Product,
    in_qc: bool,
    piece: Piece | None = None,
    sku: SKU | None = None,
    location: Location | None = None,
    max_quantity: int | None = None,
) -> HttpResponse:
    cooperative = membership.cooperative
    page = {"piece": piece, "sku": sku, "location": location, "product": product, "in_qc": in_qc}
    standard = queries.standard_for(cooperative, product.category)
    if standard is None or not in_qc:
        return render(
            request, "quality/inspect.html", office_context(membership, standard=standard, form=None, **page)
        )
    version = current_version(standard)
    data = posted(request)
    if data is not None and data.get("version") != str(version.pk):
        # The standard changed since the form was shown: ask again, with the current criteria.
        messages.warning(
            request,
            _("The standard changed while you were inspecting. Check the current criteria and send again."),
        )
        data = None
    form = InspectionForm(
        data,
        request.FILES if data is not None else None,
        criteria=criteria_of(version),
        product=product,
        max_quantity=max_quantity if piece is None else None,
        initial={"version": version.pk},
    )
    if form.is_valid():
        try:
            inspection = record_inspection(
                piece=piece,
                sku=sku if piece is None else None,
                location=location,
                quantity=form.cleaned_data.get("quantity", 1),
                standard_version=version,
                results=form.answers(),
                photos=form.cleaned_data["photos"],
                inspector=membership,
                note_id=form.cleaned_data["note_id"],
                note_en=form.cleaned_data["note_en"],
            )
        except InspectionError as error:
            for key, texts in error.errors.items():
                for text in texts:
                    form.add_error(form.field_for(key), text)
        else:
            messages.success(request, outcome_message(inspection))
            return redirect("quality:inspection_detail", cooperative.slug, inspection.pk)
    return render(
        request,
        "quality/inspect.html",
        office_context(membership, standard=standard, version=version, form=form, **page),
    )


def outcome_message(inspection: Inspection) -> str:
    if inspection.outcome == Outcome.GRADE_A:
        return _("Grade A: passed. It is now for sale in the web store.")
    if inspection.outcome == Outcome.GRADE_B:
        return _(
            "Grade B: passed with minor flaws, which buyers will be told. It is now for sale in the web store."
        )
    return _("Rejected: it stays in quality control and is not for sale.")


# Reading inspections


def visible_inspections(membership: Membership):
    """Inspections the member may read: all of the cooperative's, or, for a maker, those of her own pieces."""
    inspections = Inspection.objects.filter(cooperative=membership.cooperative)
    if has_capability(membership, Can.VIEW_CATALOG):
        return inspections
    if membership.maker_id:
        return inspections.filter(piece__maker_id=membership.maker_id)
    return inspections.none()


@login_required
@require_safe
def inspection_detail(request: HttpRequest, slug: str, inspection_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_OFFICE)
    inspection = get_object_or_404(
        visible_inspections(membership).select_related(
            "piece__maker", "sku__product", "location", "standard_version__standard", "inspector"
        ),
        pk=inspection_id,
    )
    return render(
        request,
        "quality/inspection_detail.html",
        office_context(membership, view=queries.read_inspection(inspection), inspection=inspection),
    )


@login_required
@require_safe
def piece_quality(request: HttpRequest, slug: str, piece_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_OFFICE)
    piece = get_object_or_404(visible_pieces(membership), pk=piece_id)
    in_qc = StockLevel.objects.filter(piece=piece, position=Position.QUALITY_CONTROL, quantity__gt=0).exists()
    inspections = piece.inspections.select_related("standard_version__standard").order_by("-created_at")
    latest = inspections.first()
    rejection = rejections.rejected_piece(piece)
    return render(
        request,
        "quality/piece_quality.html",
        office_context(
            membership,
            piece=piece,
            in_qc=in_qc,
            is_rejected=rejection is not None,
            at_maker=rejections.piece_at_maker(piece) is not None,
            inspections=inspections,
            is_public=latest is not None and latest.outcome in PASSING,
            moves=piece.moves.select_related("location", "created_by").order_by("-created_at"),
        ),
    )


# Rejected units: written off, or returned to the maker for rework


def inspectable_piece(membership: Membership, piece_id) -> Piece:
    return get_object_or_404(
        visible_pieces(membership).select_related("sku__product__cooperative"), pk=piece_id
    )


def take_out_piece(request: HttpRequest, slug: str, piece_id, *, write_off: bool) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.INSPECT)
    piece = inspectable_piece(membership, piece_id)
    found = rejections.rejected_piece(piece)
    error = ""
    if request.method == "POST":
        writer = rejections.write_off_piece if write_off else rejections.return_piece_to_maker
        try:
            writer(piece=piece, member=membership)
        except rejections.RejectionError as refused:
            error = str(refused)
        else:
            if write_off:
                message = _("%(code)s is written off: it has left stock for good.")
            else:
                message = _("%(code)s is back with its maker for rework. Receive it here when she brings it.")
            messages.success(request, message % {"code": piece.code})
            return redirect("quality:piece_quality", membership.cooperative.slug, piece.pk)
    return render(
        request,
        "quality/take_out.html",
        office_context(
            membership,
            piece=piece,
            write_off=write_off,
            view=queries.read_inspection(found[1]) if found else None,
            error=error,
        ),
    )


@login_required
@require_get_or_post
def write_off_piece(request: HttpRequest, slug: str, piece_id) -> HttpResponse:
    return take_out_piece(request, slug, piece_id, write_off=True)


@login_required
@require_get_or_post
def return_piece(request: HttpRequest, slug: str, piece_id) -> HttpResponse:
    return take_out_piece(request, slug, piece_id, write_off=False)


@login_required
@require_get_or_post
def receive_piece(request: HttpRequest, slug: str, piece_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.INSPECT)
    piece = inspectable_piece(membership, piece_id)
    locations = Location.objects.filter(cooperative=membership.cooperative).order_by("name")
    form = ReceiveBackForm(posted(request), locations=locations)
    if form.is_valid():
        try:
            rejections.receive_reworked_piece(
                piece=piece, location=form.cleaned_data["location"], member=membership
            )
        except rejections.RejectionError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("%(code)s is back in quality control: inspect it before it can be sold again.")
                % {"code": piece.code},
            )
            return redirect("quality:piece_quality", membership.cooperative.slug, piece.pk)
    return render(
        request,
        "quality/receive_back.html",
        office_context(
            membership, piece=piece, form=form, at_maker=rejections.piece_at_maker(piece) is not None
        ),
    )


@login_required
@require_get_or_post
def write_off_batch(request: HttpRequest, slug: str, sku_id, location_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.INSPECT)
    cooperative = membership.cooperative
    sku = get_object_or_404(
        SKU.objects.select_related("product"), pk=sku_id, product__cooperative=cooperative
    )
    location = get_object_or_404(Location, pk=location_id, cooperative=cooperative)
    batch = rejections.rejected_batch(sku, location)
    remaining = batch.remaining if batch else 0
    form = WriteOffForm(posted(request), max_quantity=remaining, initial={"quantity": remaining or None})
    if remaining and form.is_valid():
        try:
            move = rejections.write_off_batch(
                sku=sku, location=location, quantity=form.cleaned_data["quantity"], member=membership
            )
        except rejections.RejectionError as refused:
            form.add_error(None, str(refused))
        else:
            messages.success(
                request,
                _("%(count)s units of %(sku)s are written off.") % {"count": move.quantity, "sku": sku.code},
            )
            return redirect("quality:queue", cooperative.slug)
    return render(
        request,
        "quality/write_off_batch.html",
        office_context(
            membership,
            sku=sku,
            location=location,
            batch=batch,
            view=queries.read_inspection(batch.inspection) if batch else None,
            form=form if remaining else None,
        ),
    )


# Makers' quality records


@login_required
@require_safe
def maker_records(request: HttpRequest, slug: str) -> HttpResponse:
    """Every maker's last twelve months, worst pass rate first; a maker is sent to her own record."""
    membership = access_cooperative(request.user, slug, Can.VIEW_OFFICE)
    if not has_capability(membership, Can.VIEW_MAKERS):
        if membership.maker_id:
            return redirect("quality:maker_record", membership.cooperative.slug, membership.maker_id)
        raise Http404
    return render(
        request,
        "quality/maker_records.html",
        office_context(
            membership,
            summaries=records.maker_summaries(membership.cooperative),
            since=records.window_start(),
        ),
    )


@login_required
@require_safe
def maker_record(request: HttpRequest, slug: str, maker_id) -> HttpResponse:
    """One maker's record month by month: the staff who see makers see anyone's, a maker only her own."""
    membership = access_cooperative(request.user, slug, Can.VIEW_OFFICE)
    maker = get_object_or_404(visible_makers(membership), pk=maker_id)
    return render(
        request,
        "quality/maker_record.html",
        office_context(membership, maker=maker, record=records.maker_record(maker)),
    )


# Hang tags


def taggable_pieces(membership: Membership):
    """Pieces whose latest inspection passed: they may carry a hang tag with their grade."""
    return queries.passed_pieces(visible_pieces(membership))


@login_required
@require_safe
def hang_tags(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_PIECES)
    pieces = taggable_pieces(membership).select_related("sku__product", "maker")
    product = None
    if request.GET.get("produk"):
        product = Product.objects.filter(
            pk=_uuid(request.GET["produk"]), cooperative=membership.cooperative
        ).first()
        if product is not None:
            pieces = pieces.filter(sku__product=product)
    return render(
        request,
        "quality/hang_tags.html",
        office_context(membership, pieces=pieces[:200], product=product, max_tags=MAX_TAGS),
    )


@login_required
@require_safe
def hang_tags_file(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_PIECES)
    wanted = [piece_id for piece_id in map(_uuid, request.GET.getlist("karya")) if piece_id]
    pieces = list(
        taggable_pieces(membership)
        .filter(pk__in=wanted[:MAX_TAGS])
        .select_related("sku__product", "maker")
        .order_by("code")
    )
    if not pieces:
        messages.error(request, _("Choose at least one inspected piece to print its hang tag."))
        return redirect("quality:hang_tags", membership.cooperative.slug)
    return pdf_response(hang_tags_pdf(pieces), f"label-{membership.cooperative.slug}.pdf")


def _uuid(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value))
    except ValueError:
        return None


# For buyers: the provenance page a hang tag's QR code opens


@require_safe
def provenance(request: HttpRequest, code: str) -> HttpResponse:
    """The piece's story and inspection; a piece never inspected, or rejected at its latest inspection, is not found."""
    piece = get_object_or_404(
        Piece.objects.select_related("sku__product__cooperative", "sku__product__category", "maker"),
        code=code,
    )
    inspection = queries.public_inspection(piece)
    if inspection is None:
        raise Http404
    product = piece.sku.product
    for_sale = product.is_published and pieces_on_hand(product).filter(pk=piece.pk).exists()
    return render(
        request,
        "quality/provenance.html",
        {
            "piece": piece,
            "product": product,
            "view": queries.read_inspection(inspection),
            "village": piece.maker.village,
            "for_sale": for_sale,
        },
    )
