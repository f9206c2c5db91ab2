"""DESIGN.md §4, item 6: no piece reaches a buyer-visible listing without a passed inspection.

Pieces received but never inspected, and pieces rejected at inspection, are built with the real writers; then
every buyer's path is asked for them: the product list, the product page, the cart, checkout, the API and the
provenance page. A passed piece of the same design is the control: it must show up everywhere.
"""

import pytest

from sambung.catalog.models import Product
from sambung.inventory.models import Position, StockLevel
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import SoldOut, start_checkout
from sambung.orders.models import Hold
from sambung.quality.models import Outcome
from sambung.tests import helpers


@pytest.fixture
def pieces(cooperative):
    """Three pieces of one published design at one hub: never inspected, rejected, passed."""
    location = helpers.make_location(cooperative, name="Hub Desa Sikka")
    product = helpers.make_product(cooperative, slug="sarung-jentu", title_id="Sarung Jentu")
    maker = helpers.make_maker(cooperative)
    unchecked = helpers.make_piece(product, maker, location=location, code="BELUM-DIPERIKSA", sellable=False)
    rejected = helpers.make_piece(product, maker, location=location, code="DITOLAK", sellable=False)
    helpers.make_standard(cooperative, product.category)
    refused = helpers.pass_inspection(piece=rejected, results={"no_defects": "fail"})
    assert refused.outcome == Outcome.REJECT
    passed = helpers.make_piece(product, maker, location=location, code="LULUS")
    return dict(product=product, unchecked=unchecked, rejected=rejected, passed=passed, location=location)


@pytest.fixture
def unchecked_only(cooperative):
    """A design whose only pieces are unchecked or rejected, and coffee whose only bags wait in quality control."""
    location = helpers.make_location(cooperative)
    product = helpers.make_product(cooperative, slug="selendang-wenda", title_id="Selendang Wenda")
    maker = helpers.make_maker(cooperative)
    helpers.make_piece(product, maker, location=location, code="WENDA-1", sellable=False)
    rejected = helpers.make_piece(product, maker, location=location, code="WENDA-2", sellable=False)
    helpers.make_standard(cooperative, product.category)
    helpers.pass_inspection(piece=rejected, results={"no_defects": "fail"})
    coffee = helpers.make_product(cooperative, slug="kopi-egon", title_id="Kopi Egon")
    coffee.skus.update(is_unique=False)
    helpers.make_stock(coffee, location, 40, sellable=False)
    return dict(product=product, coffee=coffee, location=location)


HIDDEN = ("BELUM-DIPERIKSA", "DITOLAK")


def test_the_product_page_lists_only_the_passed_piece(buyer, pieces):
    html = buyer.get(f"/produk/{pieces['product'].slug}/").content.decode()
    assert "LULUS" in html
    assert all(code not in html for code in HIDDEN)
    assert (
        "Ready to ship (1 available)" in buyer.get(f"/en/produk/{pieces['product'].slug}/").content.decode()
    )


def test_lists_and_search_count_only_passed_units(buyer, pieces, unchecked_only):
    for url in ("/en/produk/", "/en/produk/?ready=on", "/en/produk/?q=wenda", "/en/"):
        html = buyer.get(url).content.decode()
        assert all(code not in html for code in (*HIDDEN, "WENDA-1", "WENDA-2")), url
    ready = buyer.get("/produk/?ready=on").content.decode()
    assert "Sarung Jentu" in ready and "Selendang Wenda" not in ready and "Kopi Egon" not in ready
    wenda = buyer.get("/en/produk/selendang-wenda/").content.decode()
    assert "Ready to ship" not in wenda and "WENDA-" not in wenda
    coffee = buyer.get("/en/produk/kopi-egon/").content.decode()
    assert "Add to cart" not in coffee


