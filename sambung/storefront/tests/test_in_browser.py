from pathlib import Path

import pytest

from sambung.demo.cooperative import load_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SCREENSHOTS = Path(__file__).resolve().parents[3] / "data" / "screenshots"


def test_a_buyer_browses_searches_and_switches_language_with_javascript_off(live_server, browser):
    load_demo(photo_size=(240, 180))
    context = browser.new_context(java_script_enabled=False, viewport={"width": 360, "height": 740})
    page = context.new_page()
    page.goto(live_server.url + "/")
    assert page.locator("h1").inner_text().startswith("Ditenun dengan tangan")
    cards = page.locator(".card img")
    assert cards.count() >= 8
    first_row = cards.evaluate_all("images => images.slice(0, 4).map(i => i.complete && i.naturalWidth > 0)")
    assert first_row == [True, True, True, True]

    page.locator(".card a").first.click()
    assert "/produk/" in page.url
    assert page.locator(".price").first.inner_text().startswith("Rp ")

    page.fill("#q", "mata manuk")
    page.locator("form.search button").click()
    results = page.locator(".grid .card")
    assert results.count() >= 1
    assert all("Mata Manuk" in t for t in results.all_inner_texts())

    page.get_by_role("link", name="English").click()
    assert page.url.startswith(live_server.url + "/en/produk/")
    assert "Results for" in page.locator("h1").inner_text()
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "storefront-search-en.png"), full_page=True)
    context.close()
