"""A cooperative's stock by SKU and location, read from the ledger's levels."""

from sambung.inventory.stock import move_rights, web_store
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import start_checkout
from sambung.orders.fulfilment import confirm_payment, record_return, ship_order
from sambung.tests import helpers


def test_stock_shows_each_position_and_who_may_sell_the_available_units(manager, shop, cooperative, order_of):
    coffee, location = shop["coffee"].skus.get(), shop["location"]
    stall = helpers.make_channel(cooperative, name="Lapak pasar Lela")
    helpers.make_stock(shop["coffee"], location, 10)  # 13 available on the web, 2 committed
    move_rights(sku=coffee, location=location, quantity=4, source=web_store(cooperative), target=stall)
    start_checkout(cooperative=cooperative, lines=[PricedLine(coffee, None, 1)])  # 1 reserved
    returned = order_of(cooperative, [PricedLine(coffee, None, 3)], shop["rate"])
    confirm_payment(order=returned)
    ship_order(order=returned, courier="JNE", tracking_number="JNE1")
    record_return(order=returned)  # 3 back in quality control
    elsewhere = helpers.make_location(cooperative, name="Hub Nita")
    helpers.make_stock(shop["coffee"], elsewhere, 1)

    response = manager.get("/api/v1/cooperatives/nian-tana/stock")

    assert response.status_code == 200
    rows = {(row["sku"]["code"], row["location"]["name"]): row for row in response.json()["items"]}
    row = rows[(coffee.code, "Gudang Maumere")]
    assert [(a["channel"]["name"], a["channel"]["kind"], a["quantity"]) for a in row["available"]] == [
        ("Lapak pasar Lela", "stall", 4),
        ("Toko web", "web", 5),  # 15 received − 2 and 3 ordered − 4 to the stall − 1 held
    ]
    assert (row["reserved"], row["committed"], row["quality_control"], row["incoming"]) == (1, 2, 3, 0)
    assert row["on_hand"] == 4 + 5 + 1 + 2 + 3
    assert row["sku"]["product_slug"] == "kopi" and row["location"]["kind"] == "warehouse"
    assert rows[(coffee.code, "Hub Nita")]["on_hand"] == 1
    piece_row = rows[(shop["sarong"].skus.get().code, "Gudang Maumere")]
    assert piece_row["available"][0]["quantity"] == 1 and piece_row["on_hand"] == 1


def test_stock_shows_only_the_cooperatives_own(outsider, shop, theirs):
    body = outsider.get("/api/v1/cooperatives/lain/stock").json()
    assert [row["sku"]["product_slug"] for row in body["items"]] == [theirs.lines.get().sku.product.slug]
