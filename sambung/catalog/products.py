"""The only writer of products and SKUs."""

import unicodedata

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from sambung.catalog.models import SKU, Product
from sambung.lib.regions import get_village
from sambung.sync import outbox

SLUG_BASE_LENGTH = 70


class CatalogError(ValueError):
    """A change the catalogue cannot take; the message says why, in the user's language."""


def fold(text: str) -> str:
    """Lower-case and strip accents, so 'Tenun' matches 'tenun' and 'Du’en' matches "du'en" alike."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def search_text_for(product: Product) -> str:
    village = get_village(product.village_code)
    parts = [
        product.title_id, product.title_en, product.story_id, product.story_en, product.motif,
        product.motif_meaning_id, product.motif_meaning_en, product.dyes_used, product.gi_name,
        product.category.name_id, product.category.name_en, product.cooperative.name,
        product.get_yarn_display() if product.yarn else "", product.get_dye_display() if product.dye else "",
    ]  # fmt: skip
    if village:
        parts += [village.name, village.district, village.regency]
    return fold(" ".join(p for p in parts if p))


def unique_product_slug(title: str) -> str:
    """Return a slug made from the title that no product uses yet (sarung-ikat, sarung-ikat-2, …)."""
    base = slugify(title)[:SLUG_BASE_LENGTH].strip("-") or "produk"
    taken = set(Product.objects.filter(slug__startswith=base).values_list("slug", flat=True))
    slug, number = base, 2
    while slug in taken:
        slug, number = f"{base}-{number}", number + 1
    return slug


def save_product(*, product: Product) -> Product:
    """Create or update a product, keeping its search text in step; a new one gets a free slug from its title."""
    product.search_text = search_text_for(product)
    if not product.slug:
        product.slug = unique_product_slug(product.title_id)
    for _attempt in range(5):
        try:
            with transaction.atomic():
                product.save()
                outbox.emit_rows("catalog.product", product)
            return product
        except IntegrityError:
            if not product._state.adding or not Product.objects.filter(slug=product.slug).exists():
                raise
            product.slug = unique_product_slug(product.title_id)  # someone took it a moment ago
    raise CatalogError(_("Could not find a free web address for this title; change the title a little."))


def save_sku(*, sku: SKU) -> SKU:
    """Create or update a SKU; a code already used in the same product is refused."""
    try:
        with transaction.atomic():
            sku.save()
            outbox.emit_rows("catalog.sku", sku)
    except IntegrityError:
        if SKU.objects.filter(product_id=sku.product_id, code=sku.code).exclude(pk=sku.pk).exists():
            raise CatalogError(
                _("This product already has a SKU with the code %(code)s.") % {"code": sku.code}
            ) from None
        raise
    return sku
