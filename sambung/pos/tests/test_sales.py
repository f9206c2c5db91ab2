import json
import uuid

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lokal.qris import parse_qris

from sambung.inventory.models import Position, StockLevel, StockMove
from sambung.lib.ids import uuid7
from sambung.pos.models import StallSale, StallSaleLine, sale_code
from sambung.pos.sales import SaleItem, SaleRefused, apply_stall_sale, record_stall_sale, stall_sale_payload
from sambung.pos.tests.conftest import build_market
from sambung.tests import helpers

pytestmark = pytest.mark.django_db


def sell(market, *items, payment_method="cash", cash_received=10_000_000, sale_id=None, **extra):
    return record_stall_sale(
        sale_id=sale_id or uuid7(),
        channel=market.stall,
        items=list(items),
        payment_method=payment_method,
        cash_received=cash_received,
        **extra,
    )


def piece_item(market, piece):
    return SaleItem(sku=piece.sku, piece=piece, location=market.hub)


def nothing_changed(market, before_moves: int) -> bool:
    return StallSale.objects.count() == 0 and StockMove.objects.count() == before_moves


def test_a_sale_takes_its_units_out_of_the_stall_slots_at_catalogue_prices(market):
    sale = sell(
        market,
        piece_item(market, market.piece),
        SaleItem(sku=market.coffee, location=market.hub, quantity=2),
        cash_received=3_000_000,
    )
    assert sale.total == 2_750_000 + 2 * 60_000
    assert sale.change == 3_000_000 - sale.total
    assert market.level(piece=market.piece, channel=market.stall) == 0
    assert market.level(sku=market.coffee, channel=market.stall) == 3
    assert market.level(sku=market.coffee, channel=market.web) == 3  # the web store's units are untouched
    lines = {line.sku_id: line for line in sale.lines.select_related("move")}
    assert lines[market.coffee.pk].unit_price == 60_000 and lines[market.coffee.pk].quantity == 2
    for line in lines.values():
        assert line.move.id == line.id
        assert line.move.reason == StockMove.Reason.SALE
        assert (line.move.source_position, line.move.source_channel_id) == (
            Position.AVAILABLE,
            market.stall.pk,
        )
        assert line.move.target_position == "" and line.move.reference == sale.code
        assert line.move.node_id == market.stall.node_id
    assert sale.id.version == 7 and all(line.id.version == 7 for line in lines.values())


def test_a_qris_sale_keeps_the_dynamic_code_for_the_exact_total_and_its_receipt_number(market):
    sale = sell(market, piece_item(market, market.other_piece), payment_method="qris", cash_received=500_000)
    assert sale.cash_received is None and sale.change == 0
    info = parse_qris(sale.qris_payload)
    assert info.errors == [] and info.type == "dynamic"
    assert int(info.amount) == 450_000
    assert sale.code in sale.qris_payload


def test_the_same_sale_id_twice_records_one_sale(market):
    sale_id = uuid7()
    first = sell(market, piece_item(market, market.piece), sale_id=sale_id)
    moves = StockMove.objects.count()
    again = sell(market, piece_item(market, market.piece), sale_id=sale_id)
    assert again.pk == first.pk
    assert StallSale.objects.count() == 1 and StallSaleLine.objects.count() == 1
    assert StockMove.objects.count() == moves


def test_a_sale_id_used_at_another_stall_is_refused(market):
    sale_id = uuid7()
    sell(market, piece_item(market, market.piece), sale_id=sale_id)
    other_stall = helpers.make_channel(market.cooperative, node=market.hub.node, name="Lapak kedua")
    with pytest.raises(SaleRefused, match="another stall"):
        record_stall_sale(
            sale_id=sale_id, channel=other_stall, items=[], payment_method="cash", cash_received=1
        )


def test_the_stall_cannot_sell_what_the_web_store_holds(market):
    moves = StockMove.objects.count()
    with pytest.raises(SaleRefused, match="no longer at this stall"):
        sell(market, piece_item(market, market.web_piece))
    assert nothing_changed(market, moves)
    assert market.level(piece=market.web_piece, channel=market.web) == 1


def test_a_failing_line_leaves_every_other_line_unsold(market):
    moves = StockMove.objects.count()
    with pytest.raises(SaleRefused, match="Only 5 of"):
        sell(
            market,
            piece_item(market, market.piece),
            SaleItem(sku=market.coffee, location=market.hub, quantity=6),
        )
    assert nothing_changed(market, moves)
    assert market.level(piece=market.piece, channel=market.stall) == 1


def test_a_unit_of_another_cooperative_is_refused(market, other_cooperative):
    other = build_market(other_cooperative)
    moves = StockMove.objects.count()
    with pytest.raises(SaleRefused, match="not sold by this stall"):
        sell(market, SaleItem(sku=other.piece.sku, piece=other.piece, location=other.hub))
    with pytest.raises(SaleRefused, match="not sold by this stall"):
        sell(market, SaleItem(sku=other.piece.sku, piece=other.piece, location=market.hub))
    assert StallSale.objects.count() == 0 and StockMove.objects.count() == moves


def test_the_stall_sells_only_what_lies_at_its_own_hub(market):
    with pytest.raises(SaleRefused, match="only what lies at its own hub"):
        sell(market, SaleItem(sku=market.coffee, location=market.warehouse, quantity=1))


@pytest.mark.parametrize(
    ("quantity", "message"),
    [
        (0, "from 1 to 999"),
        (-1, "from 1 to 999"),
        (1000, "from 1 to 999"),
        (1.5, "whole numbers"),
        (True, "whole"),
    ],
)
def test_quantities_outside_one_to_999_are_refused(market, quantity, message):
    with pytest.raises(SaleRefused, match=message):
        sell(market, SaleItem(sku=market.coffee, location=market.hub, quantity=quantity))
    assert StallSale.objects.count() == 0


