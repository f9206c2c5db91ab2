"""An operator at the village market sells a piece for cash on her phone, with JavaScript off, and gets the receipt."""

from pathlib import Path

import pytest

from sambung.demo.cooperative import DEMO_PASSWORD, load_demo
from sambung.inventory.models import Channel, Position, StockLevel
from sambung.pos.models import StallSale

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "data" / "screenshots"


def test_an_operator_sells_a_piece_for_cash_and_sees_the_receipt(live_server, browser):
    load_demo(photo_size=(240, 180))
    stall = Channel.objects.get(kind=Channel.Kind.STALL)
    level = (
        StockLevel.objects.filter(channel=stall, position=Position.AVAILABLE, piece__isnull=False, quantity=1)
        .select_related("piece__sku")
        .order_by("piece__code")
        .first()
    )
    piece, price = level.piece, level.piece.sku.price
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    phone = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = phone.new_page()
    page.goto(live_server.url + "/en/akun/masuk/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main button").click()
    page.goto(f"{live_server.url}/en/kelola/nian-tana/")
    page.get_by_role("link", name="Market stall").click()
    assert page.locator("h1").inner_text() == stall.name
    assert page.locator(".goods img").count() >= 1  # thumbnails
    page.get_by_label(f"Sell {piece.code}").check()
    page.get_by_label("Cash received (Rp)").fill(str(price + 50_000))
    page.screenshot(path=str(SCREENSHOTS / "stall-pick.png"), full_page=True)
    page.get_by_role("button", name="Continue to payment").click()
    assert page.locator(".change").inner_text() == "Rp 50.000"
    page.get_by_role("button", name="Cash taken: record the sale").click()

    sale = StallSale.objects.get()
    assert page.locator("h1").inner_text() == f"Receipt {sale.code}"
    assert piece.code in page.locator(".receipt").inner_text()
    assert page.locator(".change-given").inner_text() == "Rp 50.000"
    page.screenshot(path=str(SCREENSHOTS / "stall-receipt.png"), full_page=True)
    page.go_back()  # the buyer's back button, then the same form again: still one sale
    page.get_by_role("button", name="Cash taken: record the sale").click()
    assert StallSale.objects.count() == 1
    assert StockLevel.objects.get(pk=level.pk).quantity == 0
    phone.close()

    # With JavaScript on, the stall page adds up the total and the change as the operator picks.
    scripted = browser.new_context(viewport={"width": 360, "height": 740})
    page = scripted.new_page()
    page.goto(live_server.url + "/en/akun/masuk/")
    page.fill("#id_username", "operator")
    page.fill("#id_password", DEMO_PASSWORD)
    page.locator("main button").click()
    page.goto(f"{live_server.url}/en/kelola/nian-tana/pasar/")
    coffee = page.locator(".goods input[type=number]").first
    coffee.fill("2")
    page.get_by_label("Cash received (Rp)").fill("200000")
    assert page.locator("#total").inner_text() == "Total: Rp 120.000"
    assert page.locator("#change").inner_text() == "· Change due: Rp 80.000"
    scripted.close()
