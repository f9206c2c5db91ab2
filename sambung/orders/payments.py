"""The only writer of a cooperative's payment details: its static QRIS code and its bank account.

Payment is the centre's (orders.routing): buyers pay the cooperative. The details are set at the centre and
reach the hubs as the cooperative's row, so a hub's market stall shows the current QRIS; a hub does not change
them (its change would never reach the centre, which owns the row).
"""

import re

from django.db import transaction
from django.utils.translation import gettext as _

from sambung.catalog.models import Cooperative
from sambung.lib.qris import validate_static_qris
from sambung.sync import outbox
from sambung.sync.node import is_hub

# Digits, with the dots, dashes and spaces banks print between groups: 001.02.03.004567-8.
ACCOUNT_NUMBER = re.compile(r"\d[\d .-]{2,28}\d")


class InvalidPaymentDetails(ValueError):
    """Payment details that cannot be saved; the message says what to correct."""


def save_payment_details(
    *,
    cooperative: Cooperative,
    qris_static: str,
    bank_name: str,
    bank_account_number: str,
    bank_account_name: str,
) -> Cooperative:
    """Check and save how buyers pay the cooperative; raise InvalidQris or InvalidPaymentDetails and save nothing."""
    if is_hub():
        raise InvalidPaymentDetails(
            _("Payment details are set at the centre; they reach this hub at its next sync.")
        )
    qris_static = qris_static.strip()
    if qris_static:
        # A code that fails here would make every QRIS order fail at checkout: refuse it now.
        validate_static_qris(qris_static)
    bank = [bank_name.strip(), bank_account_number.strip(), bank_account_name.strip()]
    if any(bank) and not all(bank):
        raise InvalidPaymentDetails(
            _(
                "Fill in the bank, the account number and the account holder together, or leave all three empty."
            )
        )
    if bank[1] and not ACCOUNT_NUMBER.fullmatch(bank[1]):
        raise InvalidPaymentDetails(
            _("The account number may hold only digits, dots, dashes and spaces, e.g. 001.02.03.004567-8.")
        )
    fields = {
        "qris_static": qris_static,
        "bank_name": bank[0],
        "bank_account_number": bank[1],
        "bank_account_name": bank[2],
    }
    for name, value in fields.items():
        field = Cooperative._meta.get_field(name)
        if field.max_length and len(value) > field.max_length:
            raise InvalidPaymentDetails(
                _("%(field)s is too long: at most %(max)s characters.")
                % {"field": str(field.verbose_name).capitalize(), "max": field.max_length}
            )
    with transaction.atomic():
        Cooperative.objects.filter(pk=cooperative.pk).update(**fields)
        outbox.emit_rows("catalog.cooperative", Cooperative.objects.get(pk=cooperative.pk))
    for name, value in fields.items():
        setattr(cooperative, name, value)
    return cooperative
