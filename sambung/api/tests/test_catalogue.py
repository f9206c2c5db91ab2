"""The public catalogue: published products only, the storefront's filters, bounded pages, consented names."""

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from sambung.catalog.models import Product
from sambung.catalog.products import save_product
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import start_checkout
from sambung.tests import helpers


@pytest.fixture
def api():
    return Client()


def slugs(response) -> list[str]:
    return [item["slug"] for item in response.json()["items"]]


def test_the_list_shows_published_products_with_their_web_availability(api, shop, cooperative):
    helpers.make_product(cooperative, slug="draf", is_published=False)

    response = api.get("/api/v1/products")

    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2 and set(slugs(response)) == {"kopi", "sarung-ikat"}
    coffee = next(item for item in body["items"] if item["slug"] == "kopi")
    assert coffee["available"] == 3  # 5 received, 2 committed to the order
    assert coffee["price_from"] == 85_000 and coffee["title_id"] == "Kopi Sikka"
    assert coffee["cooperative"] == {"slug": "nian-tana", "name": "Koperasi Tenun Nian Tana"}
    assert coffee["village"] == {"code": helpers.SIKKA_VILLAGE, "name": "Sikka"}
    assert coffee["url"] == "http://testserver/produk/kopi/"
    assert (coffee["yarn"], coffee["dye"]) == ("handspun", "natural")


def test_the_list_takes_the_storefronts_filters(api, shop, cooperative):
    synthetic = helpers.make_product(
        cooperative,
        slug="selendang",
        price=400_000,
        dye=Product.Dye.SYNTHETIC,
        village_code=helpers.NITA_VILLAGE,
    )
    assert slugs(api.get("/api/v1/products", {"q": "kopi"})) == ["kopi"]
    assert "selendang" not in slugs(api.get("/api/v1/products", {"natural_dye": "true"}))
    assert slugs(api.get("/api/v1/products", {"region": helpers.NITA_VILLAGE})) == ["selendang"]
    assert set(slugs(api.get("/api/v1/products", {"min_price": 300_000, "max_price": 500_000}))) == {
        "selendang"
    }
    assert slugs(api.get("/api/v1/products", {"category": synthetic.category.slug})) == ["selendang"]
    assert set(slugs(api.get("/api/v1/products", {"ready": "true"}))) == {"kopi", "sarung-ikat"}
    assert api.get("/api/v1/products", {"cooperative": "lain"}).json()["count"] == 0


def test_pages_are_limit_and_offset_and_bounds_are_refused_with_422_not_clamped(api, shop):
    first = api.get("/api/v1/products", {"limit": 1}).json()
    second = api.get("/api/v1/products", {"limit": 1, "offset": 1}).json()
    assert (first["count"], first["limit"], first["offset"]) == (2, 1, 0)
    assert len(first["items"]) == len(second["items"]) == 1
    assert first["items"][0]["slug"] != second["items"][0]["slug"]
    assert api.get("/api/v1/products", {"limit": 100}).status_code == 200
    for bad in ({"limit": 0}, {"limit": 101}, {"limit": 1000}, {"offset": -1}, {"offset": 10**30}):
        response = api.get("/api/v1/products", bad)
        assert response.status_code == 422, bad
        assert response.json()["detail"][0]["loc"][-1] in bad


@pytest.mark.parametrize(
    "query",
    [{"min_price": "abc"}, {"max_price": -1}, {"region": "Sikka"}, {"q": "x" * 201}, {"ready": "perhaps"}],
)
def test_a_malformed_filter_is_a_422_naming_the_field(api, shop, query):
    response = api.get("/api/v1/products", query)
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] in query


def test_the_product_shows_its_skus_and_pieces_on_hand_with_consented_maker_names(api, shop, cooperative):
    sarong = shop["sarong"]
    shy = helpers.make_maker(cooperative, name="Ibu Tanpa Nama", shows_name=False)
    helpers.make_piece(sarong, shy, location=shop["location"], code="PC-SARUNG-2")
    held = helpers.make_piece(sarong, shy, location=shop["location"], code="PC-SARUNG-3")
    start_checkout(cooperative=cooperative, lines=[PricedLine(sarong.skus.get(), held, 1)])

    response = api.get("/api/v1/products/sarung-ikat")

    assert response.status_code == 200
    body = response.json()
    assert [sku["code"] for sku in body["skus"]] == [sarong.skus.get().code]
    assert body["skus"][0]["price"] == 2_750_000 and body["skus"][0]["is_unique"] is True
    assert {piece["code"]: piece["maker"] for piece in body["pieces"]} == {
        "PC-SARUNG-1": "Mama Yuliana",
        "PC-SARUNG-2": None,  # she did not agree to show her name; the held piece is not on hand
    }
    assert body["available"] == 2 and "Ibu Tanpa Nama" not in response.content.decode()


def test_an_unpublished_or_unknown_product_is_404(api, shop):
    shop["sarong"].is_published = False
    save_product(product=shop["sarong"])
    assert api.get("/api/v1/products/sarung-ikat").status_code == 404
    assert api.get("/api/v1/products/tidak-ada").json() == {"detail": "Not Found"}


def test_a_longer_page_costs_no_more_queries(api, shop, cooperative, django_assert_max_num_queries):
    with CaptureQueriesContext(connection) as two:
        api.get("/api/v1/products")
    for _ in range(5):
        helpers.make_product(cooperative)
    with django_assert_max_num_queries(len(two)):
        assert api.get("/api/v1/products").json()["count"] == 7
