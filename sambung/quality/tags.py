"""Hang tags as PDF: eight to an A4 sheet, cut along the dashed lines and tied to each piece.

A tag carries the product's title, the piece's code, the maker (only with her consent) and her village, the
grade of its latest passed inspection, and a QR code of the piece's public provenance page.

The tag travels with the piece to buyers anywhere, so its fixed words are printed in Bahasa Indonesia and English
side by side rather than in the language of whoever prints it. Texts go through orders.documents.latin1: the
core PDF fonts draw Latin-1 only.
"""

from collections.abc import Sequence

import segno
from django.conf import settings
from django.db.models import OuterRef, Subquery
from django.urls import reverse
from django.utils import translation
from fpdf import FPDF

from sambung.catalog.models import Piece
from sambung.lib.regions import get_village
from sambung.orders.documents import latin1
from sambung.quality.models import Inspection

FONT = "Helvetica"
COLUMNS, ROWS = 2, 4
MAX_TAGS = 8 * 25  # 25 sheets: a morning's deliveries at a hub, and a PDF a cheap laptop prints
MARGIN = 8.0  # mm: most office printers cannot print to the edge
GAP = 4.0  # mm of white around a tag's contents
QR_SIZE = 30.0  # mm: scans from a phone at arm's length
GRADES = {"a": "Mutu A · Grade A", "b": "Mutu B · Grade B"}


def provenance_url(piece: Piece) -> str:
    """The absolute address of the piece's provenance page (in Indonesian, the store's default language)."""
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("quality_public:piece", kwargs={"code": piece.code})
    return settings.PUBLIC_URL + path


def hang_tags_pdf(pieces: Sequence[Piece], *, compress: bool = True) -> bytes:
    """Return the tags of the pieces, in the given order, eight per A4 page."""
    grades = dict(
        Piece.objects.filter(pk__in=[piece.pk for piece in pieces])
        .annotate(
            grade=Subquery(
                Inspection.objects.filter(piece=OuterRef("pk")).order_by("-created_at").values("outcome")[:1]
            )
        )
        .values_list("pk", "grade")
    )
    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    pdf.set_auto_page_break(auto=False)
    pdf.set_title("Label gantung / Hang tags")
    width = (pdf.w - 2 * MARGIN) / COLUMNS
    height = (pdf.h - 2 * MARGIN) / ROWS
    for index, piece in enumerate(pieces):
        slot = index % (COLUMNS * ROWS)
        if slot == 0:
            pdf.add_page()
        x = MARGIN + (slot % COLUMNS) * width
        y = MARGIN + (slot // COLUMNS) * height
        _cut_lines(pdf, x, y, width, height)
        _tag(pdf, piece, grades.get(piece.pk) or "", x + GAP, y + GAP, width - 2 * GAP, height - 2 * GAP)
    return bytes(pdf.output())


def _cut_lines(pdf: FPDF, x: float, y: float, width: float, height: float) -> None:
    pdf.set_draw_color(150)
    pdf.set_line_width(0.2)
    with pdf.local_context():
        pdf.set_dash_pattern(dash=2, gap=2)
        pdf.rect(x, y, width, height)


def _tag(pdf: FPDF, piece: Piece, grade: str, x: float, y: float, width: float, height: float) -> None:
    product = piece.sku.product
    text_width = width - QR_SIZE - GAP
    pdf.set_text_color(90)
    pdf.set_font(FONT, "", 7)
    pdf.set_xy(x, y)
    pdf.cell(text_width, 3.5, latin1(product.cooperative.name))
    pdf.set_text_color(0)
    pdf.set_font(FONT, "B", 11)
    pdf.set_xy(x, y + 4.5)
    pdf.multi_cell(text_width, 4.8, latin1(product.title_id), align="L")
    if product.title_en and product.title_en != product.title_id:
        pdf.set_font(FONT, "I", 8)
        pdf.set_x(x)
        pdf.multi_cell(text_width, 3.8, latin1(product.title_en), align="L")
    code = latin1(piece.code)
    size = 10.0
    pdf.set_font("Courier", "B", size)
    while pdf.get_string_width(code) > text_width and size > 5:  # a long code shrinks rather than overlap
        size -= 0.5
        pdf.set_font("Courier", "B", size)
    pdf.set_x(x)
    pdf.cell(text_width, 6, code, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 8)
    maker = piece.maker
    village = get_village(maker.village_code)
    lines = []
    if maker.shows_name:
        lines.append(f"Penenun / Maker: {maker.name}")
    if village:
        lines.append(f"{village.name}, Kec. {village.district}, {village.regency}")
    if piece.days_taken:
        lines.append(f"{piece.days_taken} hari kerja / days of work")
    if product.gi_name:
        lines.append(f"{product.gi_name} {product.gi_number}".strip())
    for line in lines:
        pdf.set_x(x)
        pdf.multi_cell(text_width, 3.8, latin1(line), align="L")
    if grade in GRADES:
        pdf.set_font(FONT, "B", 10)
        pdf.set_xy(x, y + height - 6)
        pdf.cell(text_width, 6, GRADES[grade])
    _qr(pdf, provenance_url(piece), x + width - QR_SIZE, y + 2)
    pdf.set_font(FONT, "", 6.5)
    pdf.set_xy(x + width - QR_SIZE - 2, y + QR_SIZE + 3)
    pdf.multi_cell(QR_SIZE + 4, 3, "Pindai: asal-usul\nScan: provenance", align="C")


def _qr(pdf: FPDF, url: str, x: float, y: float) -> None:
    """Draw the QR code as filled rectangles (one per run of dark modules in a row): sharp at any print size."""
    code = segno.make(url, error="m", micro=False)
    matrix = [list(row) for row in code.matrix]
    border = 2  # modules of quiet zone inside QR_SIZE; the tag's white margin adds more
    module = QR_SIZE / (len(matrix) + 2 * border)
    pdf.set_fill_color(0)
    for row_index, row in enumerate(matrix):
        start = None
        for column, dark in enumerate([*row, 0]):
            if dark and start is None:
                start = column
            elif not dark and start is not None:
                pdf.rect(
                    x + (border + start) * module,
                    y + (border + row_index) * module,
                    (column - start) * module,
                    module,
                    style="F",
                )
                start = None
