import pytest

from sambung.catalog.models import SKU, Piece, Product
from sambung.catalog.pieces import save_piece
from sambung.catalog.products import CatalogError, save_product, save_sku
from sambung.tests import helpers


def test_a_new_product_gets_a_free_address_from_its_title(cooperative):
    first = helpers.make_product(cooperative, title_id="Sarung Jentu", slug="")
    second = helpers.make_product(cooperative, title_id="Sarung Jentu", slug="")
    assert (first.slug, second.slug) == ("sarung-jentu", "sarung-jentu-2")


def test_a_taken_address_is_replaced_rather_than_failing(cooperative):
    helpers.make_product(cooperative, slug="sarung-okukirei")
    product = Product(
        cooperative=cooperative,
        category=helpers.make_category(),
        slug="sarung-okukirei",
        title_id="Sarung Okukirei",
        village_code=helpers.SIKKA_VILLAGE,
    )
    assert save_product(product=product).slug == "sarung-okukirei-2"


def test_a_duplicate_sku_code_is_a_clear_error_and_saves_nothing(cooperative):
    product = helpers.make_product(cooperative)
    code = product.skus.get().code
    with pytest.raises(CatalogError, match=code):
        save_sku(sku=SKU(product=product, code=code, price=10_000))
    assert product.skus.count() == 1


def test_a_duplicate_piece_code_receives_no_stock(cooperative):
    product = helpers.make_product(cooperative)
    location = helpers.make_location(cooperative)
    maker = helpers.make_maker(cooperative)
    helpers.make_piece(product, maker, code="SKA-01", location=location, sellable=False)
    with pytest.raises(CatalogError, match="SKA-01"):
        save_piece(piece=Piece(sku=product.skus.get(), maker=maker, code="SKA-01"), received_at=location)
    assert Piece.objects.count() == 1 and product.skus.get().moves.count() == 1


def test_a_piece_with_stock_records_keeps_its_sku(cooperative):
    product = helpers.make_product(cooperative)
    piece = helpers.make_piece(
        product, helpers.make_maker(cooperative), location=helpers.make_location(cooperative)
    )
    piece.sku = save_sku(sku=SKU(product=product, code="OTHER", price=10_000))
    with pytest.raises(CatalogError):
        save_piece(piece=piece)
    assert Piece.objects.get(pk=piece.pk).sku.code != "OTHER"
