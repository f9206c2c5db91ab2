"""The only writer of stall sales: `record_stall_sale` takes the units out of the stall's slots and records the sale.

Prices come from the catalogue, never from the form. Units leave stock through inventory.ledger.move_stock from the
stall channel's `available` slot only, with the guarded UPDATE there: of two operators selling the last piece, one
records the sale and the other is told it is gone. The sale id comes from the form, so a double submit records
one sale. The sync layer emits its event from here, in the same transaction.
"""

import datetime
import uuid
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sambung.catalog.models import SKU, Location, Piece
from sambung.inventory.ledger import InsufficientStock, Slot, move_stock
from sambung.inventory.models import Channel, Position, StockMove
from sambung.lib import qris
from sambung.lib.ids import uuid7
from sambung.lib.money import format_rupiah
from sambung.lib.phones import InvalidPhone, normalize_whatsapp
from sambung.orders.cart import PricedLine
from sambung.pos.models import PaymentMethod, StallSale, StallSaleLine, sale_code

MAX_LINES = 50
MAX_QUANTITY = 999
# More change than this is a typing slip (an extra zero), not a buyer's banknotes.
MAX_CHANGE = 10_000_000


class SaleRefused(ValueError):
    """A sale that cannot be recorded; the message tells the operator what to do. Nothing was changed."""


@dataclass(frozen=True)
class SaleItem:
    """What the operator picked: a piece, or a number of units of a SKU, lying at a location."""

    sku: SKU
    location: Location
    quantity: int = 1
    piece: Piece | None = None
    # Given when a sale recorded at a hub is replayed on another node: its line id and the price it was sold at.
    # The stall's form never sets them: there the line id is new and the price is today's catalogue price.
    line_id: uuid.UUID | None = None
    sold_price: int | None = None

    @property
    def unit_price(self) -> int:
        return self.sold_price if self.sold_price is not None else self.sku.price

    @property
    def title(self) -> str:
        return PricedLine(self.sku, self.piece, self.quantity).title

    @property
    def line_total(self) -> int:
        return self.unit_price * self.quantity


def price_sale(*, channel: Channel, items: list[SaleItem]) -> int:
    """Return the sale's total at today's catalogue prices, or raise SaleRefused for items the stall may not sell."""
    if channel.kind != Channel.Kind.STALL:
        raise SaleRefused(_("Only a market stall records sales here."))
    if not items:
        raise SaleRefused(_("Pick at least one piece or unit to sell."))
    if len(items) > MAX_LINES:
        raise SaleRefused(_("A sale holds at most %(max)s lines.") % {"max": MAX_LINES})
    seen = set()
    for item in items:
        if isinstance(item.quantity, bool) or not isinstance(item.quantity, int):
            raise SaleRefused(_("Quantities are whole numbers."))
        if not 1 <= item.quantity <= MAX_QUANTITY:
            raise SaleRefused(
                _("The quantity of %(title)s must be a whole number from 1 to %(max)s.")
                % {"title": item.title, "max": MAX_QUANTITY}
            )
        cooperative_id = item.sku.product.cooperative_id
        if cooperative_id != channel.cooperative_id or item.location.cooperative_id != channel.cooperative_id:
            raise SaleRefused(_("%(title)s is not sold by this stall.") % {"title": item.title})
        if item.location.node_id != channel.node_id:
            raise SaleRefused(
                _("%(title)s lies at %(location)s: this stall sells only what lies at its own hub.")
                % {"title": item.title, "location": item.location.name}
            )
        if item.piece is not None and (item.piece.sku_id != item.sku.pk or item.quantity != 1):
            raise SaleRefused(
                _("A piece is sold on its own, one at a time: %(title)s.") % {"title": item.title}
            )
        if item.sold_price is not None and (
            isinstance(item.sold_price, bool) or not isinstance(item.sold_price, int) or item.sold_price < 1
        ):
            raise SaleRefused(_("%(title)s has no valid price.") % {"title": item.title})
        if item.piece is None and item.sku.is_unique:
            raise SaleRefused(_("%(title)s is one of a kind: pick the piece itself.") % {"title": item.title})
        key = (item.sku.pk, item.piece.pk if item.piece else None, item.location.pk)
        if key in seen:
            raise SaleRefused(_("%(title)s is picked twice.") % {"title": item.title})
        seen.add(key)
    return sum(item.line_total for item in items)


def check_payment(
    *, channel: Channel, total: int, payment_method: str, cash_received: int | None, sale_id: uuid.UUID
) -> str:
    """Return the dynamic QRIS code for a QRIS payment ('' for cash), or raise SaleRefused saying what is wrong."""
    if payment_method == PaymentMethod.CASH:
        if cash_received is None:
            raise SaleRefused(_("Enter the cash the buyer gave."))
        if cash_received < total:
            raise SaleRefused(
                _("The buyer gave %(received)s; the total is %(total)s. %(missing)s is missing.")
                % {
                    "received": format_rupiah(cash_received),
                    "total": format_rupiah(total),
                    "missing": format_rupiah(total - cash_received),
                }
            )
        if cash_received - total > MAX_CHANGE:
            raise SaleRefused(
                _("%(received)s for a total of %(total)s? Check the cash received.")
                % {"received": format_rupiah(cash_received), "total": format_rupiah(total)}
            )
        return ""
    if payment_method == PaymentMethod.QRIS:
        static = channel.cooperative.qris_static
        if not static:
            raise SaleRefused(
                _("The cooperative has no QRIS code yet: take cash, or ask the manager to add it.")
            )
        try:
            return qris.make_dynamic_qris(static, amount=total, reference=sale_code(sale_id))
        except qris.InvalidQris as error:
            raise SaleRefused(str(error)) from None
    raise SaleRefused(_("Choose how the buyer pays: cash or QRIS."))


