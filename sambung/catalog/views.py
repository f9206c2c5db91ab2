"""The back office for cooperatives: made for a phone screen.

Every view authorizes with `access_cooperative` (a missing row, another cooperative's row and a role without the
capability all answer 404), fetches its rows scoped to the membership's cooperative, parses with a form, calls one
writer and redirects with a message (POST-redirect-GET).
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import Count, Min, QuerySet
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from sambung.accounts.access import Can, access_cooperative, has_capability, memberships_of
from sambung.accounts.models import Membership
from sambung.catalog.forms import MakerForm, PhotoForm, PieceFilterForm, PieceForm, ProductForm, SKUForm
from sambung.catalog.makers import save_maker
from sambung.catalog.models import SKU, Maker, Photo, Piece, Product
from sambung.catalog.photos import InvalidPhoto, add_photo, delete_photo
from sambung.catalog.pieces import save_piece
from sambung.catalog.products import CatalogError, save_product, save_sku
from sambung.catalog.queries import visible_makers, visible_pieces
from sambung.inventory.queries import stock_rows
from sambung.orders.models import OrderStatus

PAGE_SIZE = 50
require_get_or_post = require_http_methods(["GET", "POST"])


def office_context(membership: Membership, **context) -> dict:
    """Return the context every back-office page needs: cooperative, role and what the role may do."""
    return {
        "membership": membership,
        "cooperative": membership.cooperative,
        "can": {capability.value: has_capability(membership, capability) for capability in Can},
        **context,
    }


def posted(request: HttpRequest) -> QueryDict | None:
    """Return the POST data for a bound form, or None on GET (an unbound form shows no errors)."""
    return request.POST if request.method == "POST" else None


def page_of(request: HttpRequest, rows: QuerySet) -> Page:
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    memberships = memberships_of(request.user)
    if len(memberships) == 1:
        return redirect("office:dashboard", memberships[0].cooperative.slug)
    return render(request, "office/home.html", {"memberships": memberships})


@login_required
@require_safe
def dashboard(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_OFFICE)
    cooperative = membership.cooperative
    context = office_context(membership, piece_count=visible_pieces(membership).count())
    if has_capability(membership, Can.VIEW_MAKERS):
        context["maker_count"] = cooperative.makers.filter(is_active=True).count()
    if has_capability(membership, Can.VIEW_CATALOG):
        context["product_count"] = cooperative.products.count()
    if has_capability(membership, Can.VIEW_ORDERS):
        open_statuses = [OrderStatus.AWAITING_PAYMENT, OrderStatus.PAID, OrderStatus.PACKING]
        context["open_order_count"] = cooperative.orders.filter(status__in=open_statuses).count()
    return render(request, "office/dashboard.html", context)


# Makers


@login_required
@require_safe
def maker_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_MAKERS)
    makers = membership.cooperative.makers.annotate(piece_count=Count("pieces")).order_by(
        "-is_active", "name"
    )
    return render(
        request, "office/maker_list.html", office_context(membership, page=page_of(request, makers))
    )


@login_required
@require_safe
def maker_detail(request: HttpRequest, slug: str, maker_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_OFFICE)
    maker = get_object_or_404(visible_makers(membership), pk=maker_id)
    pieces = visible_pieces(membership).filter(maker=maker)
    return render(
        request,
        "office/maker_detail.html",
        office_context(membership, maker=maker, piece_count=pieces.count(), pieces=pieces[:10]),
    )


@login_required
@require_get_or_post
def maker_create(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_MAKERS)
    return edit_maker(request, membership, Maker(cooperative=membership.cooperative))


@login_required
@require_get_or_post
def maker_edit(request: HttpRequest, slug: str, maker_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_MAKERS)
    maker = get_object_or_404(Maker, pk=maker_id, cooperative=membership.cooperative)
    return edit_maker(request, membership, maker)


def edit_maker(request: HttpRequest, membership: Membership, maker: Maker) -> HttpResponse:
    # Read before the form copies the posted values onto the instance.
    page = {"is_new": maker._state.adding, "heading": maker.name, "maker": maker}
    form = MakerForm(posted(request), instance=maker, cooperative=membership.cooperative)
    if form.is_valid():
        maker = save_maker(maker=form.save(commit=False))
        messages.success(request, _("Maker %(name)s saved.") % {"name": maker.name})
        return redirect("office:maker_detail", membership.cooperative.slug, maker.pk)
    return render(request, "office/maker_form.html", office_context(membership, form=form, **page))


# Products and SKUs


def cooperative_product(membership: Membership, product_id) -> Product:
    return get_object_or_404(
        Product.objects.select_related("category"), pk=product_id, cooperative=membership.cooperative
    )


@login_required
@require_safe
def product_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_CATALOG)
    products = (
        membership.cooperative.products.select_related("category")
        .annotate(price_from=Min("skus__price"))
        .order_by("title_id")
    )
    return render(
        request, "office/product_list.html", office_context(membership, page=page_of(request, products))
    )


@login_required
@require_safe
def product_detail(request: HttpRequest, slug: str, product_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_CATALOG)
    product = cooperative_product(membership, product_id)
    return render(
        request,
        "office/product_detail.html",
        office_context(
            membership,
            product=product,
            skus=product.skus.annotate(piece_count=Count("pieces")),
            unique_sku=product.skus.filter(is_unique=True, is_active=True).first(),
            photos=product.photos.all(),
            piece_count=visible_pieces(membership).filter(sku__product=product).count(),
            stock=stock_rows(product.skus.all()),
        ),
    )


@login_required
@require_get_or_post
def product_create(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_CATALOG)
    return edit_product(request, membership, Product(cooperative=membership.cooperative))


@login_required
@require_get_or_post
def product_edit(request: HttpRequest, slug: str, product_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_CATALOG)
    return edit_product(request, membership, cooperative_product(membership, product_id))


def edit_product(request: HttpRequest, membership: Membership, product: Product) -> HttpResponse:
    page = {"is_new": product._state.adding, "heading": product.title, "product": product}
    form = ProductForm(posted(request), instance=product, cooperative=membership.cooperative)
    if form.is_valid():
        try:
            product = save_product(product=form.save(commit=False))
        except CatalogError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Product %(title)s saved.") % {"title": product.title})
            return redirect("office:product_detail", membership.cooperative.slug, product.pk)
    return render(request, "office/product_form.html", office_context(membership, form=form, **page))


@login_required
@require_get_or_post
def sku_create(request: HttpRequest, slug: str, product_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_CATALOG)
    return edit_sku(request, membership, SKU(product=cooperative_product(membership, product_id)))


@login_required
@require_get_or_post
def sku_edit(request: HttpRequest, slug: str, product_id, sku_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_CATALOG)
    product = cooperative_product(membership, product_id)
    return edit_sku(request, membership, get_object_or_404(SKU, pk=sku_id, product=product))


def edit_sku(request: HttpRequest, membership: Membership, sku: SKU) -> HttpResponse:
    page = {"is_new": sku._state.adding, "heading": sku.code, "sku": sku, "product": sku.product}
    form = SKUForm(posted(request), instance=sku)
    if form.is_valid():
        try:
            sku = save_sku(sku=form.save(commit=False))
        except CatalogError as error:
            form.add_error("code", str(error))
        else:
            messages.success(request, _("SKU %(code)s saved.") % {"code": sku.code})
            return redirect("office:product_detail", membership.cooperative.slug, sku.product_id)
    return render(request, "office/sku_form.html", office_context(membership, form=form, **page))


@login_required
@require_get_or_post
def product_photos(request: HttpRequest, slug: str, product_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_CATALOG)
    return upload_photo(request, membership, product=cooperative_product(membership, product_id))


@login_required
@require_get_or_post
def product_photo_delete(request: HttpRequest, slug: str, product_id, photo_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_CATALOG)
    product = cooperative_product(membership, product_id)
    photo = get_object_or_404(Photo, pk=photo_id, product=product)
    return remove_photo(request, membership, photo, product=product)


# Pieces


def cooperative_piece(membership: Membership, piece_id) -> Piece:
    return get_object_or_404(visible_pieces(membership), pk=piece_id)


@login_required
@require_safe
def piece_list(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_OFFICE)
    pieces = visible_pieces(membership)
    products = Product.objects.filter(skus__pieces__in=pieces).distinct().order_by("title_id")
    form = PieceFilterForm(request.GET or None, products=products)
    if form.is_valid() and form.cleaned_data["produk"]:
        pieces = pieces.filter(sku__product=form.cleaned_data["produk"])
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "office/piece_list.html",
        office_context(membership, form=form, page=page_of(request, pieces), query=query.urlencode()),
    )


@login_required
@require_safe
def piece_detail(request: HttpRequest, slug: str, piece_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.VIEW_OFFICE)
    piece = cooperative_piece(membership, piece_id)
    return render(
        request,
        "office/piece_detail.html",
        office_context(
            membership,
            piece=piece,
            photos=piece.photos.all(),
            moves=piece.moves.select_related("location").order_by("created_at"),
        ),
    )


@login_required
@require_get_or_post
def piece_create(request: HttpRequest, slug: str) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_PIECES)
    # ?sku=…&maker=… preselects, e.g. from a product page; the choices stay limited to this cooperative.
    initial = {"sku": request.GET.get("sku"), "maker": request.GET.get("maker")}
    form = PieceForm(posted(request), instance=Piece(), cooperative=membership.cooperative, initial=initial)
    if form.is_valid():
        received_at = form.cleaned_data["received_at"]
        try:
            piece = save_piece(piece=form.save(commit=False), received_at=received_at, user=request.user)
        except CatalogError as error:
            form.add_error(None, str(error))
        else:
            if received_at:
                message = _("Piece %(code)s saved and received at %(location)s.")
                messages.success(request, message % {"code": piece.code, "location": received_at.name})
            else:
                messages.success(request, _("Piece %(code)s saved.") % {"code": piece.code})
            return redirect("office:piece_detail", membership.cooperative.slug, piece.pk)
    return render(request, "office/piece_form.html", office_context(membership, form=form, piece=None))


@login_required
@require_get_or_post
def piece_edit(request: HttpRequest, slug: str, piece_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_PIECES)
    piece = cooperative_piece(membership, piece_id)
    heading = piece.code
    form = PieceForm(posted(request), instance=piece, cooperative=membership.cooperative)
    if form.is_valid():
        try:
            piece = save_piece(piece=form.save(commit=False), user=request.user)
        except CatalogError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Piece %(code)s saved.") % {"code": piece.code})
            return redirect("office:piece_detail", membership.cooperative.slug, piece.pk)
    return render(
        request, "office/piece_form.html", office_context(membership, form=form, piece=piece, heading=heading)
    )


@login_required
@require_get_or_post
def piece_photos(request: HttpRequest, slug: str, piece_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_PIECES)
    return upload_photo(request, membership, piece=cooperative_piece(membership, piece_id))


@login_required
@require_get_or_post
def piece_photo_delete(request: HttpRequest, slug: str, piece_id, photo_id) -> HttpResponse:
    membership = access_cooperative(request.user, slug, Can.CHANGE_PIECES)
    piece = cooperative_piece(membership, piece_id)
    photo = get_object_or_404(Photo, pk=photo_id, piece=piece)
    return remove_photo(request, membership, photo, piece=piece)


# Photos of products and pieces


def upload_photo(
    request: HttpRequest,
    membership: Membership,
    *,
    product: Product | None = None,
    piece: Piece | None = None,
) -> HttpResponse:
    form = PhotoForm(posted(request), request.FILES or None)
    if form.is_valid():
        try:
            add_photo(
                upload=form.cleaned_data["photo"],
                product=product,
                piece=piece,
                alt_id=form.cleaned_data["alt_id"],
                alt_en=form.cleaned_data["alt_en"],
            )
        except InvalidPhoto as error:
            form.add_error("photo", str(error))
        else:
            messages.success(request, _("Photo added."))
            return redirect(request.path)
    owner = product or piece
    return render(
        request,
        "office/photos.html",
        office_context(membership, form=form, product=product, piece=piece, photos=owner.photos.all()),
    )


def remove_photo(
    request: HttpRequest,
    membership: Membership,
    photo: Photo,
    *,
    product: Product | None = None,
    piece: Piece | None = None,
) -> HttpResponse:
    slug = membership.cooperative.slug
    if product:
        back = redirect("office:product_photos", slug, product.pk)
    else:
        back = redirect("office:piece_photos", slug, piece.pk)
    if request.method == "POST":
        delete_photo(photo=photo)
        messages.success(request, _("Photo deleted."))
        return back
    return render(
        request,
        "office/photo_delete.html",
        office_context(membership, photo=photo, product=product, piece=piece, back_url=back.url),
    )
