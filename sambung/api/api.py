"""The JSON API, version 1: the public catalogue, and a cooperative's stock and orders for its members.

Mounted at /api/; every path starts with /api/v1/ and the schema is /api/v1/openapi.json. The interactive
docs page is off: ninja's page loads Swagger UI from a CDN unless `ninja` is an installed app.

Status codes, the same on every cooperative path:
- 400: a body that is not JSON at all; nothing changed;
- 401: no valid credentials (no session and no token, or a wrong or revoked token);
- 403: a signed-in session sent an unsafe method without the CSRF token;
- 404: the cooperative or order does not exist, the caller is not its member, or the role lacks the right —
  all three look alike (DESIGN.md §4.8). Seeing stock and orders needs catalogue view rights (manager, hub
  operator, program viewer); recording an event needs the right for that kind (see EVENT_CAPABILITY);
- 409: the order is not in a state where that step makes sense ({"detail": <message>}); nothing changed;
- 422: a malformed query or body, with the errors by field; nothing changed.
"""

from django.conf import settings
from django.db.models import Max, Prefetch
from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from ninja import NinjaAPI, Query, Router
from ninja.decorators import decorate_view

from sambung.accounts.access import Can, access_cooperative, has_capability
from sambung.accounts.models import Membership
from sambung.api import schemas
from sambung.api.auth import STAFF_AUTH
from sambung.catalog.models import SKU, Photo, Product
from sambung.inventory.models import Channel, StockLevel
from sambung.inventory.queries import stock_rows
from sambung.lib.regions import get_village
from sambung.orders.fulfilment import (
    InvalidTransition,
    cancel_order,
    confirm_payment,
    record_delivery,
    record_return,
    ship_order,
    start_packing,
)
from sambung.orders.models import Order, OrderEvent, OrderLine
from sambung.quality.models import PASSING, Inspection
from sambung.quality.queries import latest_batch_inspection, latest_inspections, read_inspection
from sambung.storefront.queries import ProductFilters, pieces_on_hand, published_products, search_products

# Which capability each event kind needs: the hub packs and ships; the manager handles money and exceptions.
EVENT_CAPABILITY: dict[str, Can] = {
    "packing": Can.FULFIL_ORDERS,
    "shipped": Can.FULFIL_ORDERS,
    "delivered": Can.FULFIL_ORDERS,
    "paid": Can.MANAGE_ORDERS,
    "returned": Can.MANAGE_ORDERS,
    "cancelled": Can.MANAGE_ORDERS,
}

api = NinjaAPI(
    title="Sambung API",
    version="1",
    description=__doc__,
    urls_namespace="api",
    openapi_url="/v1/openapi.json",
    docs_url=None,
)
catalogue = Router(tags=["catalogue"])
cooperatives = Router(tags=["cooperatives"], auth=STAFF_AUTH)
api.add_router("/v1/products", catalogue)
api.add_router("/v1/cooperatives", cooperatives)

ERRORS = {
    400: "The body is not JSON. Nothing changed.",
    401: "No valid session or API token.",
    403: "A signed-in session sent an unsafe method without its CSRF token.",
    404: "No such cooperative or order, or not yours to see or change: the two look the same.",
    409: "The order is not in a state where this step makes sense. Nothing changed.",
    422: "A malformed query or body; `detail` lists the errors by field. Nothing changed.",
}
DETAIL = {"type": "object", "properties": {"detail": {}}, "required": ["detail"]}


def errors(*codes: int) -> dict:
    """Document the error answers an operation gives, each as {"detail": …}."""
    return {
        "responses": {
            code: {"description": ERRORS[code], "content": {"application/json": {"schema": DETAIL}}}
            for code in codes
        }
    }


@api.exception_handler(InvalidTransition)
def invalid_transition(request: HttpRequest, exc: InvalidTransition):
    return api.create_response(request, {"detail": str(exc)}, status=409)


# -- Catalogue (public) -------------------------------------------------------------------------------------


def _photo(request: HttpRequest, photo: Photo) -> dict:
    return {
        "thumb": request.build_absolute_uri(photo.thumb.url),
        "detail": request.build_absolute_uri(photo.detail.url),
        "alt_id": photo.alt_id,
        "alt_en": photo.alt_en,
    }


def _village(code: str) -> dict:
    village = get_village(code)
    return {"code": code, "name": village.name if village else ""}


