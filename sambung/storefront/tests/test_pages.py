import gzip
import re

import pytest
from django.contrib.staticfiles import finders
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sambung.catalog.models import Maker, Product
from sambung.demo.cooperative import load_demo
from sambung.quality.models import Inspection

PAGE_BUDGET_BYTES = 30 * 1024


@pytest.fixture
def demo(db):
    return load_demo(photo_size=(240, 180))


def storefront_pages(demo) -> dict[str, str]:
    product = Product.objects.get(slug="sarung-mata-manuk-indigo")
    maker = Maker.objects.filter(shows_name=True, pieces__isnull=False).first()
    # A grade B piece: its page carries the most text (flaws told to buyers, every criterion's finding).
    piece = Inspection.objects.filter(outcome="b", piece__isnull=False).select_related("piece").first().piece
    return {
        "home": "/",
        "home (en)": "/en/",
        "list": "/produk/",
        "search": "/produk/?q=mata+manuk",
        "filtered": "/produk/?category=sarung-ikat&natural_dye=on&ready=on&min_price=500000",
        "product": f"/produk/{product.slug}/",
        "product (en)": f"/en/produk/{product.slug}/",
        "cooperative": f"/koperasi/{demo.cooperative.slug}/",
        "maker": f"/pengrajin/{maker.pk}/",
        "provenance": f"/karya/{piece.code}/",
        "provenance (en)": f"/en/karya/{piece.code}/",
    }


def linked_assets(html: str) -> list[bytes]:
    """Return the CSS and JS files a page links to, as the browser would fetch them."""
    paths = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="/static/([^"]+)"', html)
    paths += re.findall(r'<script[^>]+src="/static/([^"]+)"', html)
    assets = []
    for path in paths:
        found = finders.find(path)
        assert found, path
        with open(found, "rb") as f:
            assets.append(f.read())
    return assets


def test_every_storefront_page_fits_the_compressed_budget(buyer, demo):
    for name, url in storefront_pages(demo).items():
        response = buyer.get(url)
        assert response.status_code == 200, name
        html = response.content
        total = len(gzip.compress(html, 9)) + sum(
            len(gzip.compress(a, 9)) for a in linked_assets(html.decode())
        )
        print(f"{name:<14} {len(html):>7} B html, {total:>6} B html+css+js gzip")
        assert total <= PAGE_BUDGET_BYTES, f"{name} is {total} bytes compressed"


def test_storefront_pages_never_write_and_start_no_session(buyer, demo):
    for name, url in storefront_pages(demo).items():
        with CaptureQueriesContext(connection) as queries:
            response = buyer.get(url)
        assert response.status_code == 200
        writes = [q["sql"] for q in queries if re.match(r"\s*(INSERT|UPDATE|DELETE)", q["sql"], re.I)]
        assert writes == [], name
        # Only the CSRF cookie of the add-to-cart form: no session, so nothing to store server-side.
        assert set(response.cookies) <= {"csrftoken"}, name


def test_html_is_gzip_compressed_for_browsers_that_accept_it(buyer, demo):
    response = buyer.get("/", HTTP_ACCEPT_ENCODING="gzip")
    assert response["Content-Encoding"] == "gzip"


def test_images_have_dimensions_and_those_below_the_fold_are_lazy(buyer, demo):
    html = buyer.get("/produk/").content.decode()
    images = re.findall(r"<img [^>]+>", html)
    assert len(images) > 8
    assert all('width="' in img and 'height="' in img for img in images)
    assert all('loading="lazy"' not in img for img in images[:4])
    assert all('loading="lazy"' in img for img in images[4:])
    assert all(".webp" in img for img in images)


def test_demo_loads_twice_without_duplicating(demo):
    counts = (Product.objects.count(), Maker.objects.count())
    again = load_demo(photo_size=(240, 180))
    assert (Product.objects.count(), Maker.objects.count()) == counts
    assert again.photos == 0
