"""The only writer of shipping rates: a courier service's price from the cooperative to a zone."""

import re

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from sambung.lib.regions import region_name
from sambung.orders.models import ShippingRate
from sambung.sync import outbox

MAX_KG_PRICE = 10_000_000  # Rupiah per kg: more is a typing mistake, not a courier's price.
MAX_DAYS = 60  # in transit: more is a typing mistake.
ZONE_CODE = re.compile(r"\d{2}(\.\d{2})?")  # a province (53) or a regency (53.07)


class InvalidShippingRate(ValueError):
    """A rate that cannot be saved: `errors` maps each field to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__(" ".join(errors.values()))
        self.errors = errors


def destination_error(code: str) -> str:
    """Return why a destination code names no zone ('' when it is fine: empty means anywhere)."""
    if code == "":
        return ""
    if not ZONE_CODE.fullmatch(code):
        return _(
            "Enter a province code such as 53, a regency code such as 53.07, or leave it empty for anywhere."
        )
    if not region_name(code):
        return _("%(code)s is not a province or regency in the Kemendagri list.") % {"code": code}
    return ""


def shipping_rate_errors(rate: ShippingRate) -> dict[str, str]:
    """Return what is wrong with the rate, field by field (empty when it can be saved)."""
    errors: dict[str, str] = {}
    if not rate.courier:
        errors["courier"] = _("Enter the courier service, e.g. JNE REG.")
    elif len(rate.courier) > ShippingRate._meta.get_field("courier").max_length:
        errors["courier"] = _("The courier service's name is too long.")
    if message := destination_error(rate.destination):
        errors["destination"] = message
    for field in ("first_kg", "next_kg"):
        price = getattr(rate, field)
        if price is None or not 0 <= price <= MAX_KG_PRICE:
            errors[field] = _("Enter a price from Rp 0 to Rp 10.000.000.")
    for field in ("days_min", "days_max"):
        days = getattr(rate, field)
        if days is None or not 0 <= days <= MAX_DAYS:
            errors[field] = _("Enter a number of days from 0 to 60.")
    if not errors.keys() & {"days_min", "days_max"} and rate.days_min > rate.days_max:
        errors["days_max"] = _("The most days in transit cannot be fewer than the least.")
    if "courier" not in errors and "destination" not in errors:
        same_zone = ShippingRate.objects.filter(
            cooperative_id=rate.cooperative_id, courier=rate.courier, destination=rate.destination
        ).exclude(pk=rate.pk)
        if same_zone.exists():
            errors["destination"] = _(
                "%(courier)s already has a rate for this destination; change that one instead."
            ) % {"courier": rate.courier}
    return errors


def save_shipping_rate(*, rate: ShippingRate) -> ShippingRate:
    """Create or update a rate; raise InvalidShippingRate and save nothing if any field is wrong."""
    rate.courier = (rate.courier or "").strip()
    rate.destination = (rate.destination or "").strip()
    errors = shipping_rate_errors(rate)
    if errors:
        raise InvalidShippingRate(errors)
    try:
        with transaction.atomic():
            rate.save()
            outbox.emit_rows("catalog.shipping_rate", rate)
    except IntegrityError:
        # Another manager saved the same courier and zone a moment ago.
        raise InvalidShippingRate(
            {
                "destination": _("%(courier)s already has a rate for this destination.")
                % {"courier": rate.courier}
            }
        ) from None
    return rate


def deactivate_shipping_rate(*, rate: ShippingRate) -> ShippingRate:
    """Stop offering the rate at checkout; orders placed with it keep it."""
    with transaction.atomic():
        ShippingRate.objects.filter(pk=rate.pk).update(is_active=False)
        rate.is_active = False
        outbox.emit_rows("catalog.shipping_rate", rate)
    return rate
