import re

import pytest
import segno

from sambung.quality.tags import hang_tags_pdf, provenance_url
from sambung.quality.tests.test_permissions import quality_url
from sambung.tests import helpers


@pytest.fixture
def pieces(cooperative):
    location = helpers.make_location(cooperative)
    product = helpers.make_product(
        cooperative,
        title_id="Sarung Ikat Jentu — biru tarum",
        title_en="Jentu ikat sarong",
        gi_name="Tenun Ikat Sikka",
    )
    named = helpers.make_maker(cooperative, name="Maria Goreti Nona", shows_name=True)
    shy = helpers.make_maker(cooperative, name="Veronika Ina", shows_name=False)
    passed = [
        helpers.make_piece(product, named if n % 2 else shy, location=location, code=f"JENTU-{n:02d}")
        for n in range(1, 10)
    ]
    waiting = helpers.make_piece(product, named, location=location, code="JENTU-QC", sellable=False)
    return passed, waiting


def test_tags_carry_title_code_consented_maker_village_grade_and_eight_fit_a_page(pieces):
    passed, _ = pieces
    pdf = hang_tags_pdf(passed, compress=False)
    assert pdf.startswith(b"%PDF")
    text = pdf.decode("latin-1")
    assert all(f"JENTU-{n:02d}" in text for n in range(1, 10))
    assert "Sarung Ikat Jentu - biru" in text  # the dash drawn in Latin-1
    assert "Maria Goreti Nona" in text and "Veronika Ina" not in text
    assert "Sikka, Kec. Lela" in text
    assert "Mutu A" in text and "Tenun Ikat Sikka" in text
    assert len(re.findall(rb"/Type /Page\b", pdf)) == 2  # 9 tags: a full sheet of 8 and one more


def drawn_modules(pdf: bytes) -> set[tuple[int, int]]:
    """Read back the dark modules of the (only) QR code on the page from its filled rectangles."""
    rects = [
        tuple(map(float, match))
        for match in re.findall(rb"(-?[\d.]+) (-?[\d.]+) (-?[\d.]+) (-?[\d.]+) re f", pdf)
    ]
    module = abs(rects[0][3])
    left, top = min(r[0] for r in rects), max(r[1] for r in rects)
    dark = set()
    for x, y, width, _ in rects:
        row, column = round((top - y) / module), round((x - left) / module)
        dark |= {(row, column + n) for n in range(round(width / module))}
    return dark


def test_the_qr_code_opens_the_public_provenance_page(settings, pieces):
    settings.PUBLIC_URL = "https://sambung.example"
    piece = pieces[0][0]
    assert provenance_url(piece) == "https://sambung.example/karya/JENTU-01/"
    code = segno.make(provenance_url(piece), error="m", micro=False)
    expected = {(r, c) for r, row in enumerate(code.matrix) for c, dark in enumerate(row) if dark}
    assert drawn_modules(hang_tags_pdf([piece], compress=False)) == expected


def test_a_hub_operator_prints_tags_of_passed_pieces_only(operator, cooperative, pieces):
    passed, waiting = pieces
    chosen = "&".join(f"karya={piece.pk}" for piece in [*passed[:3], waiting]) + "&karya=bukan-uuid"
    response = operator.get(quality_url("hang_tags_file", cooperative.slug, query=chosen))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    listing = operator.get(quality_url("hang_tags", cooperative.slug)).content.decode()
    assert "JENTU-01" in listing and "JENTU-QC" not in listing
    only_waiting = operator.get(quality_url("hang_tags_file", cooperative.slug, query=f"karya={waiting.pk}"))
    assert only_waiting.status_code == 302