def _product(request: HttpRequest, product: Product) -> dict:
    photos = list(product.photos.all())  # prefetched by published_products
    with translation.override(settings.LANGUAGE_CODE):
        url = reverse("storefront:product_detail", kwargs={"slug": product.slug})
    return {
        "id": product.id,
        "slug": product.slug,
        "title_id": product.title_id,
        "title_en": product.title_en,
        "category": product.category,
        "cooperative": product.cooperative,
        "village": _village(product.village_code),
        "yarn": product.yarn,
        "dye": product.dye,
        "price_from": product.price_from,
        "available": product.available,
        "thumbnail": request.build_absolute_uri(photos[0].thumb.url) if photos else None,
        "url": request.build_absolute_uri(url),
    }


@catalogue.get("", response=schemas.ProductPage, summary="Published products", openapi_extra=errors(422))
def list_products(request: HttpRequest, query: Query[schemas.ProductQuery]):
    """Published products, newest first (with `ready`, most in stock first), `limit` at a time."""
    filters = ProductFilters(
        q=query.q,
        category=query.category,
        cooperative=query.cooperative,
        region=query.region,
        min_price=query.min_price,
        max_price=query.max_price,
        natural_dye=query.natural_dye,
        ready=query.ready,
    )
    products = search_products(filters)
    page = products[query.offset : query.offset + query.limit]
    return {
        "count": products.count(),
        "limit": query.limit,
        "offset": query.offset,
        "items": [_product(request, product) for product in page],
    }


PRODUCT_DETAIL_FIELDS = (
    *("story_id", "story_en", "motif", "motif_meaning_id", "motif_meaning_en", "dyes_used"),
    *("length_cm", "width_cm", "height_cm", "weight_g", "gi_name", "gi_number", "care_id", "care_en"),
)


@catalogue.get("/{slug}", response=schemas.ProductDetail, summary="A product", openapi_extra=errors(404))
def get_product(request: HttpRequest, slug: str):
    """A published product with its active SKUs and the pieces the web store can sell now."""
    product = get_object_or_404(published_products(), slug=slug)
    pieces = list(pieces_on_hand(product))
    latest = latest_inspections(piece.pk for piece in pieces)
    batch = latest_batch_inspection(product)
    return {
        **_product(request, product),
        **{field: getattr(product, field) for field in PRODUCT_DETAIL_FIELDS},
        "photos": [_photo(request, photo) for photo in product.photos.all()],
        "skus": list(product.skus.filter(is_active=True)),
        "pieces": [
            {
                "id": piece.id,
                "code": piece.code,
                "sku": piece.sku.code,
                "maker": piece.maker.name if piece.maker.shows_name else None,
                "started_on": piece.started_on,
                "finished_on": piece.finished_on,
                "length_cm": piece.length_cm,
                "width_cm": piece.width_cm,
                "photos": [_photo(request, photo) for photo in piece.photos.all()],
                "inspection": _public_inspection(latest.get(piece.pk)),
                "provenance_url": request.build_absolute_uri(_provenance_path(piece)),
            }
            for piece in pieces
        ],
        "batch_inspection": _public_inspection(batch.inspection if batch else None),
    }


def _provenance_path(piece) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return reverse("quality_public:piece", kwargs={"code": piece.code})


def _in_both_languages(inspection: Inspection, attribute: str) -> dict[str, list[str]]:
    """The view's `attribute` (flaws, reasons) in Indonesian and in English."""
    texts = {}
    for language in ("id", "en"):
        with translation.override(language):
            texts[language] = list(getattr(read_inspection(inspection), attribute))
    return {f"{attribute}_id": texts["id"], f"{attribute}_en": texts["en"]}


def _inspected(inspection: Inspection) -> dict:
    return {
        "inspected_at": inspection.created_at,
        "inspected_on": timezone.localdate(inspection.created_at),
        "inspector_role": inspection.inspector_role,
    }


def _public_inspection(inspection: Inspection | None) -> dict | None:
    """What buyers may know of a passed inspection; None for none, or for a rejection (never shown)."""
    if inspection is None or inspection.outcome not in PASSING:
        return None
    return {
        "grade": inspection.outcome,
        **_inspected(inspection),
        **_in_both_languages(inspection, "flaws"),
        "note_id": inspection.note_id,
        "note_en": inspection.note_en,
    }


