"""Printable documents of an order as PDF: the packing slip for whoever packs, the invoice for the buyer.

Rendered with fpdf2's core fonts (Helvetica), which need no font files but cover Latin-1 only: every text goes
through `latin1()`, so a typographic apostrophe or dash in a title cannot break the page.
"""

import unicodedata

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from sambung.catalog.models import Cooperative
from sambung.lib.money import format_rupiah
from sambung.lib.regions import get_village
from sambung.orders import made_to_order
from sambung.orders.models import Order, OrderEvent, OrderStatus, PaymentMethod

FONT = "Helvetica"
LINE = 5.5  # mm per line of 10-point text
# Characters outside Latin-1 that have a plain equivalent; anything else is decomposed or becomes "?".
PLAIN = str.maketrans(
    {
        "‘": "'",
        "’": "'",
        "‚": ",",
        "“": '"',
        "”": '"',
        "„": '"',
        "–": "-",
        "—": "-",
        "‐": "-",
        "−": "-",
        "…": "...",
        "•": "-",
        "→": "->",
        "€": "EUR",
        "\u00a0": " ",
        "\u202f": " ",
    }
)


def latin1(text: object) -> str:
    """Return the text with every character a core PDF font can draw (Latin-1)."""
    plain = str(text).translate(PLAIN)
    out = []
    for char in plain:
        if ord(char) < 256:
            out.append(char)
            continue
        # ā → a, ő → o: keep the letter, drop the accent Latin-1 lacks.
        base = "".join(c for c in unicodedata.normalize("NFKD", char) if ord(c) < 256)
        out.append(base or "?")
    return "".join(out)


def packing_slip_pdf(order: Order, *, compress: bool = True) -> bytes:
    """Return the packing slip: where the parcel goes, by when, and which pieces from which shelf; no prices."""
    pdf = _document(order, _("Packing slip"), compress)
    pdf.set_font(FONT, "B", 12)
    _line(pdf, _("Ship by %(date)s") % {"date": _date(order.promised_ship_by)})
    pdf.set_font(FONT, "", 10)
    _line(
        pdf,
        _("Courier service: %(courier)s, %(kg)s kg")
        % {"courier": order.shipping_rate.courier, "kg": order.shipping_weight_kg},
    )
    pdf.ln(3)
    top = pdf.get_y()
    half = pdf.epw / 2
    _block(pdf, _("To"), _buyer_lines(order, with_email=False), x=pdf.l_margin, width=half - 4)
    bottom = pdf.get_y()
    pdf.set_y(top)
    _block(pdf, _("From"), _cooperative_lines(order.cooperative), x=pdf.l_margin + half, width=half)
    pdf.set_y(max(bottom, pdf.get_y()) + 4)
    pdf.set_font(FONT, "", 9)  # a piece code such as SARUNG-MATA-MANUK-INDIGO-01 fits on one line
    lines = order.lines.select_related("piece", "location").order_by("location__name", "title")
    with pdf.table(
        col_widths=(7, 48, 57, 8, 30), text_align=("CENTER", "LEFT", "LEFT", "RIGHT", "LEFT")
    ) as table:
        _row(table, ["", _("Item"), _("Piece code"), _("Qty"), _("Take from")])
        for line in lines:
            piece = line.piece.code if line.piece else "-"
            location = line.location.name
            if line.made_to_order:  # the pieces made for the line, wherever they were delivered
                made = made_to_order.made_pieces(line)
                piece = ", ".join(m.piece.code for m in made) or "-"
                location = ", ".join(sorted({m.location.name for m in made})) or location
            _row(table, ["[  ]", line.title, piece, str(line.quantity), location])
    pdf.ln(6)
    pdf.set_font(FONT, "", 10)
    _line(pdf, _("Packed by: ____________________    Date: ____________"))
    return bytes(pdf.output())


