"""The only writer of payouts: money paid to a maker, never more than she is owed."""

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sambung.catalog.models import Maker
from sambung.lib.money import MAX_PRICE, format_rupiah
from sambung.production.capacity import ProductionError
from sambung.production.models import Payout
from sambung.production.queries import owed_and_paid


def record_payout(
    *,
    maker: Maker,
    amount: int,
    paid_on: datetime.date,
    note: str = "",
    user=None,
    today: datetime.date | None = None,
) -> Payout:
    """Record a payment to the maker; refuse one larger than what the cooperative still owes her."""
    today = today or timezone.localdate()
    if not isinstance(amount, int) or not 0 < amount <= MAX_PRICE:
        raise ProductionError(_("Enter an amount of at least Rp 1."))
    if paid_on > today:
        raise ProductionError(_("That date is in the future."))
    with transaction.atomic():
        # PostgreSQL: payouts to one maker one at a time; SQLite's BEGIN IMMEDIATE already queues writers.
        Maker.objects.select_for_update().filter(pk=maker.pk).first()
        owed, paid = owed_and_paid(maker)
        if amount > owed - paid:
            raise ProductionError(
                _("%(amount)s is more than %(maker)s is owed: %(balance)s.")
                % {
                    "amount": format_rupiah(amount),
                    "maker": maker.name,
                    "balance": format_rupiah(owed - paid),
                }
            )
        return Payout.objects.create(
            maker=maker, amount=amount, paid_on=paid_on, note=note.strip()[:200], recorded_by=user
        )