def test_an_empty_sale_a_piece_twice_or_a_one_of_a_kind_sku_without_its_piece_is_refused(market):
    with pytest.raises(SaleRefused, match="Pick at least one"):
        sell(market)
    with pytest.raises(SaleRefused, match="picked twice"):
        sell(market, piece_item(market, market.piece), piece_item(market, market.piece))
    with pytest.raises(SaleRefused, match="one of a kind"):
        sell(market, SaleItem(sku=market.piece.sku, location=market.hub, quantity=1))
    with pytest.raises(SaleRefused, match="one at a time"):
        sell(market, SaleItem(sku=market.piece.sku, piece=market.piece, location=market.hub, quantity=2))
    assert StallSale.objects.count() == 0


def test_payments_that_do_not_add_up_are_refused(market):
    item = piece_item(market, market.piece)
    with pytest.raises(SaleRefused, match="is missing"):
        sell(market, item, cash_received=2_000_000)
    with pytest.raises(SaleRefused, match="Enter the cash"):
        sell(market, item, cash_received=None)
    with pytest.raises(SaleRefused, match="Check the cash received"):
        sell(market, item, cash_received=27_500_000)
    with pytest.raises(SaleRefused, match="cash or QRIS"):
        sell(market, item, payment_method="card")
    with pytest.raises(SaleRefused, match="WhatsApp"):
        sell(market, item, buyer_phone="12")
    market.cooperative.qris_static = ""
    market.cooperative.save()
    with pytest.raises(SaleRefused, match="no QRIS code"):
        sell(market, item, payment_method="qris")
    assert StallSale.objects.count() == 0 and market.level(piece=market.piece, channel=market.stall) == 1


def test_a_qris_payment_above_bank_indonesias_cap_is_refused(market):
    market.coffee.price = 2_100_000
    market.coffee.save()
    with pytest.raises(SaleRefused, match="Bank Indonesia"):
        sell(market, SaleItem(sku=market.coffee, location=market.hub, quantity=5), payment_method="qris")


def test_a_sale_replayed_from_a_hub_keeps_its_line_ids_and_the_prices_it_was_sold_at(market):
    line_id = uuid7()
    market.coffee.price = 65_000  # the centre raised the price after the hub sold
    market.coffee.save()
    item = SaleItem(sku=market.coffee, location=market.hub, quantity=2, line_id=line_id, sold_price=60_000)
    sale = sell(market, item)
    line = sale.lines.get()
    assert (line.pk, line.move_id, line.unit_price, sale.total) == (line_id, line_id, 60_000, 120_000)
    with pytest.raises(SaleRefused, match="no valid price"):
        sell(market, SaleItem(sku=market.coffee, location=market.hub, sold_price=0))


def test_the_buyers_number_is_kept_in_e164(market):
    sale = sell(market, piece_item(market, market.piece), buyer_phone="0812-3456-7890")
    assert sale.buyer_phone == "+6281234567890"


def test_receipt_numbers_come_from_the_ids_random_bits():
    sale_id = uuid.UUID("0192f000-0000-7000-8000-00000000d3e0")
    assert sale_code(sale_id) == sale_code(uuid.UUID(str(sale_id)))
    assert sale_code(sale_id).startswith("PS-") and len(sale_code(sale_id)) == 11
    assert len({sale_code(uuid7()) for _ in range(2000)}) == 2000


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(sales=st.lists(st.integers(min_value=1, max_value=4), max_size=6))
def test_the_stall_never_sells_more_than_it_holds_and_never_touches_the_web_stores_units(market, sales):
    stall_before = market.level(sku=market.coffee, channel=market.stall)
    web_before = market.level(sku=market.coffee, channel=market.web)
    sold = 0
    for quantity in sales:
        try:
            sell(market, SaleItem(sku=market.coffee, location=market.hub, quantity=quantity))
        except SaleRefused:
            assert quantity > stall_before - sold
        else:
            sold += quantity
    assert sold <= stall_before
    assert market.level(sku=market.coffee, channel=market.stall) == stall_before - sold
    assert market.level(sku=market.coffee, channel=market.web) == web_before
    # The level is the sum of the moves in and out of it.
    moves = StockMove.objects.filter(sku=market.coffee, location=market.hub)
    net = sum(m.quantity for m in moves if m.target_channel_id == market.stall.pk) - sum(
        m.quantity for m in moves if m.source_channel_id == market.stall.pk
    )
    assert (
        net == StockLevel.objects.get(sku=market.coffee, channel=market.stall, position="available").quantity
    )


def test_a_sales_payload_records_the_same_sale_again_and_only_once(market):
    sold = sell(
        market, piece_item(market, market.piece), SaleItem(sku=market.coffee, location=market.hub, quantity=2)
    )
    payload = json.loads(json.dumps(stall_sale_payload(sold)))
    assert apply_stall_sale(payload) == sold and StallSale.objects.count() == 1
    # The same sale arriving at a node that has not seen it: new id, same shape.
    payload["id"] = str(uuid7())
    for line in payload["lines"]:
        line["id"] = str(uuid7())
    payload["lines"] = [line for line in payload["lines"] if line["piece"] is None]
    replayed = apply_stall_sale(payload)
    assert stall_sale_payload(replayed) == payload
    assert market.level(sku=market.coffee, channel=market.stall) == 1
    with pytest.raises(SaleRefused, match="Only 1 of"):
        apply_stall_sale(
            {**payload, "id": str(uuid7()), "lines": [{**payload["lines"][0], "id": str(uuid7())}]}
        )