def invoice_pdf(order: Order, *, compress: bool = True) -> bytes:
    """Return the invoice: who sells, what, for how much, how to pay and whether it is paid."""
    cooperative = order.cooperative
    pdf = _document(order, _("Invoice"), compress)
    pdf.set_font(FONT, "", 10)
    _line(pdf, _("Date: %(date)s") % {"date": _date(timezone.localtime(order.created_at).date())})
    paid = next((event for event in order.events.all() if event.kind == OrderEvent.Kind.PAID), None)
    pdf.set_font(FONT, "B", 12)
    if paid is not None:
        _line(pdf, _("PAID on %(date)s") % {"date": _date(timezone.localtime(paid.created_at).date())})
    elif order.status == OrderStatus.AWAITING_PAYMENT:
        _line(
            pdf, _("NOT PAID YET: please pay by %(date)s") % {"date": _date(timezone.localtime(order.pay_by))}
        )
    else:
        _line(pdf, _("NOT PAID"))
    pdf.set_font(FONT, "", 10)
    _line(pdf, _("Order status: %(status)s") % {"status": order.get_status_display()})
    pdf.ln(3)
    top = pdf.get_y()
    half = pdf.epw / 2
    _block(pdf, _("Seller"), _cooperative_lines(cooperative), x=pdf.l_margin, width=half - 4)
    bottom = pdf.get_y()
    pdf.set_y(top)
    _block(pdf, _("Bill to"), _buyer_lines(order, with_email=True), x=pdf.l_margin + half, width=half)
    pdf.set_y(max(bottom, pdf.get_y()) + 4)
    pdf.set_font(FONT, "", 10)
    with pdf.table(col_widths=(88, 12, 40, 40), text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT")) as table:
        _row(table, [_("Item"), _("Qty"), _("Unit price"), _("Amount")])
        for line in order.lines.order_by("title"):
            _row(
                table,
                [
                    line.title,
                    str(line.quantity),
                    format_rupiah(line.unit_price),
                    format_rupiah(line.line_total),
                ],
            )
    pdf.ln(3)
    totals = [
        (_("Subtotal"), format_rupiah(order.subtotal)),
        (
            _("Shipping (%(courier)s, %(kg)s kg)")
            % {"courier": order.shipping_rate.courier, "kg": order.shipping_weight_kg},
            format_rupiah(order.shipping_cost),
        ),
        (_("Total"), format_rupiah(order.total)),
    ]
    if order.unique_code:
        totals.append((_("Unique transfer code"), format_rupiah(order.unique_code)))
    totals.append((_("Amount due"), format_rupiah(order.amount_due)))
    for index, (label, amount) in enumerate(totals):
        is_last = index == len(totals) - 1
        pdf.set_font(FONT, "B" if is_last else "", 11 if is_last else 10)
        pdf.set_x(pdf.l_margin + pdf.epw * 0.35)
        pdf.cell(pdf.epw * 0.43, LINE + 1, latin1(label), align="R")
        pdf.cell(pdf.epw * 0.22, LINE + 1, latin1(amount), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)
    pdf.set_font(FONT, "B", 10)
    _line(pdf, _("Payment method: %(method)s") % {"method": order.get_payment_method_display()})
    pdf.set_font(FONT, "", 10)
    # How to pay matters only while the payment is awaited.
    is_awaited = paid is None and order.status == OrderStatus.AWAITING_PAYMENT
    if is_awaited and order.payment_method == PaymentMethod.BANK_TRANSFER and cooperative.bank_account_number:
        _line(
            pdf,
            _("Transfer exactly %(amount)s to %(bank)s %(number)s, account holder %(holder)s.")
            % {
                "amount": format_rupiah(order.amount_due),
                "bank": cooperative.bank_name,
                "number": cooperative.bank_account_number,
                "holder": cooperative.bank_account_name,
            },
        )
        _line(pdf, _("The unique code in the amount tells us your transfer apart from others."))
    elif is_awaited and order.payment_method == PaymentMethod.QRIS:
        _line(pdf, _("Pay with the QRIS code on your order page; it carries the exact amount and this code."))
    return bytes(pdf.output())


def _document(order: Order, title: str, compress: bool) -> FPDF:
    pdf = FPDF(format="A4")
    pdf.set_compression(compress)
    pdf.set_margins(15, 15, 15)
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.set_title(latin1(f"{title} {order.code}"))
    pdf.set_author(latin1(order.cooperative.name))
    pdf.set_creator("Sambung")
    pdf.add_page()
    pdf.set_font(FONT, "", 10)
    _line(pdf, order.cooperative.name)
    pdf.set_font(FONT, "B", 20)
    pdf.cell(0, 10, latin1(f"{title} {order.code}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return pdf


def _line(pdf: FPDF, text: str) -> None:
    pdf.multi_cell(0, LINE, latin1(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _block(pdf: FPDF, heading: str, lines: list[str], *, x: float, width: float) -> None:
    pdf.set_x(x)
    pdf.set_font(FONT, "B", 10)
    pdf.cell(width, LINE, latin1(heading), new_x=XPos.LEFT, new_y=YPos.NEXT)
    pdf.set_font(FONT, "", 10)
    for text in lines:
        pdf.set_x(x)
        pdf.multi_cell(width, LINE, latin1(text), new_x=XPos.LEFT, new_y=YPos.NEXT)


def _row(table, cells: list[str]) -> None:
    row = table.row()
    for text in cells:
        row.cell(latin1(text))


def _date(value) -> str:
    return date_format(value, "j F Y")


def _place_lines(village_code: str, postal_code: str) -> list[str]:
    """Return the village, district, regency and province with the postal code, as on an envelope."""
    village = get_village(village_code)
    if village is None:
        return [postal_code] if postal_code else []
    return [
        _("%(village)s, district %(district)s") % {"village": village.name, "district": village.district},
        f"{village.regency}, {village.province} {postal_code or village.postal_code}".strip(),
    ]


def _buyer_lines(order: Order, *, with_email: bool) -> list[str]:
    lines = [order.buyer_name, order.buyer_phone]
    if with_email and order.buyer_email:
        lines.append(order.buyer_email)
    return [*lines, order.address, *_place_lines(order.village_code, order.postal_code)]


def _cooperative_lines(cooperative: Cooperative) -> list[str]:
    village = get_village(cooperative.village_code)
    lines = [cooperative.name]
    if cooperative.address:
        lines.append(cooperative.address)
    lines += _place_lines(cooperative.village_code, village.postal_code if village else "")
    contact = " · ".join(filter(None, [cooperative.whatsapp, cooperative.email]))
    return [*lines, contact] if contact else lines
