"""The demo's village hub at the market: a stall channel at Hub Desa Sikka holding the rights to a few pieces and to
some coffee, so the point of sale has something to sell.

Loading twice changes nothing: the stall is found by its hub, the coffee receipt by its reference, and every rights
move has a fixed id (move_stock applies an id once).
"""

import contextlib
import uuid

from sambung.catalog.models import SKU, Cooperative, Location, Piece
from sambung.demo.drawing import draw_coffee
from sambung.inventory.models import Channel, StockMove
from sambung.inventory.stock import receive_stock, web_store
from sambung.pos.rights import RightsError, move_selling_rights

STALL_NAME = "Lapak Pasar Desa Sikka"
STALL_PIECES = 4  # pieces lying at the hub whose rights the stall holds
COFFEE_SLUG, COFFEE_RECEIVED, COFFEE_AT_STALL = "kopi-robusta-sikka-250g", 12, 10
DEMO_REQUEST = uuid.UUID(
    "0192f000-0000-7000-8000-00000000d3e0"
)  # fixed: the demo's rights moves keep their ids


def load_hub_demo(*, cooperative: Cooperative, hub: Location) -> Channel:
    """Give the hub a market stall with the rights to a few of its pieces and to some coffee."""
    from sambung.demo.cooperative import release_after_inspection  # the demo loader imports this module

    stall = Channel.objects.filter(cooperative=cooperative, node=hub.node, kind=Channel.Kind.STALL).first()
    if stall is None:
        stall = Channel.objects.create(
            cooperative=cooperative, node=hub.node, kind=Channel.Kind.STALL, name=STALL_NAME
        )
    web = web_store(cooperative)
    # The first pieces received at the hub, whatever became of them since: the same ones on every load.
    received = StockMove.objects.filter(location=hub, piece__isnull=False, reason=StockMove.Reason.RECEIPT)
    pieces = Piece.objects.filter(moves__in=received).select_related("sku__product").distinct()
    for piece in pieces.order_by("code")[:STALL_PIECES]:
        _move_once(hub, web, stall, pieces=[piece])
    coffee = SKU.objects.filter(product__slug=COFFEE_SLUG, product__cooperative=cooperative).first()
    if coffee is not None:
        if not StockMove.objects.filter(sku=coffee, location=hub, reference="demo-hub").exists():
            receive_stock(sku=coffee, location=hub, quantity=COFFEE_RECEIVED, reference="demo-hub")
            release_after_inspection(
                sku=coffee, location=hub, quantity=COFFEE_RECEIVED, photo=draw_coffee(4000, (320, 240))
            )
        _move_once(hub, web, stall, units=[(coffee, COFFEE_AT_STALL)])
    return stall


def _move_once(hub, web, stall, **what) -> None:
    # Sold online since the first load, or never inspected: the stall goes without it.
    with contextlib.suppress(RightsError):
        move_selling_rights(location=hub, source=web, target=stall, request_id=DEMO_REQUEST, **what)
