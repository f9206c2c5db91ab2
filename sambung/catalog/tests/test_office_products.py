"""Products and their SKUs in the back office: the manager's catalogue; prices in whole rupiah."""

import pytest

from sambung.catalog.models import SKU, Product
from sambung.catalog.tests import office_url, page_text, shows
from sambung.lib.money import MAX_PRICE
from sambung.tests.helpers import NITA_VILLAGE, SIKKA_VILLAGE, make_category, make_product


@pytest.fixture
def category(db):
    return make_category(slug="sarung-ikat", name_id="Sarung tenun ikat", name_en="Ikat sarong")


def product_data(category, **overrides) -> dict:
    data = {
        "title_id": "Sarung Mata Manuk",
        "title_en": "Mata Manuk sarong",
        "category": str(category.pk),
        "village_code": SIKKA_VILLAGE,
        "story_id": "Ditenun di Desa Sikka.",
        "story_en": "Woven in the village of Sikka.",
        "motif": "Mata Manuk",
        "yarn": Product.Yarn.HANDSPUN,
        "dye": Product.Dye.NATURAL,
        "dyes_used": "tarum, mengkudu",
        "length_cm": "180",
        "width_cm": "65",
        "weight_g": "700",
        "gi_name": "Tenun Ikat Sikka",
        "gi_number": "ID G 000000056",
        "is_published": "on",
    }
    data.update(overrides)
    return data


def sku_data(**overrides) -> dict:
    data = {"code": "SMM-01", "name_id": "Indigo", "name_en": "Indigo", "price": "1250000", "is_unique": "on"}
    data.update(overrides)
    data.setdefault("is_active", "on")
    return data


def test_manager_creates_a_product_with_a_slug_made_from_its_title(manager, cooperative, category):
    response = manager.post(
        office_url("product_create", cooperative.slug), product_data(category), follow=True
    )

    product = Product.objects.get()
    assert product.slug == "sarung-mata-manuk"
    assert product.cooperative == cooperative and product.category == category
    assert (product.village_code, product.yarn, product.dye) == (SIKKA_VILLAGE, "handspun", "natural")
    assert (product.length_cm, product.width_cm, product.height_cm, product.weight_g) == (180, 65, None, 700)
    assert product.gi_number == "ID G 000000056" and product.is_published
    assert "mata manuk" in product.search_text and "sikka" in product.search_text
    assert response.redirect_chain == [(office_url("product_detail", cooperative.slug, product.pk), 302)]
    assert shows(response, "Product Mata Manuk sarong saved.")


def test_a_second_product_with_the_same_title_gets_its_own_slug(manager, cooperative, category):
    make_product(cooperative, slug="sarung-mata-manuk")

    manager.post(office_url("product_create", cooperative.slug), product_data(category))
    manager.post(office_url("product_create", cooperative.slug), product_data(category))

    slugs = set(Product.objects.values_list("slug", flat=True))
    assert slugs == {"sarung-mata-manuk", "sarung-mata-manuk-2", "sarung-mata-manuk-3"}


def test_manager_edits_a_product_and_its_address_stays(manager, cooperative, category):
    product = make_product(cooperative, slug="sarung-lama", title_id="Sarung lama")

    response = manager.post(
        office_url("product_edit", cooperative.slug, product.pk),
        product_data(category, title_id="Sarung Jentu", village_code=NITA_VILLAGE, is_published=""),
    )

    assert response.status_code == 302
    product.refresh_from_db()
    assert (product.title_id, product.slug, product.village_code) == (
        "Sarung Jentu",
        "sarung-lama",
        NITA_VILLAGE,
    )
    assert not product.is_published
    assert "jentu" in product.search_text and "nita" in product.search_text


@pytest.mark.parametrize("title", ["", "   "])
def test_product_without_a_title_is_refused(manager, cooperative, category, title):
    response = manager.post(
        office_url("product_create", cooperative.slug), product_data(category, title_id=title)
    )

    assert response.status_code == 200
    assert shows(response, "Enter a title in Indonesian.")
    assert not Product.objects.exists()


