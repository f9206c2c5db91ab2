from sambung.catalog.models import Product
from sambung.tests import helpers


def titles(response) -> set[str]:
    return {p.title_id for p in response.context["page"].object_list}


def test_product_page_tells_the_story_with_price_in_rupiah(buyer, cooperative):
    maker = helpers.make_maker(cooperative, name="Maria Goreti", village_code=helpers.SIKKA_VILLAGE)
    product = helpers.make_product(
        cooperative,
        price=1_250_000,
        motif="Mata Manuk",
        gi_name="Tenun Ikat Sikka",
        gi_number="ID G 000000056",
    )
    location = helpers.make_location(cooperative)
    helpers.make_piece(product, maker, location=location)
    html = buyer.get(f"/produk/{product.slug}/").content.decode()
    assert "Rp 1.250.000" in html
    assert "Maria Goreti" in html
    assert "Sikka" in html and "Lela" in html  # the village by its official name and its district
    assert "ID G 000000056" in html
    assert "Mata Manuk" in html


def test_maker_without_consent_is_never_named(buyer, cooperative):
    maker = helpers.make_maker(cooperative, name="Nama Rahasia", shows_name=False)
    product = helpers.make_product(cooperative)
    helpers.make_piece(product, maker, location=helpers.make_location(cooperative))
    assert "Nama Rahasia" not in buyer.get(f"/produk/{product.slug}/").content.decode()
    assert "Nama Rahasia" not in buyer.get(f"/koperasi/{cooperative.slug}/").content.decode()
    assert buyer.get(f"/pengrajin/{maker.pk}/").status_code == 404


def test_unpublished_products_are_not_found(buyer, cooperative):
    product = helpers.make_product(cooperative, is_published=False)
    assert buyer.get(f"/produk/{product.slug}/").status_code == 404
    assert product.title_id not in titles(buyer.get("/produk/"))


def test_search_matches_every_word_in_titles_motifs_and_villages(buyer, cooperative):
    helpers.make_product(cooperative, title_id="Sarung Mata Manuk", motif="Mata Manuk")
    helpers.make_product(cooperative, title_id="Selendang Jentu", village_code=helpers.NITA_VILLAGE)
    assert titles(buyer.get("/produk/", {"q": "MATA manuk"})) == {"Sarung Mata Manuk"}
    assert titles(buyer.get("/produk/", {"q": "nita"})) == {"Selendang Jentu"}
    assert titles(buyer.get("/produk/", {"q": "mata nita"})) == set()


def test_filters_by_price_dye_region_category_cooperative_and_stock(buyer, cooperative, other_cooperative):
    cheap = helpers.make_product(cooperative, title_id="Murah", price=300_000, dye=Product.Dye.SYNTHETIC)
    dear = helpers.make_product(
        cooperative, title_id="Mahal", price=3_000_000, village_code=helpers.NITA_VILLAGE
    )
    helpers.make_product(other_cooperative, title_id="Lain", price=900_000)
    helpers.make_piece(dear, helpers.make_maker(cooperative), location=helpers.make_location(cooperative))

    assert titles(buyer.get("/produk/", {"min_price": 1_000_000})) == {"Mahal"}
    assert titles(buyer.get("/produk/", {"max_price": 1_000_000})) == {"Murah", "Lain"}
    assert titles(buyer.get("/produk/", {"natural_dye": "on"})) == {"Mahal", "Lain"}
    assert titles(buyer.get("/produk/", {"region": helpers.NITA_VILLAGE})) == {"Mahal"}
    assert titles(buyer.get("/produk/", {"region": "53.07"})) == {"Murah", "Mahal", "Lain"}
    assert titles(buyer.get("/produk/", {"category": cheap.category.slug})) == {"Murah"}
    assert titles(buyer.get("/produk/", {"cooperative": "lain"})) == {"Lain"}
    assert titles(buyer.get("/produk/", {"ready": "on"})) == {"Mahal"}


def test_a_bad_filter_value_is_explained_and_ignored(buyer, cooperative):
    helpers.make_product(cooperative, title_id="Sarung")
    response = buyer.get("/produk/", {"min_price": "murah", "q": "sarung"})
    assert response.status_code == 200
    assert response.context["form"].errors["min_price"]
    assert titles(response) == {"Sarung"}


def test_pages_speak_indonesian_by_default_and_english_on_request(buyer, cooperative):
    product = helpers.make_product(cooperative, title_id="Sarung ikat biru", title_en="Blue ikat sarong")
    indonesian = buyer.get(f"/produk/{product.slug}/").content.decode()
    english = buyer.get(f"/en/produk/{product.slug}/").content.decode()
    assert '<html lang="id">' in indonesian and "Sarung ikat biru" in indonesian
    assert '<html lang="en">' in english and "Blue ikat sarong" in english
    assert "Semua produk" in indonesian and "All products" in english


def test_made_to_order_and_ready_to_ship_are_told_apart(buyer, cooperative):
    product = helpers.make_product(cooperative)
    # No stock and no maker with capacity for it: it cannot ship within the pre-order limit.
    assert "Tidak dalam 30 hari" in buyer.get(f"/produk/{product.slug}/").content.decode()
    location = helpers.make_location(cooperative)
    for _ in range(2):
        helpers.make_piece(product, helpers.make_maker(cooperative), location=location)
    assert "Siap kirim (2 tersedia)" in buyer.get(f"/produk/{product.slug}/").content.decode()
