"""The storefront: read-only pages for buyers. A GET here never writes to the database."""

from django.conf import settings
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.http import require_safe
from django.views.static import serve

from sambung.catalog.models import Cooperative, Maker
from sambung.feedback import queries as feedback_queries
from sambung.production.promises import attach_promises
from sambung.quality.queries import latest_batch_inspection, with_inspections
from sambung.storefront import queries
from sambung.storefront.forms import ProductFilterForm

PAGE_SIZE = 24


@require_safe
def home(request):
    products = queries.published_products()
    return render(
        request,
        "storefront/home.html",
        {
            "ready": products.filter(available__gt=0).order_by("-created_at")[:8],
            "made_to_order": attach_promises(products.filter(available=0).order_by("-created_at")[:4]),
            "categories": queries.categories(),
            "cooperatives": queries.cooperatives(),
        },
    )


@require_safe
def product_list(request):
    form = ProductFilterForm(request.GET or None)
    form.is_valid()
    filters = form.filters() if form.is_bound else queries.ProductFilters()
    page = Paginator(queries.search_products(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    page.object_list = attach_promises(page.object_list)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "storefront/product_list.html",
        {
            "form": form,
            "page": page,
            "filters": filters,
            "query": query.urlencode(),
            "is_filtered": any(value for key, value in query.items() if key != "q"),
        },
    )


@require_safe
def product_detail(request, slug: str):
    product = get_object_or_404(queries.published_products(), slug=slug)
    skus = product.skus.filter(is_active=True)
    promise = attach_promises([product])[0].promise
    return render(
        request,
        "storefront/product_detail.html",
        {
            "product": product,
            "promise": promise,
            "skus": skus,
            "made_to_order_skus": list(skus) if promise.is_made_to_order else [],
            "counted_skus": [sku for sku in skus if not sku.is_unique] if product.available else [],
            "has_unique_skus": any(sku.is_unique for sku in skus),
            "pieces": with_inspections(queries.pieces_on_hand(product)),
            "batch_inspection": latest_batch_inspection(product) if product.available else None,
            "village": product.village,
            "photos": list(product.photos.all()),
            "reviews": feedback_queries.product_reviews(product),
        },
    )


@require_safe
def cooperative_detail(request, slug: str):
    cooperative = get_object_or_404(Cooperative, slug=slug)
    return render(
        request,
        "storefront/cooperative_detail.html",
        {
            "cooperative": cooperative,
            "makers": queries.public_makers(cooperative),
            "maker_count": cooperative.makers.filter(is_active=True).count(),
            "products": attach_promises(
                queries.published_products().filter(cooperative=cooperative).order_by("-created_at")[:24]
            ),
        },
    )


@require_safe
def maker_detail(request, maker_id):
    # A maker who has not agreed to be shown is not found, exactly like a missing one.
    maker = get_object_or_404(
        Maker.objects.select_related("cooperative"), pk=maker_id, shows_name=True, is_active=True
    )
    products = (
        queries.published_products().filter(skus__pieces__maker=maker).distinct().order_by("-created_at")
    )
    return render(
        request, "storefront/maker_detail.html", {"maker": maker, "products": attach_promises(products[:24])}
    )


@require_safe
def serve_media(request, path: str):
    """Serve photo renditions (never the originals) with far-future caching: their names carry a hash."""
    if not settings.SERVE_MEDIA:
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
