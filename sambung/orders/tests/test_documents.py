"""Packing slips and invoices as PDF: what each must say, in a font every PDF reader has."""

import re
import zlib

import pytest
from django.utils import translation
from django.utils.formats import date_format

from sambung.lib.money import format_rupiah as rupiah
from sambung.orders import fulfilment
from sambung.orders.documents import invoice_pdf, latin1, packing_slip_pdf
from sambung.orders.models import OrderStatus
from sambung.orders.tests.test_office_orders import (
    make_shop,
    order_in,
    place,
    url,
)

S = OrderStatus
TEXT_SHOWN = re.compile(rb"\(((?:[^()\\]|\\.)*)\)\s*Tj")
STREAM_START = re.compile(rb"(?<!end)stream\r?\n")


def pdf_text(pdf: bytes) -> str:
    """Return the text a PDF draws, from its content streams (inflated when compressed), one run per line.

    A compressed stream is inflated from its first byte until zlib says it ends, so its length never depends on
    what bytes the compressed data happens to end with; a plain stream runs to the next ``endstream``.
    """
    runs = []
    for start in STREAM_START.finditer(pdf):
        rest = pdf[start.end() :]
        try:
            stream = zlib.decompressobj().decompress(rest)
        except zlib.error:
            stream = rest[: rest.find(b"endstream")]
        for raw in TEXT_SHOWN.findall(stream):
            text = re.sub(rb"\\([()\\])", rb"\1", raw)
            runs.append(text.decode("latin-1"))
    return "\n".join(runs)


@pytest.fixture
def shop(cooperative):
    return make_shop(cooperative)


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


def test_packing_slip_says_what_to_pack_where_it_goes_and_by_when_without_prices(shop):
    order = place(shop, coffee=2)
    pdf = packing_slip_pdf(order, compress=False)
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    for expected in [
        order.code,
        f"Ship by {date_format(order.promised_ship_by, 'j F Y')}",
        "Maria Goreti",
        "+6281234567890",
        "Jl. Melati 5",
        "Nita, district Nita",
        "Kabupaten Sikka, Nusa Tenggara Timur 86151",
        "SKA-2026-014",
        "Gudang Maumere",
        "JNE REG",
    ]:
        assert expected in text, expected
    assert "Rp" not in text


def test_invoice_lists_prices_shipping_total_unique_code_and_amount_due(shop):
    order = place(shop, coffee=2)
    text = pdf_text(invoice_pdf(order, compress=False))
    for expected in [
        order.code,
        shop.cooperative.name,
        "Jl. Ahmad Yani 12, Maumere",
        "Maria Goreti",
        "Rp 1.250.000",  # the piece
        "Rp 85.000",  # a bag of coffee
        "Rp 170.000",  # two bags
        rupiah(order.shipping_cost),
        rupiah(order.total),
        f"Rp {order.unique_code}",
        rupiah(order.amount_due),
        "Payment method: bank transfer",
        "Bank NTT 001.02.03.004567-8",
        "NOT PAID YET",
    ]:
        assert expected in text, expected


def test_invoice_of_a_paid_order_says_it_is_paid(shop):
    order = order_in(shop, S.PACKING, method="qris")
    text = pdf_text(invoice_pdf(order, compress=False))
    assert "PAID on" in text and "NOT PAID" not in text
    assert "Payment method: QRIS" in text and "Unique transfer code" not in text


def test_invoice_of_an_order_cancelled_unpaid_says_not_paid(shop):
    order = place(shop)
    fulfilment.cancel_order(order=order, reason="buyer")
    text = pdf_text(invoice_pdf(order, compress=False))
    assert "NOT PAID" in text and "NOT PAID YET" not in text and "cancelled" in text


def test_documents_are_compressed_by_default_and_say_the_same(shop):
    order = place(shop)
    compressed, plain = packing_slip_pdf(order), packing_slip_pdf(order, compress=False)
    assert compressed.startswith(b"%PDF") and len(compressed) < len(plain)
    assert pdf_text(compressed) == pdf_text(plain)


def test_titles_with_characters_outside_latin1_are_printed_plainly(shop):
    shop.sarong.product.title_en = shop.sarong.product.title_id = "Sarung ‘Okukirei’ — biru…"
    shop.sarong.product.save()
    order = place(shop)
    text = pdf_text(packing_slip_pdf(order, compress=False)) + pdf_text(invoice_pdf(order, compress=False))
    assert "Sarung 'Okukirei' - biru..." in text


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("Ibu’s “ikat” – 2×", 'Ibu\'s "ikat" - 2×'),
        ("café Zürich", "café Zürich"),
        ("Žižek ā ő", "Zizek a o"),
        ("旗 ✓", "? ?"),
    ],
)
def test_latin1_keeps_what_a_core_font_draws_and_replaces_the_rest(text, plain):
    assert latin1(text) == plain
    latin1(text).encode("latin-1")


def test_packing_slip_is_served_inline_with_the_order_code_in_its_name(operator, shop):
    order = order_in(shop, S.PAID)
    response = operator.get(url("packing_slip", shop.cooperative.slug, order.code))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="slip-{order.code}.pdf"'
    assert "no-store" in response["Cache-Control"]
    assert response.content.startswith(b"%PDF") and "SKA-2026-014" in pdf_text(response.content)


def test_invoice_is_served_inline_with_the_order_code_in_its_name(manager, shop):
    order = place(shop)
    response = manager.get(url("invoice", shop.cooperative.slug, order.code))
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == f'inline; filename="invoice-{order.code}.pdf"'
    assert "Rp 1.250.000" in pdf_text(response.content)
