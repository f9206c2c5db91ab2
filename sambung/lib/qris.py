"""QRIS payment codes: check a cooperative's static code and turn it into a dynamic one for an order.

lokal-id (lokal.qris) reads the code; this module adds what it lacks: refusing a code a cooperative must not save,
setting the reference label (tag 62, sub-tag 05), dropping buyer-paid fees (tags 55-57) and drawing the code as
SVG. Codes are always rebuilt from parsed fields, never string-replaced: "010211" or "6304" may sit inside a
merchant name. See DESIGN.md §6.
"""

import re

import segno
from django.utils.translation import gettext as _
from lokal.qris import QrisInfo, parse_qris, qris_crc

from sambung.lib.money import format_rupiah

QRIS_MAX_AMOUNT = 10_000_000  # Rupiah: Bank Indonesia's cap per QRIS transaction.
QRIS_REFERENCE = re.compile(r"[A-Za-z0-9-]{1,25}")

NATIONAL_ACCOUNT = "ID.CO.QRIS.WWW"  # the GUI of the tag 26-51 account that makes an EMV code a QRIS one
FEE_TAGS = ("55", "56", "57")  # tip or convenience fee: a merchant may never pass the fee on to the buyer
CRC_FIELD = re.compile(r"6304[0-9A-Fa-f]{4}\Z")
SVG_SIZE = 240  # pixels, quiet zone included: big enough for a phone camera, small enough for a phone screen
SVG_BORDER = 4  # modules of quiet zone, as the QR standard asks


class InvalidQris(ValueError):
    """A QRIS code, amount or reference that cannot be used; the message says what is wrong."""


def validate_static_qris(payload: str) -> QrisInfo:
    """Return the parsed static QRIS code, or raise InvalidQris saying why it cannot be saved."""
    text = payload.strip()
    if not text.startswith("000201"):
        raise InvalidQris(
            _(
                "This is not a QRIS code: a QRIS code begins with 000201. A web address or other text will not do."
            )
        )
    info = parse_qris(text)
    codes = [issue.code for issue in info.errors]
    if ("format" in codes or "crc_missing" in codes) and not CRC_FIELD.search(text):
        raise InvalidQris(
            _(
                "The QRIS code is cut off: it does not end with its check digits (tag 63). Copy the whole code."
            )
        )
    if "crc" in codes:
        raise InvalidQris(_("The QRIS code's check digits (CRC) do not match: it was copied wrongly."))
    if info.errors:
        raise InvalidQris(_issue_message(codes[0], info.errors[0].message))
    if not any((account.gui or "").upper() == NATIONAL_ACCOUNT for account in info.accounts):
        raise InvalidQris(
            _(
                "This payment code is not QRIS: it has no national QRIS merchant account (ID.CO.QRIS.WWW). "
                "Use the QRIS code from the cooperative's bank."
            )
        )
    if info.type != "static":
        raise InvalidQris(
            _(
                "This QRIS code is not a static one (tag 01 must be 11): it was made for a single payment. "
                "Use the cooperative's static code, the one printed for the counter."
            )
        )
    if info.amount is not None:
        raise InvalidQris(
            _("This QRIS code already carries an amount (tag 54). Use the static code, which has none.")
        )
    return info


def make_dynamic_qris(static_payload: str, *, amount: int, reference: str = "") -> str:
    """Return the static QRIS code as a dynamic one for this amount and, if given, this reference."""
    info = validate_static_qris(static_payload)
    _check_amount(amount)
    if reference and not QRIS_REFERENCE.fullmatch(reference):
        raise InvalidQris(
            _(
                "The payment reference must be 1 to 25 letters, digits or hyphens (-), without spaces: %(reference)s"
            )
            % {"reference": reference}
        )
    fields = [(field.tag, field.value) for field in info.fields if field.tag not in (*FEE_TAGS, "63")]
    fields = _with_field(fields, "01", "12")
    fields = _with_field(fields, "54", str(amount))
    if reference:
        additional = next((field for field in info.fields if field.tag == "62"), None)
        subfields = [(sub.tag, sub.value) for sub in (additional.children or [])] if additional else []
        additional_data = _encode(_with_field(subfields, "05", reference))
        if len(additional_data) > 99:
            raise InvalidQris(
                _(
                    "The payment reference does not fit in this QRIS code: its additional data (tag 62) would "
                    "pass 99 characters. Use a shorter reference."
                )
            )
        fields = _with_field(fields, "62", additional_data)
    body = _encode(fields) + "6304"
    return body + qris_crc(body)


def qris_svg(payload: str) -> str:
    """Return the QRIS code as an inline SVG of about 240 pixels, dark on a white quiet zone."""
    # error="m" is the least correction used; segno raises it when the code stays the same size.
    code = segno.make(payload, error="m", micro=False)
    width, _height = code.symbol_size(scale=1, border=SVG_BORDER)
    scale = max(1, round(SVG_SIZE / width))
    # A white background keeps the code scannable on a dark page.
    return code.svg_inline(scale=scale, border=SVG_BORDER, light="#fff", svgclass=None, lineclass=None)


def _check_amount(amount: int) -> None:
    """Raise InvalidQris unless the amount is whole rupiah from 1 to QRIS_MAX_AMOUNT."""
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise InvalidQris(_("The amount must be a whole number of rupiah, without decimals."))
    if amount < 1:
        raise InvalidQris(_("The amount must be at least Rp 1."))
    if amount > QRIS_MAX_AMOUNT:
        raise InvalidQris(
            _("The amount %(amount)s is above %(maximum)s, Bank Indonesia's cap for one QRIS payment.")
            % {"amount": format_rupiah(amount), "maximum": format_rupiah(QRIS_MAX_AMOUNT)}
        )


def _with_field(fields: list[tuple[str, str]], tag: str, value: str) -> list[tuple[str, str]]:
    """Return the fields with this tag set: replaced where it stands, else inserted in tag order."""
    if any(field_tag == tag for field_tag, _value in fields):
        return [(field_tag, value if field_tag == tag else old) for field_tag, old in fields]
    at = next((i for i, (field_tag, _value) in enumerate(fields) if field_tag > tag), len(fields))
    return [*fields[:at], (tag, value), *fields[at:]]


def _encode(fields: list[tuple[str, str]]) -> str:
    """Write the fields as TLV text: two digits of tag, two digits of length, then the value."""
    return "".join(f"{tag}{len(value):02d}{value}" for tag, value in fields)


def _issue_message(code: str, detail: str) -> str:
    """Return a plain message for one of lokal's QRIS issue codes (lokal's own, in Indonesian, otherwise)."""
    messages = {
        "format": _("The QRIS code is garbled: its fields cannot be read. Copy the whole code again."),
        "duplicate": _("The QRIS code has a field twice: it was joined or copied wrongly."),
        "merchant_account": _("The QRIS code names no merchant account (tags 26 to 51)."),
        "mcc": _("The QRIS code lacks its four-digit merchant category (tag 52)."),
        "currency": _("The QRIS code is not in rupiah (tag 53 must be 360)."),
        "amount": _("The QRIS code's amount (tag 54) is not a number."),
        "tip": _("The QRIS code's fee fields (tags 55 to 57) do not agree."),
        "country": _("The QRIS code is not an Indonesian one (tag 58 must be ID)."),
        "merchant_name": _("The QRIS code's merchant name (tag 59) is missing or longer than 25 characters."),
        "merchant_city": _("The QRIS code's merchant city (tag 60) is missing or longer than 15 characters."),
    }
    return messages.get(code) or _("The QRIS code is not valid: %(detail)s") % {"detail": detail}