def _staff_inspection(inspection: Inspection | None) -> dict | None:
    if inspection is None:
        return None
    return {
        "outcome": inspection.outcome,
        **_inspected(inspection),
        "quantity": inspection.quantity,
        **_in_both_languages(inspection, "flaws"),
        **_in_both_languages(inspection, "reasons"),
    }


# -- A cooperative's stock and orders (members) -------------------------------------------------------------


def _member(request: HttpRequest, slug: str, can: Can) -> Membership:
    """The caller's membership if its role allows `can` in the cooperative; else 404."""
    return access_cooperative(request.auth, slug, can)


@cooperatives.get(
    "/{slug}/stock",
    response=schemas.StockOut,
    summary="Stock by SKU and location",
    openapi_extra=errors(401, 404),
)
@decorate_view(never_cache)  # members' answers: no shared cache may keep a copy
def get_stock(request: HttpRequest, slug: str):
    """Units of every SKU at every location that ever held it: available (by channel), reserved, committed, QC."""
    membership = _member(request, slug, Can.VIEW_CATALOG)
    cooperative = membership.cooperative
    channels = {channel.name: channel for channel in Channel.objects.filter(cooperative=cooperative)}
    pieces, batches = _stock_inspections(cooperative)
    items = [
        {
            "sku": {
                "id": row.sku.id,
                "code": row.sku.code,
                "product_slug": row.sku.product.slug,
                "product_title": row.sku.product.title_id,
            },
            "location": row.location,
            "available": [
                {"channel": channels[name], "quantity": quantity}
                for name, quantity in sorted(row.available.items())
                if quantity
            ],
            "reserved": row.reserved,
            "committed": row.committed,
            "quality_control": row.quality_control,
            "incoming": row.incoming,
            "on_hand": row.on_hand,
            "pieces": pieces.get((row.sku.pk, row.location.pk), []),
            "batch_inspection": _staff_inspection(batches.get((row.sku.pk, row.location.pk))),
        }
        for row in stock_rows(SKU.objects.filter(product__cooperative=cooperative).select_related("product"))
    ]
    return {"cooperative": membership.cooperative.slug, "items": items}


def _stock_inspections(cooperative) -> tuple[dict, dict]:
    """{(sku id, location id): the pieces on hand there with their latest inspection} and
    {(sku id, location id): the latest batch inspection there}, in four queries."""
    levels = (
        StockLevel.objects.filter(sku__product__cooperative=cooperative, piece__isnull=False, quantity__gt=0)
        .select_related("piece", "channel")
        .order_by("piece__code")
    )
    levels = list(levels)
    latest = latest_inspections(level.piece_id for level in levels)
    pieces: dict = {}
    for level in levels:
        pieces.setdefault((level.sku_id, level.location_id), []).append(
            {
                "id": level.piece.pk,
                "code": level.piece.code,
                "position": level.position,
                "channel": level.channel.name if level.channel else None,
                "inspection": _staff_inspection(latest.get(level.piece_id)),
            }
        )
    batches = Inspection.objects.filter(cooperative=cooperative, piece__isnull=True)
    newest = batches.values("sku", "location").annotate(newest=Max("created_at")).order_by()
    rows = batches.filter(created_at__in=[row["newest"] for row in newest]).order_by("created_at")
    latest_batches = {(inspection.sku_id, inspection.location_id): inspection for inspection in rows}
    return pieces, latest_batches


def _summary(order: Order, membership: Membership) -> dict:
    sees_contact = has_capability(membership, Can.VIEW_BUYERS)
    return {
        "code": order.code,
        "status": order.status,
        "created_at": order.created_at,
        "ship_by": order.promised_ship_by,
        "pay_by": order.pay_by,
        "subtotal": order.subtotal,
        "shipping_cost": order.shipping_cost,
        "total": order.total,
        "amount_due": order.amount_due,
        "payment_method": order.payment_method,
        "buyer": {
            # A program viewer sees the trade, not the people: no buyer's name, phone or e-mail.
            "name": order.buyer_name if sees_contact else None,
            "phone": order.buyer_phone if sees_contact else None,
            "email": order.buyer_email if sees_contact else None,
        },
    }


