"""The cart: lines kept in a signed cookie (no database write until checkout), priced on the server."""

import datetime
import uuid
from dataclasses import dataclass, replace

from django.utils.translation import gettext as _

from sambung.catalog.models import SKU, Piece

MAX_LINES = 20
MAX_QUANTITY = 99


class BadCart(ValueError):
    """The cart or a line of it cannot be accepted; the message says why."""


@dataclass(frozen=True)
class CartLine:
    sku_id: uuid.UUID
    piece_id: uuid.UUID | None
    quantity: int
    made_to_order: bool = False  # to be made by the cooperative's makers, not taken from stock

    def as_json(self) -> dict:
        data = {
            "sku": str(self.sku_id),
            "piece": str(self.piece_id) if self.piece_id else None,
            "qty": self.quantity,
        }
        if self.made_to_order:
            data["mto"] = 1
        return data

    @property
    def key(self) -> tuple:
        return (self.sku_id, self.piece_id, self.made_to_order)


@dataclass(frozen=True)
class PricedLine:
    sku: SKU
    piece: Piece | None
    quantity: int
    made_to_order: bool = False
    ship_by: datetime.date | None = (
        None  # made to order: the date promised at checkout (or expected, in the cart)
    )

    @property
    def unit_price(self) -> int:
        return self.sku.price

    @property
    def total(self) -> int:
        return self.sku.price * self.quantity

    @property
    def title(self) -> str:
        title = self.sku.product.title
        if self.sku.name:
            title = f"{title} — {self.sku.name}"
        return f"{title} ({self.piece.code})" if self.piece else title


def parse_quantity(raw) -> int:
    """Return a whole quantity from 1 to 99, or raise BadCart."""
    try:
        quantity = int(str(raw).strip())
    except (TypeError, ValueError):
        raise BadCart(_("The quantity must be a whole number.")) from None
    if str(raw).strip() != str(quantity) or not 1 <= quantity <= MAX_QUANTITY:
        raise BadCart(_("The quantity must be a whole number from 1 to %(max)s.") % {"max": MAX_QUANTITY})
    return quantity


def parse_cart(raw) -> list[CartLine]:
    """Read the cookie's lines; anything malformed makes an empty cart rather than an error page."""
    lines: list[CartLine] = []
    if not isinstance(raw, list):
        return lines
    for item in raw[:MAX_LINES]:
        try:
            piece = item.get("piece")
            made_to_order = item.get("mto") == 1 and not piece
            lines.append(
                CartLine(
                    sku_id=uuid.UUID(item["sku"]),
                    piece_id=uuid.UUID(piece) if piece else None,
                    quantity=parse_quantity(item["qty"]),
                    made_to_order=made_to_order,
                )
            )
        except (AttributeError, KeyError, TypeError, ValueError):
            continue
    return lines


def add_line(lines: list[CartLine], line: CartLine) -> list[CartLine]:
    """Return the cart with a line added (a piece once only; a SKU's quantities summed)."""
    others = [existing for existing in lines if existing.key != line.key]
    same = [existing for existing in lines if existing.key == line.key]
    quantity = line.quantity if line.piece_id else line.quantity + sum(e.quantity for e in same)
    if quantity > MAX_QUANTITY:
        raise BadCart(_("The quantity must be a whole number from 1 to %(max)s.") % {"max": MAX_QUANTITY})
    if len(others) >= MAX_LINES:
        raise BadCart(_("A cart holds at most %(max)s lines.") % {"max": MAX_LINES})
    return [*others, CartLine(line.sku_id, line.piece_id, quantity, line.made_to_order)]


def with_expected_dates(lines: list[PricedLine]) -> list[PricedLine]:
    """Return the lines, each made-to-order one with the ship-by date the makers' capacity allows now (None when
    it cannot be made within the channel's limit); checkout computes and holds the real one."""
    from sambung.production.promises import Planner

    made = [line for line in lines if line.made_to_order]
    if not made:
        return lines
    planner = Planner(cooperative_ids={line.sku.product.cooperative_id for line in made})
    dated = []
    for line in lines:
        if line.made_to_order:
            promise = planner.promise(line.sku, quantity=line.quantity)
            if promise.is_made_to_order:
                planner.book(line.sku, list(promise.units))
            line = replace(line, ship_by=promise.ship_by if promise.is_made_to_order else None)
        dated.append(line)
    return dated


def price_lines(lines: list[CartLine]) -> list[PricedLine]:
    """Return the lines with SKU, piece and today's price from the database; unknown or inactive ones are dropped."""
    skus = SKU.objects.filter(
        pk__in=[line.sku_id for line in lines], is_active=True, product__is_published=True
    ).select_related("product", "product__cooperative")
    by_id = {sku.pk: sku for sku in skus}
    pieces = {
        p.pk: p for p in Piece.objects.filter(pk__in=[line.piece_id for line in lines if line.piece_id])
    }
    priced = []
    for line in lines:
        sku = by_id.get(line.sku_id)
        piece = pieces.get(line.piece_id) if line.piece_id else None
        if sku is None or (line.piece_id and (piece is None or piece.sku_id != sku.pk)):
            continue
        if sku.is_unique and piece is None and not line.made_to_order:
            continue
        priced.append(
            PricedLine(
                sku=sku,
                piece=piece,
                quantity=1 if piece else line.quantity,
                made_to_order=line.made_to_order and piece is None,
            )
        )
    return priced
