"""Selling rights: a holder sells only within its rights, the online store and the stall alike."""

import pytest
from django.test import Client

from sambung.inventory.models import StockMove
from sambung.lib.ids import uuid7
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import SoldOut, start_checkout
from sambung.pos.queries import rights_by_location, stall_items
from sambung.pos.rights import RightsError, derived_move_id, move_selling_rights, open_stall
from sambung.pos.sales import SaleItem, SaleRefused, record_stall_sale
from sambung.storefront.queries import pieces_on_hand, published_products
from sambung.tests import helpers

pytestmark = pytest.mark.django_db


def give(market, *, source, target, pieces=(), units=(), request_id=None):
    return move_selling_rights(
        location=market.hub,
        source=source,
        target=target,
        request_id=request_id or uuid7(),
        pieces=list(pieces),
        units=list(units),
    )


def test_the_web_store_cannot_sell_what_the_stall_holds(market):
    product = market.piece.sku.product
    assert market.piece not in pieces_on_hand(product)
    assert market.web_piece in pieces_on_hand(product)
    assert published_products().get(pk=product.pk).available == 1  # the web store's piece only
    with pytest.raises(SoldOut):
        start_checkout(cooperative=market.cooperative, lines=[PricedLine(market.piece.sku, market.piece, 1)])
    with pytest.raises(SoldOut, match="Only 3"):
        start_checkout(cooperative=market.cooperative, lines=[PricedLine(market.coffee, None, 4)])
    detail = Client().get(f"/api/v1/products/{product.slug}").json()
    assert [piece["code"] for piece in detail["pieces"]] == [market.web_piece.code]
    coffee = Client().get(f"/api/v1/products/{market.coffee.product.slug}").json()
    assert coffee["available"] == 3


def test_a_buyer_who_put_a_stall_piece_in_the_cart_is_told_it_is_sold_out(market):
    buyer = Client()
    buyer.post("/en/keranjang/tambah/", {"sku": market.piece.sku_id, "piece": market.piece.pk, "quantity": 1})
    response = buyer.post("/en/keranjang/bayar/", follow=True)
    assert "Sold out" in response.content.decode()
    assert market.level(piece=market.piece, channel=market.stall) == 1


def test_the_stall_lists_only_what_it_holds_at_its_hub(market):
    listed = {
        (item.sku.pk, item.piece.pk if item.piece else None, item.quantity)
        for item in stall_items(market.stall)
    }
    assert listed == {
        (market.piece.sku_id, market.piece.pk, 1),
        (market.other_piece.sku_id, market.other_piece.pk, 1),
        (market.coffee.pk, None, 5),
    }
    item = next(item for item in stall_items(market.stall) if item.piece == market.piece)
    assert item.grade == "a" and item.grade_label


def test_rights_given_back_to_the_web_store_leave_the_stall_unable_to_sell(market):
    give(market, source=market.stall, target=market.web, pieces=[market.piece], units=[(market.coffee, 2)])
    assert market.piece in pieces_on_hand(market.piece.sku.product)
    assert market.level(sku=market.coffee, channel=market.web) == 5
    assert market.piece not in [item.piece for item in stall_items(market.stall)]
    with pytest.raises(SaleRefused, match="no longer at this stall"):
        record_stall_sale(
            sale_id=uuid7(),
            channel=market.stall,
            items=[SaleItem(sku=market.piece.sku, piece=market.piece, location=market.hub)],
            payment_method="cash",
            cash_received=3_000_000,
        )


def test_a_move_is_all_or_nothing_and_says_what_was_missing(market):
    moves = StockMove.objects.count()
    with pytest.raises(RightsError, match="holds only 5"):
        give(
            market, source=market.stall, target=market.web, pieces=[market.piece], units=[(market.coffee, 6)]
        )
    with pytest.raises(RightsError, match="does not hold"):
        give(market, source=market.stall, target=market.web, pieces=[market.piece, market.web_piece])
    assert StockMove.objects.count() == moves
    assert market.level(piece=market.piece, channel=market.stall) == 1


def test_a_request_submitted_twice_moves_once(market):
    request_id = uuid7()
    first = give(
        market,
        source=market.web,
        target=market.stall,
        pieces=[market.web_piece],
        units=[(market.coffee, 2)],
        request_id=request_id,
    )
    again = give(
        market,
        source=market.web,
        target=market.stall,
        pieces=[market.web_piece],
        units=[(market.coffee, 2)],
        request_id=request_id,
    )
    assert [m.pk for m in first] == [m.pk for m in again]
    assert market.level(sku=market.coffee, channel=market.stall) == 7
    assert market.level(sku=market.coffee, channel=market.web) == 1
    assert all(move.id.version == 7 and move.reference == f"rights:{request_id}" for move in first)


def test_derived_move_ids_are_uuid7s_of_the_request_and_differ_by_key():
    request_id = uuid7()
    a, b = derived_move_id(request_id, "a"), derived_move_id(request_id, "b")
    assert a.version == b.version == 7 and a != b and a == derived_move_id(request_id, "a")
    assert a.int >> 62 == request_id.int >> 62  # same time, version and variant bits


def test_a_stall_gets_rights_only_to_what_lies_at_its_hub(market):
    helpers.make_stock(market.coffee.product, market.warehouse, 4)
    with pytest.raises(RightsError, match="only what lies at its own hub"):
        move_selling_rights(
            location=market.warehouse,
            source=market.web,
            target=market.stall,
            request_id=uuid7(),
            units=[(market.coffee, 1)],
        )


def test_bad_requests_are_refused(market, other_cooperative):
    with pytest.raises(RightsError, match="Choose pieces"):
        give(market, source=market.web, target=market.stall)
    with pytest.raises(RightsError, match="another channel"):
        give(market, source=market.stall, target=market.stall, pieces=[market.piece])
    with pytest.raises(RightsError, match="piece by piece"):
        give(market, source=market.web, target=market.stall, units=[(market.piece.sku, 1)])
    for quantity in (0, -2, 10_000):
        with pytest.raises(RightsError, match="whole number"):
            give(market, source=market.web, target=market.stall, units=[(market.coffee, quantity)])
    foreign = helpers.make_channel(other_cooperative, name="Lapak lain")
    with pytest.raises(RightsError, match="one cooperative"):
        give(market, source=market.web, target=foreign, units=[(market.coffee, 1)])
    foreign_piece = helpers.make_piece(
        helpers.make_product(other_cooperative), helpers.make_maker(other_cooperative)
    )
    with pytest.raises(RightsError, match="not the cooperative's"):
        give(market, source=market.web, target=market.stall, pieces=[foreign_piece])


def test_the_overview_shows_per_location_what_each_holder_may_sell(market):
    rows = {row.location: row for row in rights_by_location(market.cooperative)}
    holdings = {h.channel: h for h in rows[market.hub].holdings}
    assert holdings[market.stall].total == 1 + 1 + 5
    assert holdings[market.web].total == 1 + 3
    assert {level.piece for level in holdings[market.stall].pieces} == {market.piece, market.other_piece}


def test_a_hub_gets_one_stall(market):
    assert open_stall(cooperative=market.cooperative, node=market.hub.node, name="Lapak baru") == market.stall
    with pytest.raises(RightsError, match="one of the cooperative's hubs"):
        open_stall(cooperative=market.cooperative, node=market.warehouse.node, name="Lapak pusat")
