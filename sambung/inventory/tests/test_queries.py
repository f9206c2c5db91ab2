from sambung.inventory.queries import stock_rows
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import start_checkout
from sambung.tests import helpers


def test_stock_rows_split_units_by_position_and_channel(cooperative, manager):
    location = helpers.make_location(cooperative, name="Gudang Maumere")
    product = helpers.make_product(cooperative)
    product.skus.update(is_unique=False)
    sku = product.skus.get()
    helpers.make_stock(product, location, 6)
    start_checkout(cooperative=cooperative, lines=[PricedLine(sku, None, 2)])
    [row] = stock_rows(product.skus.all())
    assert (row.available, row.reserved, row.committed, row.quality_control) == ({"Toko web": 4}, 2, 0, 0)
    assert row.on_hand == 6
    page = manager.get(f"/en/kelola/{cooperative.slug}/produk/{product.pk}/").content.decode()
    assert "Gudang Maumere" in page and "Toko web: 4" in page
