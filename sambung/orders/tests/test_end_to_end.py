"""A buyer walks from the home page to a placed QRIS order, and a manager takes it to "shipped", in Chromium."""

from pathlib import Path

import pytest

from sambung.demo.cooperative import DEMO_PASSWORD, load_demo
from sambung.inventory.models import StockLevel
from sambung.orders.models import Order, OrderStatus

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "data" / "screenshots"


def choose_and_refresh(page, field: str, value: str) -> None:
    """Pick a region and press the button beside it, as a buyer without JavaScript does."""
    page.select_option(f"#id_{field}", value)
    page.locator(f"#id_{field} ~ button[name=action][value=update]").click()


def test_a_buyer_orders_with_qris_and_the_manager_ships_it(live_server, browser):
    load_demo(photo_size=(240, 180))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = phone.new_page()

    page.goto(live_server.url + "/")
    page.locator(".grid .card a").first.click()
    page.locator("form[action$='/keranjang/tambah/'] button").first.click()
    assert page.url.endswith("/keranjang/")
    page.locator("form[action$='/keranjang/bayar/'] button").click()
    assert "/checkout/" in page.url

    page.fill("#id_name", "Ani Wea")
    page.fill("#id_phone", "0812 3456 7890")
    page.fill("#id_email", "ani@example.com")
    page.fill("#id_address", "Jl. Melati 5, RT 01/RW 02")
    choose_and_refresh(page, "province", "53")
    choose_and_refresh(page, "regency", "53.07")
    choose_and_refresh(page, "district", "53.07.04")
    page.select_option("#id_village", "53.07.04.2001")
    page.locator("button[name=action][value=update]").last.click()
    page.locator("input[name=shipping_rate]").first.check()
    page.locator("input[name=payment_method][value=qris]").check()
    page.screenshot(path=str(SCREENSHOTS / "checkout.png"), full_page=True)
    page.locator("button[name=action][value=place]").click()

    order = Order.objects.get()
    assert page.url.endswith(f"/pesanan/{order.code}/")
    assert page.locator("figure.qris svg").is_visible()
    assert order.qris_payload in page.locator("#qris-text").input_value()
    page.screenshot(path=str(SCREENSHOTS / "order-qris.png"), full_page=True)
    phone.close()

    office = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    staff = office.new_page()
    staff.goto(live_server.url + "/en/akun/masuk/")
    staff.fill("#id_username", "manajer")
    staff.fill("#id_password", DEMO_PASSWORD)
    staff.locator("main button").click()
    staff.goto(f"{live_server.url}/en/kelola/{order.cooperative.slug}/pesanan/")
    staff.get_by_role("link", name=order.code).click()
    staff.get_by_role("button", name="Payment received").click()
    staff.get_by_role("button", name="Start packing").click()
    staff.get_by_label("Courier").fill("JNE REG")
    staff.get_by_label("Tracking number").fill("JNE0123456789")
    staff.get_by_role("button", name="Handed to the courier").click()
    staff.screenshot(path=str(SCREENSHOTS / "office-shipped.png"), full_page=True)
    office.close()

    order.refresh_from_db()
    assert order.status == OrderStatus.SHIPPED
    assert list(order.events.values_list("kind", flat=True)) == ["placed", "paid", "packing", "shipped"]
    assert order.events.get(kind="shipped").tracking_number == "JNE0123456789"
    assert not StockLevel.objects.filter(
        sku=order.lines.get().sku, position="committed", quantity__gt=0
    ).exists()


def test_a_buyer_orders_a_product_made_to_order_with_javascript_off(live_server, browser):
    load_demo(photo_size=(240, 180))
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    phone = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = phone.new_page()

    page.goto(live_server.url + "/en/produk/")
    page.locator(".card", has_text="Made to order — ships by").first.locator("a").first.click()
    page.locator("form[action$='/keranjang/tambah/']:has(input[name=made_to_order]) button").click()
    assert page.url.endswith("/keranjang/")
    assert page.locator("td .badge.mto", has_text="Made to order — ships by about").is_visible()
    page.locator("form[action$='/keranjang/bayar/'] button").click()
    assert "/checkout/" in page.url
    assert page.locator(".badge.mto", has_text="Made to order, ships by").is_visible()

    page.fill("#id_name", "Ani Wea")
    page.fill("#id_phone", "0812 3456 7890")
    page.fill("#id_address", "Jl. Melati 5, RT 01/RW 02")
    choose_and_refresh(page, "province", "53")
    choose_and_refresh(page, "regency", "53.07")
    choose_and_refresh(page, "district", "53.07.04")
    page.select_option("#id_village", "53.07.04.2001")
    page.locator("button[name=action][value=update]").last.click()
    page.locator("input[name=shipping_rate]").first.check()
    page.locator("input[name=payment_method][value=bank_transfer]").check()
    page.locator("button[name=action][value=place]").click()

    order = Order.objects.get()
    line = order.lines.get()
    assert page.url.endswith(f"/pesanan/{order.code}/")
    assert line.made_to_order and (line.work_orders.exists() or line.allocations.exists())
    assert page.locator(".badge.mto", has_text="Made to order, ships by").is_visible()
    page.screenshot(path=str(SCREENSHOTS / "order-made-to-order.png"), full_page=True)
    phone.close()
    assert not StockLevel.objects.filter(sku=line.sku, position="committed", quantity__gt=0).exists()
