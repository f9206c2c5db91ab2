"""Reading the stall's sale form and the rights form: plain POST fields, checked here, priced by the server."""

import re
import uuid
from dataclasses import dataclass

from django.utils.translation import gettext as _

from sambung.inventory.models import Channel
from sambung.pos.models import PaymentMethod
from sambung.pos.queries import stall_levels
from sambung.pos.rights import RightsError
from sambung.pos.sales import MAX_QUANTITY, SaleItem, SaleRefused

PICK = re.compile(r"q(\d{1,18})")  # q<stock level id>: how many of that slot's units the buyer takes
UNITS = re.compile(r"units-([0-9a-f-]{36})")  # units-<SKU id> on the rights form
MONEY_NOISE = re.compile(r"[\s.]|^rp", re.IGNORECASE)  # "Rp 3.000.000" is 3000000


@dataclass
class SaleForm:
    """The sale as posted: which slots and how many, how the buyer pays. Prices are never read from it."""

    sale_id: uuid.UUID
    picks: dict[int, int]
    payment_method: str
    cash_received: int | None
    buyer_phone: str


def parse_uuid(raw: str | None) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(raw or ""))
    except ValueError:
        return None


def parse_whole(raw: str, *, maximum: int, message: str) -> int:
    """Return a whole number from 0 to maximum written as digits (empty = 0), or raise SaleRefused(message)."""
    text = (raw or "").strip()
    if not text:
        return 0
    if not text.isdigit() or len(text) > 15 or int(text) > maximum:
        raise SaleRefused(message)
    return int(text)


def parse_sale(post) -> SaleForm:
    """Read the sale form, or raise SaleRefused saying what to correct."""
    sale_id = parse_uuid(post.get("sale_id"))
    if sale_id is None or sale_id.version != 7:  # the page draws a UUIDv7 for every new sale
        raise SaleRefused(_("This sale form is incomplete. Open the stall page again."))
    picks = {}
    for key in post:
        match = PICK.fullmatch(key)
        if match:
            quantity = parse_whole(
                post.get(key),
                maximum=MAX_QUANTITY,
                message=_("Quantities are whole numbers from 0 to %(max)s.") % {"max": MAX_QUANTITY},
            )
            if quantity:
                picks[int(match.group(1))] = quantity
    cash_text = MONEY_NOISE.sub("", post.get("cash_received", ""))
    cash = None
    if cash_text:
        cash = parse_whole(
            cash_text,
            maximum=10**12,
            message=_("Write the cash received in whole rupiah, e.g. 300000 or 300.000."),
        )
    return SaleForm(
        sale_id=sale_id,
        picks=picks,
        payment_method=post.get("payment_method", PaymentMethod.CASH),
        cash_received=cash,
        buyer_phone=post.get("buyer_phone", "")[:40],
    )


def sale_items(form: SaleForm, channel: Channel) -> list[SaleItem]:
    """Return the picked slots as sale items; a slot that is not this stall's is refused."""
    if not form.picks:
        raise SaleRefused(_("Pick at least one piece or unit to sell."))
    levels = {level.pk: level for level in stall_levels(channel).filter(pk__in=list(form.picks))}
    if set(levels) != set(form.picks):
        raise SaleRefused(_("Something you picked is not sold at this stall. Open the stall page again."))
    return [
        SaleItem(sku=level.sku, location=level.location, piece=level.piece, quantity=form.picks[level.pk])
        for level in sorted(levels.values(), key=lambda level: level.pk)
    ]


def parse_units(post) -> dict[uuid.UUID, int]:
    """Read units-<SKU id> fields of the rights form: {SKU id: units to move}, zeros left out."""
    units = {}
    for key in post:
        match = UNITS.fullmatch(key)
        if match:
            try:
                quantity = parse_whole(
                    post.get(key),
                    maximum=9999,
                    message=_("Numbers of units are whole numbers from 0 to 9999."),
                )
            except SaleRefused as error:
                raise RightsError(str(error)) from None
            sku_id = parse_uuid(match.group(1))
            if quantity and sku_id:
                units[sku_id] = quantity
    return units
