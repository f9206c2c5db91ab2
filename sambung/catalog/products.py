"""The only writer of products and SKUs."""

import unicodedata

from django.db import transaction

from sambung.catalog.models import SKU, Product
from sambung.lib.regions import get_village


def fold(text: str) -> str:
    """Lower-case and strip accents, so 'Tenun' matches 'tenun' and 'Du’en' matches "du'en" alike."""
    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).lower()


def search_text_for(product: Product) -> str:
    village = get_village(product.village_code)
    parts = [
        product.title_id,
        product.title_en,
        product.story_id,
        product.story_en,
        product.motif,
        product.motif_meaning_id,
        product.motif_meaning_en,
        product.dyes_used,
        product.gi_name,
        product.category.name_id,
        product.category.name_en,
        product.cooperative.name,
        product.get_yarn_display() if product.yarn else "",
        product.get_dye_display() if product.dye else "",
    ]
    if village:
        parts += [village.name, village.district, village.regency]
    return fold(" ".join(p for p in parts if p))


def save_product(*, product: Product) -> Product:
    """Create or update a product, keeping its search text in step."""
    product.search_text = search_text_for(product)
    with transaction.atomic():
        product.save()
    return product


def save_sku(*, sku: SKU) -> SKU:
    """Create or update a SKU."""
    with transaction.atomic():
        sku.save()
    return sku