@pytest.mark.parametrize("village_code", ["31.71.01.1001", "53.07.99.9999", "x"])
def test_product_from_a_village_outside_the_regency_is_refused(manager, cooperative, category, village_code):
    response = manager.post(
        office_url("product_create", cooperative.slug), product_data(category, village_code=village_code)
    )

    assert shows(
        response, f"Choose a village from the list: {village_code} is not a village of this regency."
    )
    assert not Product.objects.exists()


def test_product_with_an_unknown_category_or_impossible_size_is_refused(manager, cooperative, category):
    data = product_data(category, length_cm="-3")
    data["category"] = "00000000-0000-0000-0000-000000000000"

    response = manager.post(office_url("product_create", cooperative.slug), data)

    assert response.status_code == 200
    assert len(response.context["form"].errors) == 2
    assert not Product.objects.exists()


def test_product_page_shows_its_skus_with_rupiah_prices(viewer, cooperative):
    product = make_product(cooperative, price=1_250_000)

    response = viewer.get(office_url("product_detail", cooperative.slug, product.pk))

    assert shows(response, "Rp 1.250.000")
    assert office_url("sku_create", cooperative.slug, product.pk) not in page_text(response)


@pytest.mark.parametrize(
    ("typed", "price"), [("1250000", 1_250_000), ("1.250.000", 1_250_000), ("Rp 85.000", 85_000), ("1", 1)]
)
def test_manager_adds_a_sku_with_a_price_in_whole_rupiah(manager, cooperative, typed, price):
    product = make_product(cooperative)

    response = manager.post(office_url("sku_create", cooperative.slug, product.pk), sku_data(price=typed))

    assert response.status_code == 302
    assert response.url == office_url("product_detail", cooperative.slug, product.pk)
    sku = product.skus.get(code="SMM-01")
    assert (sku.price, sku.name_id, sku.is_unique, sku.is_active) == (price, "Indigo", True, True)


def test_a_sku_may_cost_exactly_one_trillion_rupiah(manager, cooperative):
    product = make_product(cooperative)
    manager.post(office_url("sku_create", cooperative.slug, product.pk), sku_data(price=str(MAX_PRICE)))
    assert product.skus.get(code="SMM-01").price == MAX_PRICE


def test_manager_edits_a_sku(manager, cooperative):
    product = make_product(cooperative)
    sku = product.skus.get()

    response = manager.post(
        office_url("sku_edit", cooperative.slug, product.pk, sku.pk),
        sku_data(code=sku.code, price="950000", is_unique="", is_active=""),
        follow=True,
    )

    sku.refresh_from_db()
    assert (sku.price, sku.is_unique, sku.is_active) == (950_000, False, False)
    assert shows(response, f"SKU {sku.code} saved.")
    assert shows(response, "Rp 950.000")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("-5", "The price must be at least Rp 1."),
        ("0", "The price must be at least Rp 1."),
        ("abc", "Enter the price in whole rupiah, using digits only, e.g. 1250000."),
        ("12,5", "Enter the price in whole rupiah, using digits only, e.g. 1250000."),
        ("1250000.50", "Enter the price in whole rupiah, using digits only, e.g. 1250000."),
        (str(MAX_PRICE + 1), "The price cannot be more than Rp 1.000.000.000.000 (one trillion)."),
        ("9" * 5000, "Enter the price in whole rupiah, using digits only, e.g. 1250000."),
    ],
)
def test_sku_with_a_bad_price_is_refused(manager, cooperative, typed, message):
    product = make_product(cooperative, price=500_000)
    sku = product.skus.get()

    created = manager.post(office_url("sku_create", cooperative.slug, product.pk), sku_data(price=typed))
    edited = manager.post(
        office_url("sku_edit", cooperative.slug, product.pk, sku.pk), sku_data(code=sku.code, price=typed)
    )

    for response in (created, edited):
        assert response.status_code == 200
        assert shows(response, message)
    assert list(SKU.objects.values_list("code", "price")) == [(sku.code, 500_000)]


def test_sku_code_used_twice_in_a_product_is_refused(manager, cooperative):
    product = make_product(cooperative)
    sku = product.skus.get()

    response = manager.post(office_url("sku_create", cooperative.slug, product.pk), sku_data(code=sku.code))

    assert shows(response, "This product already has a SKU with this code.")
    assert product.skus.count() == 1
