"""Grades in the API: each piece on sale with its grade, disclosed flaws and inspection date; members' stock with
every piece's and batch's latest inspection, rejections and their reasons included."""

import datetime

import pytest
from django.test import Client
from django.utils import timezone

from sambung.quality.models import Inspection, Outcome
from sambung.quality.standards import Criterion, Effect, Kind
from sambung.tests import helpers

CRITERIA = [
    Criterion("no_holes", Kind.PASS_FAIL, "Tanpa lubang", "No holes"),
    Criterion("neat_fringes", Kind.PASS_FAIL, "Rumbai rapi", "Neat fringes", fail_effect=Effect.MINOR),
]


@pytest.fixture
def graded(cooperative):
    """A design with a grade A piece, a grade B piece (uneven fringes) and a rejected piece, at one hub."""
    location = helpers.make_location(cooperative, name="Hub Sikka")
    category = helpers.make_category(slug="selendang")
    helpers.make_standard(cooperative, category, criteria=CRITERIA)
    product = helpers.make_product(cooperative, slug="selendang-ikat", category=category)
    maker = helpers.make_maker(cooperative, name="Mama Yuliana", shows_name=True)
    pieces = {}
    for code, answers in (
        ("SEL-A", {"no_holes": "pass", "neat_fringes": "pass"}),
        ("SEL-B", {"no_holes": "pass", "neat_fringes": "fail"}),
        ("SEL-X", {"no_holes": "fail", "neat_fringes": "pass"}),
    ):
        piece = helpers.make_piece(product, maker, location=location, code=code, sellable=False)
        helpers.pass_inspection(piece=piece, results=answers, note_id="Catatan", note_en="A note")
        pieces[code] = piece
    return dict(product=product, location=location, pieces=pieces)


def test_each_piece_on_sale_shows_its_grade_flaws_and_inspection_date(graded):
    body = Client().get("/api/v1/products/selendang-ikat").json()
    by_code = {piece["code"]: piece for piece in body["pieces"]}
    assert set(by_code) == {"SEL-A", "SEL-B"}  # the rejected piece is not for sale
    a, b = by_code["SEL-A"]["inspection"], by_code["SEL-B"]["inspection"]
    assert (a["grade"], a["flaws_id"], a["flaws_en"], a["inspector_role"]) == ("a", [], [], "hub_operator")
    assert b["grade"] == "b"
    assert b["flaws_id"] == ["Rumbai rapi: tidak"] and b["flaws_en"] == ["Neat fringes: no"]
    inspection = Inspection.objects.get(piece=graded["pieces"]["SEL-B"])
    assert b["inspected_on"] == timezone.localdate(inspection.created_at).isoformat()
    inspected_at = datetime.datetime.fromisoformat(
        b["inspected_at"]
    )  # to the millisecond, as JSON carries it
    assert abs(inspected_at - inspection.created_at) < datetime.timedelta(milliseconds=1)
    assert (b["note_id"], b["note_en"]) == ("Catatan", "A note")
    assert by_code["SEL-B"]["provenance_url"] == "http://testserver/karya/SEL-B/"
    assert body["batch_inspection"] is None


def test_a_counted_product_shows_its_latest_passed_batch_inspection(cooperative):
    location = helpers.make_location(cooperative)
    coffee = helpers.make_product(cooperative, slug="kopi")
    coffee.skus.update(is_unique=False)
    helpers.make_stock(coffee, location, 6)
    body = Client().get("/api/v1/products/kopi").json()
    assert body["pieces"] == [] and body["batch_inspection"]["grade"] == "a"


def test_members_stock_shows_each_pieces_position_and_latest_inspection_rejections_included(viewer, graded):
    body = viewer.get("/api/v1/cooperatives/nian-tana/stock").json()
    row = next(row for row in body["items"] if row["sku"]["product_slug"] == "selendang-ikat")
    pieces = {piece["code"]: piece for piece in row["pieces"]}
    assert {code: (p["position"], p["channel"]) for code, p in pieces.items()} == {
        "SEL-A": ("available", "Toko web"),
        "SEL-B": ("available", "Toko web"),
        "SEL-X": ("qc", None),
    }
    rejected = pieces["SEL-X"]["inspection"]
    assert (rejected["outcome"], rejected["quantity"]) == (Outcome.REJECT, 1)
    assert rejected["reasons_id"] == ["Tanpa lubang: tidak"] and rejected["reasons_en"] == ["No holes: no"]
    assert pieces["SEL-B"]["inspection"]["flaws_en"] == ["Neat fringes: no"]
    assert pieces["SEL-A"]["inspection"]["reasons_en"] == []
    assert row["batch_inspection"] is None


def test_members_stock_shows_the_latest_batch_inspection_at_each_location(manager, cooperative):
    hub, town = (
        helpers.make_location(cooperative, name="Hub"),
        helpers.make_location(cooperative, name="Kota"),
    )
    coffee = helpers.make_product(cooperative, slug="kopi")
    coffee.skus.update(is_unique=False)
    helpers.make_stock(coffee, hub, 4)
    helpers.make_stock(coffee, town, 3, sellable=False)
    helpers.pass_inspection(sku=coffee.skus.get(), location=town, quantity=3, results={"no_defects": "fail"})
    rows = {
        row["location"]["name"]: row
        for row in manager.get("/api/v1/cooperatives/nian-tana/stock").json()["items"]
    }
    assert (rows["Hub"]["batch_inspection"]["outcome"], rows["Hub"]["batch_inspection"]["quantity"]) == (
        "a",
        4,
    )
    assert rows["Kota"]["batch_inspection"]["outcome"] == "reject" and rows["Kota"]["pieces"] == []
    assert rows["Kota"]["quality_control"] == 3


def test_the_schema_documents_grades(api_schema):
    schemas = api_schema["components"]["schemas"]
    assert schemas["InspectionOut"]["properties"]["grade"]["enum"] == ["a", "b"]
    assert "inspection" in schemas["PieceOut"]["properties"]
    assert schemas["StockInspectionOut"]["properties"]["outcome"]["enum"] == ["a", "b", "reject"]
    assert "pieces" in schemas["StockRow"]["properties"]


@pytest.fixture
def api_schema(db):
    return Client().get("/api/v1/openapi.json").json()


def test_an_order_line_of_a_piece_shows_the_inspection_that_put_it_on_sale(
    manager, cooperative, graded, order_of
):
    from sambung.orders.cart import PricedLine

    piece = graded["pieces"]["SEL-B"]
    order = order_of(cooperative, [PricedLine(piece.sku, piece, 1)], helpers.make_shipping_rate(cooperative))
    line = manager.get(f"/api/v1/cooperatives/nian-tana/orders/{order.code}").json()["lines"][0]
    assert line["piece"] == "SEL-B"
    assert (line["piece_inspection"]["outcome"], line["piece_inspection"]["flaws_en"]) == (
        "b",
        ["Neat fringes: no"],
    )
