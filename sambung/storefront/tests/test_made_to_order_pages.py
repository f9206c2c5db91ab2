"""A buyer orders a product made to order, with JavaScript off; the manager sees the work behind the line."""

import datetime

import pytest
from django.utils import formats, timezone, translation

from sambung.orders.models import Order, OrderLine
from sambung.orders.tests.test_made_to_order import make_workshop
from sambung.production.models import WorkOrder
from sambung.storefront.tests.test_checkout_pages import ADDRESS


def long_date(day: datetime.date) -> str:
    with translation.override("en"):
        return formats.date_format(day, "j F Y")


def short_date(day: datetime.date) -> str:
    with translation.override("en"):
        return formats.date_format(day, "j M")


@pytest.fixture
def workshop(cooperative):
    return make_workshop(cooperative)


def add_made_to_order(client, sku, quantity="1"):
    data = {"sku": str(sku.pk), "quantity": quantity, "made_to_order": "1"}
    return client.post("/en/keranjang/tambah/", data, follow=True)


def order_made_to_order(client, workshop, **tampered) -> Order:
    add_made_to_order(client, workshop["sku"])
    checkout_url = client.post("/en/keranjang/bayar/")["Location"]
    form = {**ADDRESS, "shipping_rate": workshop["rate"].pk, "payment_method": "bank_transfer"}
    placed = client.post(checkout_url, {**form, "action": "place", **tampered})
    assert placed.status_code == 302, placed.content.decode()[:2000]
    return Order.objects.get()


def test_the_product_page_sells_a_made_to_order_product_with_a_plain_form(buyer, workshop):
    page = buyer.get(f"/en/produk/{workshop['shawl'].slug}/").content.decode()
    assert "Made to order — ships by" in page
    assert 'name="made_to_order" value="1"' in page and "Order made to order" in page


def test_the_cart_and_checkout_show_the_date_the_makers_can_keep(buyer, workshop):
    ships_by = timezone.localdate() + datetime.timedelta(days=15)
    cart = add_made_to_order(buyer, workshop["sku"]).content.decode()
    assert f"Made to order — ships by about {short_date(ships_by)}" in cart
    checkout_url = buyer.post("/en/keranjang/bayar/")["Location"]
    page = buyer.get(checkout_url).content.decode()
    assert f"Made to order, ships by {long_date(ships_by)}" in page


def test_more_than_the_makers_can_finish_in_time_is_refused_with_a_clear_message(buyer, workshop):
    page = add_made_to_order(buyer, workshop["sku"], quantity="3").content.decode()
    assert "cannot finish 3 × " in page and "within 30 days" in page
    assert "cart" not in buyer.cookies or not buyer.cookies["cart"].value


def test_tampered_fields_change_neither_the_date_nor_the_price(buyer, workshop):
    order = order_made_to_order(
        buyer, workshop, promised_ship_by="2020-01-01", unit_price="1", ship_by="2020-01-01", total="1"
    )
    line = OrderLine.objects.get()
    assert line.promised_ship_by == timezone.localdate() + datetime.timedelta(days=15)
    assert line.unit_price == 450_000 and order.subtotal == 450_000
    assert WorkOrder.objects.get().order_line == line


def test_the_order_page_says_made_to_order_and_when_it_ships(buyer, workshop):
    order = order_made_to_order(buyer, workshop)
    page = buyer.get(f"/en/pesanan/{order.code}/").content.decode()
    assert f"Made to order, ships by {long_date(order.promised_ship_by)}" in page


def test_the_manager_sees_the_work_orders_behind_a_line_and_cannot_ship_it_yet(
    buyer, manager, outsider, maker_user, workshop
):
    order = order_made_to_order(buyer, workshop)
    work = WorkOrder.objects.get()
    url = f"/en/kelola/{workshop['coop'].slug}/pesanan/{order.code}/"
    page = manager.get(url).content.decode()
    assert work.code in page and "Maria Goreti Nona" in page
    assert "0 of 1 pieces made and inspected" in page
    assert "still being made or inspected" in page
    assert "Handed to the courier" not in page
    assert outsider.get(url).status_code == 404
    assert maker_user.get(url).status_code == 404
