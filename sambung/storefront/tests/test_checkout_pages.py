import re

import pytest

from sambung.demo.cooperative import DEMO_QRIS
from sambung.inventory.models import StockLevel
from sambung.orders.models import Checkout, Order, OrderStatus
from sambung.tests import helpers

ADDRESS = {
    "name": "Ani Wea",
    "phone": "0812 3456 7890",
    "email": "ani@example.com",
    "address": "Jl. Melati 5, RT 01/RW 02",
    "province": "53",
    "regency": "53.07",
    "district": "53.07.04",
    "village": "53.07.04.2001",
}


@pytest.fixture
def shop(cooperative):
    cooperative.qris_static = DEMO_QRIS
    cooperative.whatsapp = "+6281234567890"
    cooperative.save()
    location = helpers.make_location(cooperative)
    sarong = helpers.make_product(cooperative, price=1_250_000, weight_g=700)
    piece = helpers.make_piece(sarong, helpers.make_maker(cooperative), location=location)
    coffee = helpers.make_product(cooperative, price=85_000, weight_g=270)
    coffee.skus.update(is_unique=False)
    helpers.make_stock(coffee, location, 3)
    rate = helpers.make_shipping_rate(cooperative, destination="53", first_kg=25_000, next_kg=20_000)
    return dict(piece=piece, sarong=sarong.skus.get(), coffee=coffee.skus.get(), rate=rate)


def add(client, sku, piece=None, quantity="1"):
    data = {"sku": str(sku.pk), "quantity": quantity}
    if piece:
        data["piece"] = str(piece.pk)
    return client.post("/keranjang/tambah/", data, follow=True)


def begin(client):
    response = client.post("/keranjang/bayar/")
    assert response.status_code == 302
    return response["Location"]


def test_a_guest_buys_a_piece_with_qris_and_lands_on_the_order_page(buyer, shop):
    page = add(buyer, shop["sarong"], shop["piece"])
    assert "Rp 1.250.000" in page.content.decode()
    checkout_url = begin(buyer)
    assert checkout_url.startswith("/checkout/")

    choosing = buyer.post(checkout_url, {**ADDRESS, "action": "update"})
    assert "JNE REG" in choosing.content.decode() and "Rp 25.000" in choosing.content.decode()

    placed = buyer.post(
        checkout_url,
        {**ADDRESS, "shipping_rate": shop["rate"].pk, "payment_method": "qris", "action": "place"},
    )
    order = Order.objects.get()
    assert placed["Location"] == f"/pesanan/{order.code}/"
    assert order.buyer_phone == "+6281234567890" and order.total == 1_250_000 + 25_000
    html = buyer.get(placed["Location"]).content.decode()
    assert "<svg" in html and order.qris_payload in html and "Rp 1.275.000" in html
    assert "https://wa.me/6281234567890?text=" in html and order.code in html
    assert "cart" not in buyer.cookies or not buyer.cookies["cart"].value


def test_a_resubmitted_or_back_button_checkout_gives_the_same_single_order(buyer, shop):
    add(buyer, shop["coffee"], quantity="2")
    url = begin(buyer)
    form = {**ADDRESS, "shipping_rate": shop["rate"].pk, "payment_method": "bank_transfer", "action": "place"}
    first = buyer.post(url, form)
    second = buyer.post(url, form)
    assert first["Location"] == second["Location"] == buyer.get(url)["Location"]
    assert Order.objects.count() == 1


def test_tampered_prices_and_quantities_in_the_form_change_nothing(buyer, shop):
    add(buyer, shop["coffee"], quantity="1")
    url = begin(buyer)
    buyer.post(
        url,
        {
            **ADDRESS,
            "shipping_rate": shop["rate"].pk,
            "payment_method": "qris",
            "action": "place",
            "price": "1",
            "total": "1",
            "quantity": "99",
            "shipping_cost": "0",
        },
    )
    order = Order.objects.get()
    assert (order.subtotal, order.shipping_cost) == (85_000, 25_000)
    assert order.lines.get().quantity == 1


def test_a_forged_cart_cookie_is_ignored(buyer, shop):
    buyer.cookies["cart"] = f'[{{"sku": "{shop["coffee"].pk}", "piece": null, "qty": 3}}]'
    assert "Rp 85.000" not in buyer.get("/keranjang/").content.decode()


@pytest.mark.parametrize("quantity", ["0", "-1", "1.5", "abc", "100000", "1e3"])
def test_bad_quantities_are_refused_and_the_cart_stays_empty(buyer, shop, quantity):
    page = add(buyer, shop["coffee"], quantity=quantity)
    assert "whole number" in page.content.decode() or "bilangan bulat" in page.content.decode()
    assert "cart" not in buyer.cookies or not buyer.cookies["cart"].value


def test_an_unknown_sku_is_refused(buyer, shop):
    page = buyer.post(
        "/keranjang/tambah/", {"sku": "0190d6a4-8f1e-7000-8000-000000000000", "quantity": "1"}, follow=True
    )
    assert page.status_code == 200 and "cart" not in buyer.cookies


def test_a_piece_someone_else_holds_is_sold_out_at_checkout(buyer, shop, client):
    add(client, shop["sarong"], shop["piece"])
    begin(client)
    add(buyer, shop["sarong"], shop["piece"])
    response = buyer.post("/keranjang/bayar/", follow=True)
    assert "Sold out" in response.content.decode() or "Habis" in response.content.decode()
    assert Checkout.objects.count() == 1


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("phone", "12345"),
        ("phone", "0380 21234"),
        ("village", "53.07.05.1009"),  # a village of another district than the one chosen
        ("regency", "51.71"),  # Denpasar is not in Nusa Tenggara Timur
        ("name", "x" * 121),
        ("address", "y" * 301),
        ("email", "not-an-address"),
    ],
)
def test_bad_buyer_details_place_no_order_and_keep_the_hold(buyer, shop, field, value):
    add(buyer, shop["coffee"])
    url = begin(buyer)
    response = buyer.post(
        url,
        {
            **ADDRESS,
            field: value,
            "shipping_rate": shop["rate"].pk,
            "payment_method": "qris",
            "action": "place",
        },
    )
    assert response.status_code == 200 and response.context["form"].errors
    assert Order.objects.count() == 0
    assert StockLevel.objects.filter(sku=shop["coffee"], position="reserved").get().quantity == 1


def test_an_order_page_needs_the_code_and_the_phone_number(buyer, shop, client):
    add(buyer, shop["coffee"])
    url = begin(buyer)
    buyer.post(
        url, {**ADDRESS, "shipping_rate": shop["rate"].pk, "payment_method": "qris", "action": "place"}
    )
    order = Order.objects.get()
    assert client.get(f"/pesanan/{order.code}/")["Location"].startswith("/pesanan/?code=")
    wrong = client.post("/pesanan/", {"code": order.code, "phone": "0813 0000 0000"})
    assert wrong.status_code == 200 and Order.objects.get().status == OrderStatus.AWAITING_PAYMENT
    right = client.post("/pesanan/", {"code": order.code.lower(), "phone": "+62 812-3456-7890"})
    assert right["Location"] == f"/pesanan/{order.code}/"
    assert client.get(right["Location"]).status_code == 200


def test_checkout_posts_need_the_csrf_token(shop):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post("/keranjang/tambah/", {"sku": str(shop["coffee"].pk), "quantity": "1"})
    assert response.status_code == 403


def test_the_checkout_page_shows_the_time_left(buyer, shop):
    add(buyer, shop["coffee"])
    html = buyer.get(begin(buyer)).content.decode()
    assert re.search(r"1[45] ", html)
