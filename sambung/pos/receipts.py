"""A stall sale's receipt: as text (for WhatsApp), as a wa.me link, and as a small PDF for a receipt printer.

The PDF uses fpdf2's core fonts like orders.documents, so every text goes through its `latin1()`.
"""

from urllib.parse import quote

from django.conf import settings
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sambung.lib.money import format_rupiah
from sambung.lib.phones import wa_me_digits
from sambung.orders.documents import latin1
from sambung.pos.models import PaymentMethod, StallSale

PAPER_WIDTH = 80  # mm: the common receipt-printer roll; A4 printers print it at the top of a sheet
FONT = "Helvetica"
LINE = 4.5  # mm per line of 9-point text


def receipt_text(sale: StallSale) -> str:
    """Return the receipt as plain text, in the cooperative's language (Indonesian), for a chat message."""
    with translation.override(settings.LANGUAGE_CODE):
        when = date_format(timezone.localtime(sale.sold_at), "j F Y H:i")
        lines = [
            sale.cooperative.name,
            sale.channel.name,
            _("Receipt %(code)s, %(when)s") % {"code": sale.code, "when": when},
            "",
        ]
        for line in sale.lines.all():
            lines.append(f"{line.quantity} × {line.title}: {format_rupiah(line.line_total)}")
        lines += ["", _("Total: %(total)s") % {"total": format_rupiah(sale.total)}]
        lines.append(payment_line(sale))
        lines += [
            "",
            _("Thank you for buying from the makers of %(cooperative)s.")
            % {"cooperative": sale.cooperative.name},
        ]
    return "\n".join(lines)


def payment_line(sale: StallSale) -> str:
    if sale.payment_method == PaymentMethod.CASH:
        return _("Paid in cash: %(received)s, change %(change)s") % {
            "received": format_rupiah(sale.cash_received),
            "change": format_rupiah(sale.change),
        }
    return _("Paid by QRIS: %(total)s") % {"total": format_rupiah(sale.total)}


def whatsapp_url(sale: StallSale, phone: str) -> str:
    """Return a wa.me link that opens a chat with the buyer (an E.164 number), the receipt already typed."""
    return f"https://wa.me/{wa_me_digits(phone)}?text={quote(receipt_text(sale), safe='')}"


def receipt_pdf(sale: StallSale, *, compress: bool = True) -> bytes:
    """Return the receipt on an 80 mm wide page, as long as its lines need."""
    lines = list(sale.lines.all())
    pdf = FPDF(format=(PAPER_WIDTH, 90 + 10 * len(lines)))
    pdf.set_compression(compress)
    pdf.set_margins(5, 5, 5)
    pdf.set_auto_page_break(auto=True, margin=5)
    pdf.set_title(latin1(_("Receipt %(code)s") % {"code": sale.code}))
    pdf.set_author(latin1(sale.cooperative.name))
    pdf.set_creator("Sambung")
    pdf.add_page()
    pdf.set_font(FONT, "B", 11)
    _text(pdf, sale.cooperative.name)
    pdf.set_font(FONT, "", 9)
    _text(pdf, sale.channel.name)
    when = date_format(timezone.localtime(sale.sold_at), "j F Y H:i")
    _text(pdf, _("Receipt %(code)s, %(when)s") % {"code": sale.code, "when": when})
    pdf.ln(2)
    for line in lines:
        _text(pdf, f"{line.quantity} x {line.title}")
        pdf.cell(
            0, LINE, latin1(format_rupiah(line.line_total)), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.ln(1)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(
        0,
        LINE + 1,
        latin1(_("Total: %(total)s") % {"total": format_rupiah(sale.total)}),
        align="R",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_font(FONT, "", 9)
    _text(pdf, payment_line(sale))
    pdf.ln(2)
    _text(
        pdf,
        _("Thank you for buying from the makers of %(cooperative)s.")
        % {"cooperative": sale.cooperative.name},
    )
    return bytes(pdf.output())


def _text(pdf: FPDF, text: str) -> None:
    pdf.multi_cell(0, LINE, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