def test_the_cart_refuses_an_unchecked_or_rejected_piece(buyer, pieces):
    sku = pieces["product"].skus.get()
    for key in ("unchecked", "rejected"):
        response = buyer.post(
            "/en/keranjang/tambah/", {"sku": sku.pk, "piece": pieces[key].pk, "quantity": "1"}, follow=True
        )
        assert "This item is no longer for sale." in response.content.decode()
        assert "cart" not in response.cookies or not response.cookies["cart"].value
    added = buyer.post(
        "/en/keranjang/tambah/", {"sku": sku.pk, "piece": pieces["passed"].pk, "quantity": "1"}, follow=True
    )
    assert "Added to your cart" in added.content.decode()


def test_checkout_holds_no_unchecked_or_rejected_unit(cooperative, pieces, unchecked_only):
    sku = pieces["product"].skus.get()
    for piece in (pieces["unchecked"], pieces["rejected"]):
        with pytest.raises(SoldOut):
            start_checkout(cooperative=cooperative, lines=[PricedLine(sku, piece, 1)])
    coffee = unchecked_only["coffee"].skus.get()
    with pytest.raises(SoldOut):
        start_checkout(cooperative=cooperative, lines=[PricedLine(coffee, None, 1)])
    assert not Hold.objects.exists()
    qc = StockLevel.objects.filter(position=Position.QUALITY_CONTROL, quantity__gt=0)
    assert qc.count() == 5  # untouched: 2 + 2 pieces and the coffee batch
    start_checkout(cooperative=cooperative, lines=[PricedLine(sku, pieces["passed"], 1)])


def test_a_checkout_begun_from_a_forged_cart_cookie_is_sold_out(buyer, pieces):
    """A cart cookie is signed, but a line may outlive the piece's sale; checkout re-checks the ledger."""
    from sambung.orders.cart import CartLine
    from sambung.storefront.checkout_views import write_cart

    sku = pieces["product"].skus.get()
    response = write_cart(buyer.get("/en/keranjang/"), [CartLine(sku.pk, pieces["unchecked"].pk, 1)])
    buyer.cookies["cart"] = response.cookies["cart"].value
    begun = buyer.post("/en/keranjang/bayar/", follow=True)
    assert "Sold out" in begun.content.decode()
    assert not Hold.objects.exists()


def test_the_api_shows_only_passed_pieces_and_units(client, pieces, unchecked_only):
    products = {p["slug"]: p for p in client.get("/api/v1/products").json()["items"]}
    assert products["sarung-jentu"]["available"] == 1
    assert products["selendang-wenda"]["available"] == 0
    assert products["kopi-egon"]["available"] == 0
    detail = client.get("/api/v1/products/sarung-jentu").json()
    assert [piece["code"] for piece in detail["pieces"]] == ["LULUS"]
    assert client.get("/api/v1/products/selendang-wenda").json()["pieces"] == []
    ready = client.get("/api/v1/products", {"ready": "true"}).json()["items"]
    assert [p["slug"] for p in ready] == ["sarung-jentu"]


def test_the_provenance_page_is_only_for_a_passed_piece(buyer, pieces):
    assert buyer.get("/karya/LULUS/").status_code == 200
    for code in (*HIDDEN, "TIDAK-ADA"):
        assert buyer.get(f"/karya/{code}/").status_code == 404, code


def test_a_piece_rejected_after_passing_once_disappears_again(cooperative, buyer, pieces):
    """A returned piece goes back to quality control; rejected there, it is off every listing."""
    from sambung.inventory.ledger import Slot, move_stock
    from sambung.inventory.stock import web_store

    passed = pieces["passed"]
    move_stock(
        sku=passed.sku,
        piece=passed,
        location=pieces["location"],
        quantity=1,
        source=Slot(Position.AVAILABLE, web_store(cooperative)),
        target=Slot(Position.QUALITY_CONTROL),
        reason="return",
    )
    helpers.pass_inspection(piece=passed, results={"no_defects": "fail"})
    assert "LULUS" not in buyer.get(f"/produk/{pieces['product'].slug}/").content.decode()
    assert buyer.get("/karya/LULUS/").status_code == 404
    assert (
        Product.objects.get(pk=pieces["product"].pk)
        .skus.get()
        .stock_levels.filter(position=Position.AVAILABLE, quantity__gt=0)
        .count()
        == 0
    )
