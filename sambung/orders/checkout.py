"""From cart to order: hold the units, then commit them to an order with server-computed prices.

Every unit goes through inventory.ledger: `available → reserved` when checkout starts, `reserved → committed`
when the order is placed. A checkout gives at most one order, however often the form is submitted.
"""

import datetime
import secrets
from dataclasses import dataclass

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sambung.catalog.models import Cooperative
from sambung.inventory.ledger import InsufficientStock, Slot, move_stock
from sambung.inventory.models import Position, StockLevel, StockMove
from sambung.inventory.stock import web_store
from sambung.lib import qris
from sambung.lib.regions import get_village
from sambung.lib.shipping import Parcel, chargeable_kg, shipping_price
from sambung.orders import fulfilment, notifications
from sambung.orders.cart import PricedLine
from sambung.orders.models import (
    Checkout,
    Hold,
    Order,
    OrderEvent,
    OrderLine,
    PaymentMethod,
    ShippingRate,
)
from sambung.sync import outbox

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTVWXYZ"  # no 0/O, 1/I/L: read aloud over WhatsApp without mistakes


class CheckoutError(ValueError):
    """Something the buyer can act on; the message says what."""


class SoldOut(CheckoutError):
    pass


class HoldExpired(CheckoutError):
    pass


@dataclass(frozen=True)
class Buyer:
    name: str
    phone: str  # E.164, already validated
    email: str
    address: str
    village_code: str


def start_checkout(*, cooperative: Cooperative, lines: list[PricedLine]) -> Checkout:
    """Hold every unit of the cart for the checkout's time limit, or raise SoldOut and hold nothing."""
    if not lines:
        raise CheckoutError(_("Your cart is empty."))
    if any(line.sku.product.cooperative_id != cooperative.pk for line in lines):
        raise CheckoutError(_("A cart holds the goods of one cooperative at a time."))
    # Without a scheduler (a village hub, the demo) lapsed holds and unpaid orders still give their units back.
    release_expired_checkouts(cooperative=cooperative)
    fulfilment.expire_unpaid_orders(cooperative=cooperative)
    channel = web_store(cooperative)
    with transaction.atomic():
        checkout = Checkout.objects.create(
            cooperative=cooperative,
            expires_at=timezone.now() + datetime.timedelta(minutes=settings.CHECKOUT_HOLD_MINUTES),
        )
        for line in lines:
            _hold_line(checkout, line, channel)
    return checkout


def _hold_line(checkout: Checkout, line: PricedLine, channel) -> None:
    """Reserve a line's units, from as many locations as it takes (most stocked first)."""
    remaining = line.quantity
    levels = StockLevel.objects.filter(
        sku=line.sku, piece=line.piece, channel=channel, position=Position.AVAILABLE, quantity__gt=0
    ).select_related("location", "location__node")
    for level in levels.order_by("-quantity", "location__name"):
        take = min(remaining, level.quantity)
        try:
            move_stock(
                sku=line.sku,
                piece=line.piece,
                location=level.location,
                quantity=take,
                source=Slot(Position.AVAILABLE, channel),
                target=Slot(Position.RESERVED, channel),
                reason=StockMove.Reason.HOLD,
                reference=str(checkout.pk),
                node=channel.node,
            )
        except InsufficientStock:
            continue  # another buyer took these units a moment ago; try the next location
        Hold.objects.create(
            checkout=checkout,
            sku=line.sku,
            piece=line.piece,
            location=level.location,
            channel=channel,
            quantity=take,
        )
        remaining -= take
        if remaining == 0:
            return
    available = line.quantity - remaining
    if line.piece or available == 0:
        raise SoldOut(_("Sold out: %(title)s. Someone else has just bought it.") % {"title": line.title})
    raise SoldOut(
        _("Only %(available)s of %(title)s left; you asked for %(requested)s.")
        % {"available": available, "title": line.title, "requested": line.quantity}
    )


def release_checkout(*, checkout: Checkout) -> None:
    """Give a checkout's held units back for sale (the buyer left, or the time ran out)."""
    with transaction.atomic():
        if not Checkout.objects.filter(pk=checkout.pk, status=Checkout.Status.OPEN).update(
            status=Checkout.Status.RELEASED
        ):
            return  # already placed or released
        for hold in checkout.holds.select_related("channel__node"):
            move_stock(
                sku=hold.sku,
                piece=hold.piece,
                location=hold.location,
                quantity=hold.quantity,
                source=Slot(Position.RESERVED, hold.channel),
                target=Slot(Position.AVAILABLE, hold.channel),
                reason=StockMove.Reason.RELEASE_HOLD,
                reference=str(checkout.pk),
                node=hold.channel.node,
            )


def release_expired_checkouts(*, cooperative: Cooperative | None = None, now=None) -> int:
    """Release every open checkout past its time limit; return how many."""
    expired = Checkout.objects.filter(status=Checkout.Status.OPEN, expires_at__lt=now or timezone.now())
    if cooperative is not None:
        expired = expired.filter(cooperative=cooperative)
    count = 0
    for checkout in expired:
        release_checkout(checkout=checkout)
        count += 1
    return count


def quote_shipping(*, checkout: Checkout, village_code: str) -> list[tuple[ShippingRate, int, int]]:
    """Return (rate, chargeable kg, price) for each courier service that reaches the village, cheapest first."""
    kg = chargeable_kg(
        [
            Parcel(
                weight_g=hold.sku.product.weight_g or 500,
                length_cm=hold.sku.product.length_cm or 1,
                width_cm=hold.sku.product.width_cm or 1,
                height_cm=hold.sku.product.height_cm or 1,
                quantity=hold.quantity,
            )
            for hold in checkout.holds.select_related("sku__product")
        ]
    )
    # Per courier, the most specific zone wins: a regency's rate over its province's over "anywhere".
    best: dict[str, ShippingRate] = {}
    rates = ShippingRate.objects.filter(cooperative=checkout.cooperative, is_active=True)
    for rate in sorted(rates, key=lambda rate: len(rate.destination)):
        if village_code.startswith(rate.destination):
            best[rate.courier] = rate
    quotes = [
        (rate, kg, shipping_price(kg=kg, first_kg=rate.first_kg, next_kg=rate.next_kg))
        for rate in best.values()
    ]
    return sorted(quotes, key=lambda quote: (quote[2], quote[0].courier))


