"""Two operators at once, with real threads on the real database (run on SQLite and on PostgreSQL)."""

import threading

import pytest
from django.db import connection

from sambung.lib.ids import uuid7
from sambung.pos.models import StallSale, StallSaleLine
from sambung.pos.sales import SaleItem, SaleRefused, record_stall_sale
from sambung.pos.tests.conftest import build_market
from sambung.tests import helpers

pytestmark = pytest.mark.django_db(transaction=True)
OPERATORS = 8


def race(market, items, sale_ids) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(len(sale_ids))

    def sell(sale_id) -> None:
        try:
            barrier.wait(timeout=30)
            sale = record_stall_sale(
                sale_id=sale_id,
                channel=market.stall,
                items=items,
                payment_method="cash",
                cash_received=10_000_000,
            )
            outcomes.append(f"sold {sale.pk}")
        except SaleRefused:
            outcomes.append("refused")
        except Exception as error:  # noqa: BLE001 — any other outcome is a failure, reported below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=sell, args=(sale_id,)) for sale_id in sale_ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


def test_operators_racing_for_the_last_piece_make_one_sale():
    market = build_market(helpers.make_cooperative())
    items = [SaleItem(sku=market.piece.sku, piece=market.piece, location=market.hub)]
    outcomes = race(market, items, [uuid7() for _ in range(OPERATORS)])
    assert sum(o.startswith("sold") for o in outcomes) == 1, outcomes
    assert outcomes.count("refused") == OPERATORS - 1, outcomes
    assert StallSale.objects.count() == 1 and StallSaleLine.objects.count() == 1
    assert market.level(piece=market.piece, channel=market.stall) == 0


def test_operators_racing_for_five_units_sell_five():
    market = build_market(helpers.make_cooperative())
    items = [SaleItem(sku=market.coffee, location=market.hub, quantity=1)]
    outcomes = race(market, items, [uuid7() for _ in range(OPERATORS)])
    assert sum(o.startswith("sold") for o in outcomes) == 5, outcomes
    assert outcomes.count("refused") == OPERATORS - 5, outcomes
    assert market.level(sku=market.coffee, channel=market.stall) == 0
    assert market.level(sku=market.coffee, channel=market.web) == 3


def test_one_form_submitted_at_once_from_several_tabs_records_one_sale():
    market = build_market(helpers.make_cooperative())
    items = [SaleItem(sku=market.coffee, location=market.hub, quantity=2)]
    sale_id = uuid7()
    outcomes = race(market, items, [sale_id] * OPERATORS)
    assert outcomes == [f"sold {sale_id}"] * OPERATORS, outcomes
    assert StallSale.objects.count() == 1 and StallSaleLine.objects.count() == 1
    assert market.level(sku=market.coffee, channel=market.stall) == 3
