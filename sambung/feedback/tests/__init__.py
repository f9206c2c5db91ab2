"""Shared by the feedback tests: a shop with delivered orders built through checkout and fulfilment, a buyer's
browser that proved her order, English addresses."""

import io
from pathlib import Path

from django.conf import settings
from django.urls import reverse
from django.utils import translation
from PIL import Image, ImageDraw

from sambung.orders.models import Order, OrderLine, OrderStatus
from sambung.orders.tests.test_office_orders import BUYER, make_shop, order_in  # noqa: F401

S = OrderStatus


def delivered_order(shop, **kwargs) -> Order:
    """An order for the shop's ikat piece and a bag of coffee, paid, shipped and delivered."""
    kwargs.setdefault("coffee", 1)
    return order_in(shop, S.DELIVERED, **kwargs)


def piece_line(order: Order) -> OrderLine:
    return order.lines.get(piece__isnull=False)


def coffee_line(order: Order) -> OrderLine:
    return order.lines.get(piece__isnull=True)


def prove_order(client, order: Order, phone: str = BUYER.phone) -> None:
    """Do what the buyer does to see her order in a browser: give its code and her WhatsApp number."""
    response = client.post("/pesanan/", {"code": order.code, "phone": phone})
    assert response.status_code == 302, "the lookup must accept the order's code and number"


def url(name: str, *args) -> str:
    """The English address of a page, so that tests read the English msgids."""
    with translation.override("en"):
        return reverse(name, args=args)


def photo_bytes(size: tuple[int, int] = (640, 480)) -> bytes:
    """A JPEG with some detail, like a buyer's phone photo (smaller, to keep the tests quick)."""
    image = Image.new("RGB", size, (40, 50, 90))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 16):
        draw.rectangle([x, 0, x + 5, size[1]], fill=(210, 180, 140))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def media_files() -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return sorted(path for path in root.rglob("*") if path.is_file()) if root.exists() else []