def place_order(
    *, checkout: Checkout, buyer: Buyer, shipping_rate: ShippingRate, payment_method: str, now=None
) -> Order:
    """Turn a checkout's held units into an order; a checkout already placed returns its order unchanged."""
    now = now or timezone.now()
    existing = Order.objects.filter(checkout=checkout).first()
    if existing is not None:
        return existing
    if checkout.status != Checkout.Status.OPEN or checkout.expires_at < now:
        raise HoldExpired(
            _(
                "Your reservation ran out after %(minutes)s minutes. Check out again to see what is still available."
            )
            % {"minutes": settings.CHECKOUT_HOLD_MINUTES}
        )
    village = get_village(buyer.village_code)
    if village is None:
        raise CheckoutError(_("Choose the village of the delivery address."))
    holds = list(checkout.holds.select_related("sku__product", "piece", "location", "channel__node"))
    quote = next(
        (q for q in quote_shipping(checkout=checkout, village_code=village.code) if q[0] == shipping_rate),
        None,
    )
    if quote is None:
        raise CheckoutError(_("This courier service does not deliver to that village; choose another."))
    kg, shipping_cost = quote[1], quote[2]
    subtotal = sum(hold.sku.price * hold.quantity for hold in holds)
    total = subtotal + shipping_cost
    if payment_method == PaymentMethod.QRIS:
        if not checkout.cooperative.qris_static:
            raise CheckoutError(_("This cooperative does not accept QRIS yet; choose bank transfer."))
        if total > qris.QRIS_MAX_AMOUNT:
            raise CheckoutError(
                _("QRIS payments are limited to Rp 10.000.000; choose bank transfer for this order.")
            )
    elif payment_method != PaymentMethod.BANK_TRANSFER:
        raise CheckoutError(_("Choose how you will pay."))
    ship_by = {hold.pk: now.date() + datetime.timedelta(days=hold.location.days_to_pack) for hold in holds}
    try:
        with transaction.atomic():
            # The guarded claim: of two submits of one checkout, only one gets past this line.
            claimed = Checkout.objects.filter(pk=checkout.pk, status=Checkout.Status.OPEN).update(
                status=Checkout.Status.PLACED
            )
            if not claimed:
                raise IntegrityError("checkout already placed")
            order = _create_order(
                checkout,
                buyer,
                village,
                shipping_rate,
                kg,
                subtotal,
                shipping_cost,
                total,
                payment_method,
                max(ship_by.values()),
                now,
            )
            if payment_method == PaymentMethod.QRIS:
                order.qris_payload = qris.make_dynamic_qris(
                    checkout.cooperative.qris_static, amount=total, reference=order.code
                )
                order.save(update_fields=["qris_payload"])
            for hold in holds:
                OrderLine.objects.create(
                    order=order,
                    sku=hold.sku,
                    piece=hold.piece,
                    location=hold.location,
                    channel=hold.channel,
                    title=PricedLine(hold.sku, hold.piece, hold.quantity).title,
                    quantity=hold.quantity,
                    unit_price=hold.sku.price,
                    promised_ship_by=ship_by[hold.pk],
                )
                move_stock(
                    sku=hold.sku,
                    piece=hold.piece,
                    location=hold.location,
                    quantity=hold.quantity,
                    source=Slot(Position.RESERVED, hold.channel),
                    target=Slot(Position.COMMITTED, hold.channel),
                    reason=StockMove.Reason.SALE,
                    reference=order.code,
                    node=hold.channel.node,
                )
            OrderEvent.objects.create(order=order, kind=OrderEvent.Kind.PLACED)
            outbox.emit_order(order, "order.placed")
            notifications.order_placed(order)
    except IntegrityError:
        existing = Order.objects.filter(checkout=checkout).first()
        if existing is None:
            raise
        return existing
    return order


def _create_order(
    checkout, buyer, village, rate, kg, subtotal, shipping_cost, total, payment_method, ship_by, now
):
    for _attempt in range(20):
        code = "SB-" + "".join(secrets.choice(CODE_ALPHABET) for _ in range(6))
        unique_code = 0
        if payment_method == PaymentMethod.BANK_TRANSFER:
            unique_code = secrets.randbelow(999) + 1
        try:
            with transaction.atomic():
                return Order.objects.create(
                    code=code,
                    cooperative=checkout.cooperative,
                    checkout=checkout,
                    buyer_name=buyer.name,
                    buyer_phone=buyer.phone,
                    buyer_email=buyer.email,
                    address=buyer.address,
                    village_code=village.code,
                    postal_code=village.postal_code,
                    shipping_rate=rate,
                    shipping_weight_kg=kg,
                    subtotal=subtotal,
                    shipping_cost=shipping_cost,
                    total=total,
                    payment_method=payment_method,
                    unique_code=unique_code,
                    amount_due=total + unique_code,
                    promised_ship_by=ship_by,
                    pay_by=now + datetime.timedelta(hours=settings.ORDER_PAYMENT_HOURS),
                )
        except IntegrityError:
            if Order.objects.filter(checkout=checkout).exists():
                raise
            continue  # the code or the transfer code was taken; draw again
    raise RuntimeError("could not draw a free order code")