def _detail(order: Order, membership: Membership) -> dict:
    sees_contact = has_capability(membership, Can.VIEW_BUYERS)
    lines = list(order.lines.all())
    passed = latest_inspections((line.piece_id for line in lines if line.piece_id), outcomes=PASSING)
    address = {
        "street": order.address,
        "village": _village(order.village_code),
        "postal_code": order.postal_code,
    }
    return {
        **_summary(order, membership),
        "courier_service": order.shipping_rate.courier,
        "shipping_weight_kg": order.shipping_weight_kg,
        "unique_code": order.unique_code,
        "address": address if sees_contact else None,
        "lines": [
            {
                "sku": line.sku.code,
                "piece": line.piece.code if line.piece else None,
                "piece_inspection": _staff_inspection(passed.get(line.piece_id)),
                "title": line.title,
                "quantity": line.quantity,
                "unit_price": line.unit_price,
                "line_total": line.line_total,
                "ship_by": line.promised_ship_by,
                "location": line.location.name,
            }
            for line in lines
        ],
        "events": [
            {
                "kind": event.kind,
                "created_at": event.created_at,
                "courier": event.courier,
                "tracking_number": event.tracking_number,
                "cancel_reason": event.cancel_reason,
                "note": event.note,
                "actor": event.actor.get_username() if event.actor else None,
            }
            for event in order.events.all()
        ],
    }


def _order(membership: Membership, code: str) -> Order:
    """The cooperative's order with this code, with everything its detail shows; else 404."""
    orders = Order.objects.filter(cooperative=membership.cooperative).select_related("shipping_rate")
    orders = orders.prefetch_related(
        Prefetch("lines", OrderLine.objects.select_related("sku", "piece", "location").order_by("pk")),
        Prefetch("events", OrderEvent.objects.select_related("actor").order_by("created_at", "pk")),
    )
    return get_object_or_404(orders, code=code.strip().upper())


@cooperatives.get(
    "/{slug}/orders", response=schemas.OrderPage, summary="Orders", openapi_extra=errors(401, 404, 422)
)
@decorate_view(never_cache)
def list_orders(request: HttpRequest, slug: str, query: Query[schemas.OrderQuery]):
    """The cooperative's orders, newest first, optionally of one status, `limit` at a time."""
    membership = _member(request, slug, Can.VIEW_ORDERS)
    orders = Order.objects.filter(cooperative=membership.cooperative).order_by("-created_at", "-pk")
    if query.status:
        orders = orders.filter(status=query.status)
    page = orders[query.offset : query.offset + query.limit]
    return {
        "count": orders.count(),
        "limit": query.limit,
        "offset": query.offset,
        "items": [_summary(order, membership) for order in page],
    }


@cooperatives.get(
    "/{slug}/orders/{code}", response=schemas.OrderDetail, summary="An order", openapi_extra=errors(401, 404)
)
@decorate_view(never_cache)
def get_order(request: HttpRequest, slug: str, code: str):
    """An order with its lines and every event so far."""
    membership = _member(request, slug, Can.VIEW_ORDERS)
    return _detail(_order(membership, code), membership)


@cooperatives.post(
    "/{slug}/orders/{code}/events",
    response={201: schemas.OrderDetail},
    summary="Record a fulfilment step",
    openapi_extra=errors(400, 401, 403, 404, 409, 422),
)
@decorate_view(never_cache)
def post_order_event(request: HttpRequest, slug: str, code: str, event: schemas.EventIn):
    """Record payment, packing, shipping, delivery, a return or a cancellation; answer the updated order.

    A manager records every kind; a hub operator packing, shipped and delivered; anyone else gets 404.
    """
    membership = _member(request, slug, Can.VIEW_ORDERS)
    if not has_capability(membership, EVENT_CAPABILITY[event.kind]):
        raise Http404
    order = _order(membership, code)
    user = request.auth
    match event.kind:
        case "paid":
            confirm_payment(order=order, user=user, note=event.note)
        case "packing":
            start_packing(order=order, user=user)
        case "shipped":
            ship_order(order=order, courier=event.courier, tracking_number=event.tracking_number, user=user)
        case "delivered":
            record_delivery(order=order, user=user, note=event.note)
        case "returned":
            record_return(order=order, user=user, note=event.note)
        case "cancelled":
            cancel_order(order=order, reason=event.cancel_reason, user=user, note=event.note)
    return _detail(_order(membership, code), membership)
