import pytest

from sambung.lib.ids import uuid7
from sambung.orders.tests.test_documents import pdf_text
from sambung.pos.receipts import receipt_pdf, receipt_text, whatsapp_url
from sambung.pos.sales import SaleItem, record_stall_sale

pytestmark = pytest.mark.django_db


@pytest.fixture
def sale(market):
    return record_stall_sale(
        sale_id=uuid7(),
        channel=market.stall,
        items=[
            SaleItem(sku=market.piece.sku, piece=market.piece, location=market.hub),
            SaleItem(sku=market.coffee, location=market.hub, quantity=2),
        ],
        payment_method="cash",
        cash_received=3_000_000,
        buyer_phone="0812 3456 7890",
    )


def test_the_receipt_text_is_in_indonesian_with_lines_total_and_change(sale, market):
    text = receipt_text(sale)  # the pos tests run in English: the receipt follows the cooperative's language
    assert text.startswith(f"{market.cooperative.name}\n{market.stall.name}\nNota {sale.code}, ")
    assert f"1 × {sale.lines.get(piece=market.piece).title}: Rp 2.750.000" in text
    assert "2 × " in text and ": Rp 120.000" in text
    assert "Total: Rp 2.870.000" in text and "Dibayar tunai: Rp 3.000.000, kembalian Rp 130.000" in text


def test_the_whatsapp_link_opens_a_chat_with_the_buyer_and_the_receipt_typed(sale):
    url = whatsapp_url(sale, sale.buyer_phone)
    assert url.startswith("https://wa.me/6281234567890?text=Koperasi%20Tenun%20Nian%20Tana%0A")
    assert " " not in url and "Total%3A%20Rp%202.870.000" in url


def test_the_pdf_receipt_prints_the_same_on_a_receipt_roll(sale, market):
    pdf = receipt_pdf(sale, compress=False)
    assert pdf.startswith(b"%PDF") and b"/MediaBox [0 0 226.77" in pdf  # 80 mm wide
    text = pdf_text(receipt_pdf(sale))
    assert sale.code in text and "Rp 2.870.000" in text and market.piece.code in text
    assert "Rp 130.000" in text
