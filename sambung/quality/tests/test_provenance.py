"""What buyers see of a piece's provenance and inspection: on the product page's cards and its own page."""

import datetime

import pytest
from django.test.utils import CaptureQueriesContext

from sambung.catalog.models import Category
from sambung.catalog.tests import page_text
from sambung.quality.models import Outcome
from sambung.quality.standards import add_default_standard, criteria_of, current_version, passing_value
from sambung.tests import helpers

PHOTO = helpers.image_bytes((320, 240), color=(30, 40, 72))


@pytest.fixture
def sarong(cooperative):
    category = Category.objects.create(slug="sarung-ikat", name_id="Sarung ikat", name_en="Ikat sarong")
    product = helpers.make_product(
        cooperative,
        category=category,
        slug="sarung-jentu",
        length_cm=180,
        width_cm=65,
        title_en="Jentu sarong",
    )
    standard = add_default_standard(cooperative=cooperative, category=category)
    return product, standard, helpers.make_location(cooperative)


def inspected_piece(cooperative, sarong, *, code, maker, **answers):
    product, standard, location = sarong
    piece = helpers.make_piece(
        product,
        maker,
        location=location,
        sellable=False,
        code=code,
        started_on=datetime.date(2026, 8, 1),
        finished_on=datetime.date(2026, 8, 31),
    )
    version = current_version(standard)
    results = {c.key: passing_value(c, product) for c in criteria_of(version) if c.key != "photos"}
    results.update(answers)
    inspection = helpers.pass_inspection(
        piece=piece, results=results, photos=[PHOTO], note_en="A faint mark near one fringe."
    )
    return piece, inspection


def test_the_provenance_page_tells_who_where_how_and_what_the_inspection_found(buyer, cooperative, sarong):
    maker = helpers.make_maker(cooperative, name="Maria Goreti Nona", shows_name=True)
    piece, inspection = inspected_piece(
        cooperative, sarong, code="SKA-2026-014", maker=maker, edges_fringes="fail"
    )
    assert inspection.outcome == Outcome.GRADE_B
    html = page_text(buyer.get("/en/karya/SKA-2026-014/"))
    assert "Maria Goreti Nona" in html
    assert "Sikka, Lela" in html  # the village by its official name, with its district
    assert "31 days" in html
    assert "Handspun, as declared" in html and "Natural dyes, as declared" in html
    assert "Grade B" in html and "Edges and fringes neat: no" in html
    assert "A faint mark near one fringe." in html
    assert "hub operator" in html and helpers.make_inspector(cooperative).user.username not in html
    assert "photos/thumb/" in html
    assert "Add to cart" in html  # it is for sale


def test_a_maker_who_did_not_consent_is_not_named(buyer, cooperative, sarong):
    shy = helpers.make_maker(cooperative, name="Veronika Ina", shows_name=False)
    inspected_piece(cooperative, sarong, code="SKA-2026-015", maker=shy)
    html = page_text(buyer.get("/en/karya/SKA-2026-015/"))
    assert "Veronika Ina" not in html and "prefers not to be named" in html


def test_product_page_cards_carry_the_inspection_summary(
    buyer, cooperative, sarong, django_assert_max_num_queries
):
    maker = helpers.make_maker(cooperative)
    inspected_piece(cooperative, sarong, code="JENTU-A", maker=maker)
    inspected_piece(cooperative, sarong, code="JENTU-B", maker=maker, weave_evenness="3")
    html = page_text(buyer.get("/en/produk/sarung-jentu/"))
    assert html.count("checked by the hub operator") == 2
    assert "Grade A" in html and "Grade B" in html
    assert "Flaws you should know of: Weave evenness: 3" in html
    assert 'href="/en/karya/JENTU-A/"' in html and 'href="/en/karya/JENTU-B/"' in html
    from django.db import connection

    with CaptureQueriesContext(connection) as two:
        buyer.get("/en/produk/sarung-jentu/")
    inspected_piece(cooperative, sarong, code="JENTU-C", maker=maker)
    with CaptureQueriesContext(connection) as three:
        buyer.get("/en/produk/sarung-jentu/")
    assert len(three) == len(two)  # one more card costs no more queries


def test_the_provenance_page_never_writes_and_starts_no_session(buyer, cooperative, sarong):
    from django.db import connection

    inspected_piece(cooperative, sarong, code="SKA-1", maker=helpers.make_maker(cooperative))
    with CaptureQueriesContext(connection) as queries:
        response = buyer.get("/karya/SKA-1/")
    assert response.status_code == 200
    assert not [q for q in queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE"))]
    assert set(response.cookies) <= {"csrftoken"}


def test_a_code_with_a_slash_or_a_space_has_its_page(buyer, cooperative, sarong):
    maker = helpers.make_maker(cooperative)
    inspected_piece(cooperative, sarong, code="SKA/2026 07", maker=maker)
    assert buyer.get("/karya/SKA/2026%2007/").status_code == 200


def test_counted_goods_show_their_latest_passed_batch_inspection(buyer, cooperative):
    category = helpers.make_category(slug="kopi", name_id="Kopi", name_en="Coffee")
    add_default_standard(cooperative=cooperative, category=category)
    coffee = helpers.make_product(cooperative, category=category, slug="kopi-egon")
    coffee.skus.update(is_unique=False)
    location = helpers.make_location(cooperative)
    helpers.make_stock(coffee, location, 40, sellable=False)
    assert "latest batch checked" not in page_text(buyer.get("/en/produk/kopi-egon/"))
    helpers.pass_inspection(
        sku=coffee.skus.get(),
        location=location,
        quantity=40,
        results={
            "moisture": "11,8",
            "foreign_matter": "0.2",
            "defect_points": "19",
            "no_live_insects": "pass",
            "no_rotten_smell": "pass",
        },
    )
    html = page_text(buyer.get("/en/produk/kopi-egon/"))
    assert "latest batch checked by the hub operator" in html
    assert "Moisture: 11.8 % · at most 12.5 %" in html and "(Grade 2)" in html
