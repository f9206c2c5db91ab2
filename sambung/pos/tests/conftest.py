"""A cooperative with a village hub and its market stall: pieces and coffee the stall holds, and some it does not."""

from dataclasses import dataclass

import pytest
from django.utils import translation

from sambung.catalog.models import SKU, Cooperative, Location, Node, Piece
from sambung.inventory.models import Channel, Position, StockLevel
from sambung.inventory.stock import move_rights, web_store
from sambung.tests import helpers

# A static QRIS on the public test merchant account (the demo's), with a valid CRC.
STATIC_QRIS = (
    "00020101021126620014COM.GO-JEK.WWW011993600914123456789010210G1234567890303UMI51440014ID.CO.QRIS.WWW"
    "0215ID10200123456780303UMI5204581253033605802ID5919KOP TENUN NIAN TANA6007MAUMERE61058611362120708TOKO-WEB"
    "6304AB8B"
)


@dataclass
class Market:
    cooperative: Cooperative
    hub: Location
    warehouse: Location
    stall: Channel
    web: Channel
    piece: Piece  # at the hub, the stall holds it
    other_piece: Piece  # at the hub, the stall holds it too
    web_piece: Piece  # at the hub, the web store holds it
    coffee: SKU  # counted: 5 units at the hub held by the stall, 3 by the web store

    def level(self, *, piece=None, sku=None, channel=None, position=Position.AVAILABLE) -> int:
        levels = StockLevel.objects.filter(
            piece=piece, sku=sku or piece.sku, channel=channel, position=position, location=self.hub
        )
        return sum(level.quantity for level in levels)

    def slot_id(self, *, piece=None, sku=None, channel=None) -> int:
        return StockLevel.objects.get(
            piece=piece, sku=sku or piece.sku, channel=channel or self.stall, position=Position.AVAILABLE
        ).pk


def build_market(cooperative: Cooperative) -> Market:
    cooperative.qris_static = STATIC_QRIS
    cooperative.save()
    hub_node = Node.objects.create(cooperative=cooperative, kind=Node.Kind.HUB, name="Hub Desa Sikka")
    centre = Node.objects.filter(kind=Node.Kind.CENTRE).first() or Node.objects.create(
        kind=Node.Kind.CENTRE, name="Pusat"
    )
    hub = helpers.make_location(cooperative, node=hub_node, kind=Location.Kind.HUB, name="Hub Desa Sikka")
    warehouse = helpers.make_location(cooperative, node=centre, name="Gudang Maumere")
    stall = helpers.make_channel(cooperative, node=hub_node, name="Lapak Pasar Sikka")
    maker = helpers.make_maker(cooperative)
    sarong = helpers.make_product(cooperative, price=2_750_000)
    shawl = helpers.make_product(cooperative, price=450_000)
    piece = helpers.make_piece(sarong, maker, location=hub, code=f"{cooperative.slug.upper()}-SARUNG-01")
    other_piece = helpers.make_piece(
        shawl, maker, location=hub, code=f"{cooperative.slug.upper()}-SELENDANG-01"
    )
    web_piece = helpers.make_piece(sarong, maker, location=hub, code=f"{cooperative.slug.upper()}-SARUNG-02")
    coffee_product = helpers.make_product(cooperative, price=60_000, title_id="Kopi Robusta 250 g")
    coffee_product.skus.update(is_unique=False)
    helpers.make_stock(coffee_product, hub, 8)
    coffee = coffee_product.skus.get()
    web = web_store(cooperative)
    for held in (piece, other_piece):
        move_rights(sku=held.sku, piece=held, location=hub, quantity=1, source=web, target=stall)
    move_rights(sku=coffee, location=hub, quantity=5, source=web, target=stall)
    return Market(cooperative, hub, warehouse, stall, web, piece, other_piece, web_piece, coffee)


@pytest.fixture(autouse=True)
def _english():
    """Tests read the English msgids; the pages' tests ask for /en/ addresses."""
    with translation.override("en"):
        yield


@pytest.fixture
def market(cooperative) -> Market:
    return build_market(cooperative)
