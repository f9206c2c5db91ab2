"""WhatsApp numbers: read as people type them (0812…, +62 812-…, 62812…), stored in E.164 (+62812…)."""

import phonenumbers
from django.utils.translation import gettext as _

MOBILE_TYPES = {phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE}


class InvalidPhone(ValueError):
    pass


def normalize_whatsapp(raw: str) -> str:
    """Return the number in E.164, reading numbers without a country code as Indonesian; raise InvalidPhone."""
    text = (raw or "").strip()
    if len(text) > 30:
        raise InvalidPhone(_("That is too long for a phone number."))
    if text.startswith("62") and not text.startswith("+"):
        text = "+" + text
    try:
        number = phonenumbers.parse(text, "ID")
    except phonenumbers.NumberParseException:
        raise InvalidPhone(_("Enter a WhatsApp number such as 0812 3456 7890.")) from None
    if not phonenumbers.is_valid_number(number) or phonenumbers.number_type(number) not in MOBILE_TYPES:
        raise InvalidPhone(_("Enter a mobile number that has WhatsApp, such as 0812 3456 7890."))
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def wa_me_digits(e164: str) -> str:
    """Return the digits wa.me links want (no '+')."""
    return e164.lstrip("+")
