"""Read-only queries behind the storefront: published products, their availability and filters."""

from dataclasses import dataclass

from django.db.models import Exists, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Now

from sambung.catalog.models import SKU, Category, Cooperative, Maker, Piece, Product
from sambung.catalog.products import fold
from sambung.catalog.queries import shown_photos
from sambung.inventory.models import Channel, Position, StockLevel
from sambung.lib.regions import get_village, region_name
from sambung.orders.models import Checkout, Hold

MAX_SEARCH_WORDS = 8


@dataclass(frozen=True)
class ProductFilters:
    q: str = ""
    category: str = ""
    cooperative: str = ""
    region: str = ""  # a regency (53.07) or a village (53.07.03.2005) code
    min_price: int | None = None
    max_price: int | None = None
    natural_dye: bool = False
    ready: bool = False


def _web_available(**outer):
    """Units the web store may sell, as a subquery: available, plus holds of checkouts already past their time."""
    available = (
        StockLevel.objects.filter(position=Position.AVAILABLE, channel__kind=Channel.Kind.WEB, **outer)
        .values("sku__product")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    # A hold past its time limit no longer binds, even before the sweep releases it; a GET never writes.
    lapsed = (
        Hold.objects.filter(
            made_to_order=False,  # a made-to-order hold holds the makers' time, not units
            checkout__status=Checkout.Status.OPEN,
            checkout__expires_at__lt=Now(),
            channel__kind=Channel.Kind.WEB,
            **outer,
        )
        .values("sku__product")
        .annotate(total=Sum("quantity"))
        .values("total")
    )
    return Coalesce(Subquery(available, output_field=IntegerField()), Value(0)) + Coalesce(
        Subquery(lapsed, output_field=IntegerField()), Value(0)
    )


def available_units():
    """Units of a product the web store can sell now (0 when none)."""
    return _web_available(sku__product=OuterRef("pk"), sku__is_active=True)


def lowest_price():
    prices = SKU.objects.filter(product=OuterRef("pk"), is_active=True).order_by("price").values("price")[:1]
    return Subquery(prices, output_field=IntegerField())


def published_products() -> QuerySet[Product]:
    """Published products with an active SKU, annotated with `price_from` and `available`."""
    return (
        Product.objects.filter(is_published=True)
        .filter(Exists(SKU.objects.filter(product=OuterRef("pk"), is_active=True)))
        .annotate(price_from=lowest_price(), available=available_units())
        .select_related("category", "cooperative")
        .prefetch_related(Prefetch("photos", queryset=shown_photos()))
    )


def search_products(filters: ProductFilters) -> QuerySet[Product]:
    products = published_products()
    for word in fold(filters.q).split()[:MAX_SEARCH_WORDS]:
        products = products.filter(search_text__contains=word)
    if filters.category:
        products = products.filter(category__slug=filters.category)
    if filters.cooperative:
        products = products.filter(cooperative__slug=filters.cooperative)
    if filters.region:
        products = products.filter(village_code__startswith=filters.region)
    if filters.min_price is not None:
        products = products.filter(price_from__gte=filters.min_price)
    if filters.max_price is not None:
        products = products.filter(price_from__lte=filters.max_price)
    if filters.natural_dye:
        products = products.filter(dye=Product.Dye.NATURAL)
    if filters.ready:
        products = products.filter(available__gt=0)
    return (
        products.order_by("-available", "-created_at") if filters.ready else products.order_by("-created_at")
    )


def region_choices() -> list[tuple[str, str]]:
    """Regencies and villages that published products come from, for the filter."""
    codes = list(
        Product.objects.filter(is_published=True)
        .order_by("village_code")
        .values_list("village_code", flat=True)
        .distinct()
    )
    choices: list[tuple[str, str]] = []
    for regency in sorted({c[:5] for c in codes}):
        choices.append((regency, region_name(regency)))
        for code in codes:
            village = get_village(code)
            if code.startswith(regency) and village:
                choices.append((code, f"— {village.name}, {village.district}"))
    return choices


def categories() -> QuerySet[Category]:
    return Category.objects.filter(products__is_published=True).distinct()


def cooperatives() -> QuerySet[Cooperative]:
    return Cooperative.objects.filter(products__is_published=True).distinct()


def pieces_on_hand(product: Product) -> QuerySet[Piece]:
    """Pieces of the product the web store can sell now, with maker and photos."""
    return (
        Piece.objects.filter(sku__product=product, sku__is_active=True)
        .annotate(on_hand=_web_available(piece=OuterRef("pk")))
        .filter(on_hand__gt=0)
        .select_related("maker", "sku")
        .prefetch_related(Prefetch("photos", queryset=shown_photos()))
        .order_by("code")
    )


def public_makers(cooperative: Cooperative) -> QuerySet[Maker]:
    """Makers who agreed to be shown by name."""
    return cooperative.makers.filter(shows_name=True, is_active=True)