def record_stall_sale(
    *,
    sale_id: uuid.UUID,
    channel: Channel,
    items: list[SaleItem],
    payment_method: str,
    cash_received: int | None = None,
    buyer_phone: str = "",
    user=None,
    sold_at=None,
) -> StallSale:
    """Sell the items at the stall: take them out of its slots and record the sale; a sale id seen before is returned."""
    existing = StallSale.objects.filter(pk=sale_id).first()
    if existing is not None:
        return _same_sale(existing, channel)
    total = price_sale(channel=channel, items=items)
    if payment_method == PaymentMethod.QRIS:
        cash_received = None
    qris_payload = check_payment(
        channel=channel,
        total=total,
        payment_method=payment_method,
        cash_received=cash_received,
        sale_id=sale_id,
    )
    phone = ""
    if buyer_phone.strip():
        try:
            phone = normalize_whatsapp(buyer_phone)
        except InvalidPhone as error:
            raise SaleRefused(str(error)) from None
    try:
        with transaction.atomic():
            sale = StallSale.objects.create(
                id=sale_id,
                cooperative=channel.cooperative,
                channel=channel,
                payment_method=payment_method,
                total=total,
                cash_received=cash_received,
                qris_payload=qris_payload,
                buyer_phone=phone,
                sold_by=user,
                sold_at=sold_at or timezone.now(),
            )
            for item in items:
                _sell_item(sale, item, user)
            # Hub sync writes its outbox event (stall_sale_payload(sale)) here, in this same transaction.
    except IntegrityError:
        # The same form submitted twice at once: the other submit recorded it first.
        existing = StallSale.objects.filter(pk=sale_id).first()
        if existing is None:
            raise
        return _same_sale(existing, channel)
    return sale


def _sell_item(sale: StallSale, item: SaleItem, user) -> StallSaleLine:
    line_id = item.line_id or uuid7()
    try:
        move = move_stock(
            sku=item.sku,
            piece=item.piece,
            location=item.location,
            quantity=item.quantity,
            source=Slot(Position.AVAILABLE, sale.channel),
            target=None,
            reason=StockMove.Reason.SALE,
            reference=sale.code,
            move_id=line_id,
            node=sale.channel.node,
            user=user,
        )
    except InsufficientStock as error:
        if item.piece is not None or error.available == 0:
            message = _(
                "%(title)s is no longer at this stall: it was sold a moment ago, or its selling rights went back "
                "to the online store. Nothing was recorded."
            ) % {"title": item.title}
        else:
            message = _(
                "Only %(available)s of %(title)s left at this stall; you asked for %(requested)s. Nothing was "
                "recorded."
            ) % {"available": error.available, "title": item.title, "requested": item.quantity}
        raise SaleRefused(message) from None
    return StallSaleLine.objects.create(
        id=line_id,
        sale=sale,
        sku=item.sku,
        piece=item.piece,
        location=item.location,
        title=item.title[:240],
        quantity=item.quantity,
        unit_price=item.unit_price,
        move=move,
    )


def _same_sale(sale: StallSale, channel: Channel) -> StallSale:
    if sale.channel_id != channel.pk:
        raise SaleRefused(_("This sale number was already used at another stall. Start a new sale."))
    return sale


def stall_sale_payload(sale: StallSale) -> dict:
    """Return the sale as a JSON-able dict that `apply_stall_sale` records again on another node."""
    return {
        "id": str(sale.pk),
        "channel": str(sale.channel_id),
        "payment_method": sale.payment_method,
        "cash_received": sale.cash_received,
        "buyer_phone": sale.buyer_phone,
        "sold_at": sale.sold_at.isoformat(),
        "lines": [
            {
                "id": str(line.pk),
                "sku": str(line.sku_id),
                "piece": str(line.piece_id) if line.piece_id else None,
                "location": str(line.location_id),
                "quantity": line.quantity,
                "unit_price": line.unit_price,
            }
            for line in sale.lines.order_by("id")
        ],
    }


def apply_stall_sale(payload: dict) -> StallSale:
    """Record a sale made on another node from its payload, with its ids and prices; a sale held already is returned.

    A row the payload names but this node lacks raises the model's DoesNotExist (it may arrive later); a sale the
    stall cannot make here (its units gone) raises SaleRefused.
    """
    sale_id = uuid.UUID(payload["id"])
    existing = StallSale.objects.filter(pk=sale_id).first()
    if existing is not None:
        return existing
    channel = Channel.objects.select_related("cooperative", "node").get(pk=payload["channel"])
    items = [
        SaleItem(
            sku=SKU.objects.select_related("product").get(pk=line["sku"]),
            piece=Piece.objects.get(pk=line["piece"]) if line["piece"] else None,
            location=Location.objects.get(pk=line["location"]),
            quantity=line["quantity"],
            line_id=uuid.UUID(line["id"]),
            sold_price=line["unit_price"],
        )
        for line in payload["lines"]
    ]
    return record_stall_sale(
        sale_id=sale_id,
        channel=channel,
        items=items,
        payment_method=payload["payment_method"],
        cash_received=payload["cash_received"],
        buyer_phone=payload["buyer_phone"],
        sold_at=datetime.datetime.fromisoformat(payload["sold_at"]),
    )
