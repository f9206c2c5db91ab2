"""The stall, receipts, the day's sales and the rights page: every persona, and bad input."""

import re
import uuid

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from sambung.catalog.models import Node
from sambung.inventory.models import StockMove
from sambung.lib.ids import uuid7
from sambung.pos.models import StallSale
from sambung.pos.sales import SaleItem, record_stall_sale
from sambung.pos.tests.conftest import build_market
from sambung.tests import helpers

pytestmark = pytest.mark.django_db


def url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"pos:{name}", args=args)


def text(response) -> str:
    return response.content.decode()


def sale_form(market, picks: dict, **fields) -> dict:
    """The stall's form as a browser posts it: q<slot id>=quantity, the sale id, the stall."""
    data = {"sale_id": str(uuid7()), "lapak": str(market.stall.pk), "payment_method": "cash"}
    for item, quantity in picks.items():
        slot = market.slot_id(piece=item) if hasattr(item, "maker") else market.slot_id(sku=item)
        data[f"q{slot}"] = str(quantity)
    data.update(fields)
    return data


def a_sale(market, **extra) -> StallSale:
    return record_stall_sale(
        sale_id=uuid7(),
        channel=market.stall,
        items=[SaleItem(sku=market.piece.sku, piece=market.piece, location=market.hub)],
        payment_method="cash",
        cash_received=3_000_000,
        **extra,
    )


# -- Who may do what ----------------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["manager", "operator"])
def test_manager_and_hub_operator_see_the_stall_with_the_sale_form(request, market, persona):
    response = request.getfixturevalue(persona).get(url("stall", market.cooperative.slug))
    assert response.status_code == 200
    page = text(response)
    assert market.piece.code in page and market.other_piece.code in page and "Rp 2.750.000" in page
    assert market.web_piece.code not in page  # the web store holds it
    assert 'name="sale_id"' in page and "Continue to payment" in page
    assert "Grade A" in page or "grade A" in page


def test_the_program_viewer_reads_the_stall_without_a_form(viewer, market):
    page = text(viewer.get(url("stall", market.cooperative.slug)))
    assert market.piece.code in page and 'name="sale_id"' not in page


@pytest.mark.parametrize("persona", ["maker_user", "outsider"])
@pytest.mark.parametrize("name", ["stall", "sales", "rights"])
def test_makers_and_outsiders_get_404_for_every_page(request, market, persona, name):
    response = request.getfixturevalue(persona).get(url(name, market.cooperative.slug))
    assert response.status_code == 404


@pytest.mark.parametrize("persona", ["maker_user", "outsider"])
@pytest.mark.parametrize("name", ["receipt", "receipt_pdf"])
def test_makers_and_outsiders_get_404_for_a_receipt(request, market, persona, name):
    sale = a_sale(market)
    response = request.getfixturevalue(persona).get(url(name, market.cooperative.slug, sale.pk))
    assert response.status_code == 404


def test_anonymous_visitors_are_sent_to_log_in(market):
    response = Client().get(url("stall", market.cooperative.slug))
    assert response.status_code == 302 and "/akun/" in response["Location"]


@pytest.mark.parametrize("persona", ["viewer", "maker_user", "outsider"])
@pytest.mark.parametrize("name", ["stall_review", "stall_record"])
def test_only_manager_and_operator_may_sell(request, market, persona, name):
    client = request.getfixturevalue(persona)
    response = client.post(
        url(name, market.cooperative.slug), sale_form(market, {market.piece: 1}, cash_received="3000000")
    )
    assert response.status_code == 404
    assert StallSale.objects.count() == 0 and market.level(piece=market.piece, channel=market.stall) == 1


@pytest.mark.parametrize("persona", ["manager", "operator", "viewer"])
def test_who_reads_sales_sees_receipts_the_pdf_and_the_days_sales(request, market, persona):
    sale = a_sale(market)
    client = request.getfixturevalue(persona)
    receipt = client.get(url("receipt", market.cooperative.slug, sale.pk))
    assert receipt.status_code == 200 and sale.code in text(receipt)
    pdf = client.get(url("receipt_pdf", market.cooperative.slug, sale.pk))
    assert (
        pdf.status_code == 200
        and pdf["Content-Type"] == "application/pdf"
        and pdf.content.startswith(b"%PDF")
    )
    assert "no-store" in pdf["Cache-Control"]
    sales = client.get(url("sales", market.cooperative.slug))
    assert sales.status_code == 200 and sale.code in text(sales)


def test_a_receipt_of_another_cooperative_is_404(manager, market, other_cooperative):
    other = build_market(other_cooperative)
    foreign = record_stall_sale(
        sale_id=uuid7(),
        channel=other.stall,
        items=[SaleItem(sku=other.piece.sku, piece=other.piece, location=other.hub)],
        payment_method="cash",
        cash_received=2_750_000,
    )
    assert manager.get(url("receipt", market.cooperative.slug, foreign.pk)).status_code == 404
    assert manager.get(url("receipt", market.cooperative.slug, uuid.uuid4())).status_code == 404


# -- Selling --------------------------------------------------------------------------------------------


def test_an_operator_sells_for_cash_sees_the_change_and_the_receipt(operator, market):
    data = sale_form(market, {market.piece: 1, market.coffee: 2}, cash_received="Rp 3.000.000")
    review = operator.post(url("stall_review", market.cooperative.slug), data)
    page = text(review)
    assert review.status_code == 200 and "Rp 2.870.000" in page and "Rp 130.000" in page  # total, change
    assert StallSale.objects.count() == 0  # reviewing writes nothing
    response = operator.post(url("stall_record", market.cooperative.slug), data)
    sale = StallSale.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/pasar/nota/{sale.pk}/")
    assert (sale.total, sale.cash_received, sale.change) == (2_870_000, 3_000_000, 130_000)
    assert sale.sold_by.username == "operator"
    assert market.level(piece=market.piece, channel=market.stall) == 0
    assert market.level(sku=market.coffee, channel=market.stall) == 3
    receipt = text(operator.get(response["Location"]))
    assert sale.code in receipt and "Rp 130.000" in receipt and "wa.me" not in receipt


def test_a_double_submit_records_one_sale(operator, market):
    data = sale_form(market, {market.coffee: 2}, cash_received="200000")
    first = operator.post(url("stall_record", market.cooperative.slug), data)
    second = operator.post(url("stall_record", market.cooperative.slug), data)
    assert first["Location"] == second["Location"]
    assert StallSale.objects.count() == 1 and market.level(sku=market.coffee, channel=market.stall) == 3


def test_qris_shows_the_code_for_the_exact_total_then_paid_records_it(manager, market):
    data = sale_form(market, {market.other_piece: 1}, payment_method="qris")
    review = text(manager.post(url("stall_review", market.cooperative.slug), data))
    assert "<svg" in review and "Rp 450.000" in review
    payload = re.search(r'class="payload">([^<]+)<', review).group(1)
    assert "5406450000" in payload and payload.startswith("000201010212")
    response = manager.post(url("stall_record", market.cooperative.slug), data)
    sale = StallSale.objects.get()
    assert response.status_code == 302 and sale.payment_method == "qris" and sale.qris_payload == payload


def test_the_buyers_whatsapp_gets_a_click_to_chat_link_with_the_receipt(operator, market):
    data = sale_form(market, {market.piece: 1}, cash_received="2750000", buyer_phone="0812 3456 7890")
    response = operator.post(url("stall_record", market.cooperative.slug), data, follow=True)
    link = re.search(r'href="(https://wa\.me/[^"]+)"', text(response)).group(1)
    assert link.startswith("https://wa.me/6281234567890?text=")
    sale = StallSale.objects.get()
    assert "PS-" in link and sale.code in link and "Rp%202.750.000" in link
    # A number given only on the receipt page makes a link too, and stores nothing.
    other = text(operator.get(url("receipt", market.cooperative.slug, sale.pk) + "?wa=%2B62 813-1111-2222"))
    assert "https://wa.me/6281311112222?text=" in other
    bad = text(operator.get(url("receipt", market.cooperative.slug, sale.pk) + "?wa=123"))
    assert "Enter a" in bad and StallSale.objects.get().buyer_phone == "+6281234567890"


def test_the_server_prices_the_sale_whatever_the_form_says(operator, market):
    data = sale_form(market, {market.piece: 1}, cash_received="2750000", price="1", total="1", unit_price="1")
    data[f"price_{market.slot_id(piece=market.piece)}"] = "1"
    operator.post(url("stall_record", market.cooperative.slug), data)
    sale = StallSale.objects.get()
    assert sale.total == 2_750_000 and sale.lines.get().unit_price == 2_750_000


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({}, "Pick at least one"),
        ({"q{slot}": "-1"}, "whole numbers from 0 to 999"),
        ({"q{slot}": "1.5"}, "whole numbers from 0 to 999"),
        ({"q{slot}": "0"}, "Pick at least one"),
        ({"q{slot}": "6"}, "Only 5 of"),
        ({"q{slot}": "1", "cash_received": "100"}, "is missing"),
        ({"q{slot}": "1", "cash_received": "lots"}, "whole rupiah"),
        ({"q{slot}": "1", "buyer_phone": "12"}, "WhatsApp"),
        ({"q{slot}": "1", "sale_id": "not-a-uuid"}, "form is incomplete"),
        ({"q{slot}": "1", "sale_id": "6f1c2a34-1111-4222-8333-444455556666"}, "form is incomplete"),  # not v7
        ({"q999999": "1"}, "not sold at this stall"),
    ],
)
def test_bad_input_gets_a_clear_message_and_changes_nothing(operator, market, fields, message):
    slot = market.slot_id(sku=market.coffee)
    data = {
        "sale_id": str(uuid7()),
        "lapak": str(market.stall.pk),
        "payment_method": "cash",
        "cash_received": "500000",
    }
    data.update({key.format(slot=slot): value for key, value in fields.items()})
    moves = StockMove.objects.count()
    response = operator.post(url("stall_record", market.cooperative.slug), data)
    assert response.status_code == 409
    assert message in text(response)
    assert StallSale.objects.count() == 0 and StockMove.objects.count() == moves


def test_a_slot_of_another_cooperatives_stall_is_refused(operator, market, other_cooperative):
    other = build_market(other_cooperative)
    data = sale_form(market, {}, cash_received="3000000")
    data[f"q{other.slot_id(piece=other.piece)}"] = "1"
    response = operator.post(url("stall_record", market.cooperative.slug), data)
    assert response.status_code == 409 and "not sold at this stall" in text(response)
    assert other.level(piece=other.piece, channel=other.stall) == 1
    foreign_stall = sale_form(market, {market.piece: 1}, cash_received="3000000", lapak=str(other.stall.pk))
    assert operator.post(url("stall_record", market.cooperative.slug), foreign_stall).status_code == 404


def test_the_web_stores_slot_cannot_be_sold_at_the_stall(operator, market):
    data = sale_form(market, {}, cash_received="3000000")
    data[f"q{market.slot_id(piece=market.web_piece, channel=market.web)}"] = "1"
    response = operator.post(url("stall_record", market.cooperative.slug), data)
    assert response.status_code == 409 and "not sold at this stall" in text(response)
    assert market.level(piece=market.web_piece, channel=market.web) == 1


def test_a_piece_sold_by_the_other_operator_a_moment_ago_is_refused_with_the_picks_kept(
    operator, manager, market
):
    data = sale_form(market, {market.piece: 1, market.coffee: 1}, cash_received="3000000")
    manager.post(
        url("stall_record", market.cooperative.slug),
        sale_form(market, {market.piece: 1}, cash_received="2750000"),
    )
    response = operator.post(url("stall_record", market.cooperative.slug), data)
    page = text(response)
    assert response.status_code == 409 and "is no longer at this stall" in page
    assert StallSale.objects.count() == 1 and market.level(sku=market.coffee, channel=market.stall) == 5
    assert re.search(rf'name="q{market.slot_id(sku=market.coffee)}"[^>]*value="1"', page)


def test_the_stall_page_asks_which_stall_when_the_cooperative_has_several(manager, market):
    second = helpers.make_channel(market.cooperative, name="Lapak Nita")
    page = text(manager.get(url("stall", market.cooperative.slug)))
    assert "Which stall" in page and str(second.pk) in page and str(market.stall.pk) in page
    chosen = manager.get(url("stall", market.cooperative.slug) + f"?lapak={market.stall.pk}")
    assert market.piece.code in text(chosen)
    assert manager.get(url("stall", market.cooperative.slug) + f"?lapak={uuid.uuid4()}").status_code == 404


def test_the_days_sales_total_by_payment_method(operator, market):
    a_sale(market)
    record_stall_sale(
        sale_id=uuid7(),
        channel=market.stall,
        items=[SaleItem(sku=market.coffee, location=market.hub, quantity=2)],
        payment_method="qris",
    )
    yesterday = record_stall_sale(
        sale_id=uuid7(),
        channel=market.stall,
        items=[SaleItem(sku=market.coffee, location=market.hub, quantity=1)],
        payment_method="cash",
        cash_received=60_000,
        sold_at=timezone.now() - timezone.timedelta(days=1),
    )
    page = text(operator.get(url("sales", market.cooperative.slug)))
    assert 'id="cash-total">Rp 2.750.000<' in page and 'id="qris-total">Rp 120.000<' in page
    assert "Cash to hand over: <strong>Rp 2.750.000</strong>" in page and yesterday.code not in page
    day = (timezone.localdate() - timezone.timedelta(days=1)).isoformat()
    before = text(operator.get(url("sales", market.cooperative.slug) + f"?tanggal={day}"))
    assert yesterday.code in before and 'id="cash-total">Rp 60.000<' in before
    bad = operator.get(url("sales", market.cooperative.slug) + "?tanggal=kemarin")
    assert bad.status_code == 200 and "Choose a date" in text(bad)


# -- Rights -------------------------------------------------------------------------------------------


def rights_form(market, *, source, target=None, pieces=(), units=None) -> dict:
    data = {"request_id": str(uuid7()), "location": str(market.hub.pk), "source": str(source.pk)}
    if target is not None:
        data["target"] = str(target.pk)
    data["piece"] = [str(piece.pk) for piece in pieces]
    for sku, quantity in (units or {}).items():
        data[f"units-{sku.pk}"] = str(quantity)
    return data


@pytest.mark.parametrize("persona", ["manager", "operator", "viewer"])
def test_the_rights_page_shows_per_location_what_each_holder_may_sell(request, market, persona):
    page = text(request.getfixturevalue(persona).get(url("rights", market.cooperative.slug)))
    assert market.hub.name in page and market.stall.name in page and market.web.name in page
    assert "may sell 7" in page and "may sell 4" in page
    if persona == "viewer":
        assert 'name="request_id"' not in page
    if persona == "operator":
        assert "Give back to the online store" in page and "Move the rights" not in page


def test_the_manager_moves_pieces_and_units_to_the_stall(manager, market):
    data = rights_form(
        market, source=market.web, target=market.stall, pieces=[market.web_piece], units={market.coffee: 3}
    )
    response = manager.post(url("rights_move", market.cooperative.slug), data, follow=True)
    assert "4 unit(s) at Hub Desa Sikka" in text(response)
    assert market.level(piece=market.web_piece, channel=market.stall) == 1
    assert market.level(sku=market.coffee, channel=market.stall) == 8
    manager.post(url("rights_move", market.cooperative.slug), data)  # submitted twice
    assert market.level(sku=market.coffee, channel=market.stall) == 8


def test_the_operator_gives_her_stalls_rights_back_but_takes_none(operator, market):
    back = rights_form(market, source=market.stall, target=market.web, pieces=[market.piece])
    operator.post(url("rights_move", market.cooperative.slug), back)
    assert market.level(piece=market.piece, channel=market.web) == 1
    take = rights_form(market, source=market.web, target=market.stall, pieces=[market.web_piece])
    assert operator.post(url("rights_move", market.cooperative.slug), take).status_code == 404
    assert market.level(piece=market.web_piece, channel=market.web) == 1


@pytest.mark.parametrize("persona", ["viewer", "maker_user", "outsider"])
def test_readers_makers_and_outsiders_move_no_rights(request, market, persona):
    data = rights_form(market, source=market.stall, target=market.web, pieces=[market.piece])
    assert (
        request.getfixturevalue(persona).post(url("rights_move", market.cooperative.slug), data).status_code
        == 404
    )
    assert market.level(piece=market.piece, channel=market.stall) == 1


def test_bad_rights_requests_say_why_and_move_nothing(manager, market, other_cooperative):
    other = build_market(other_cooperative)
    moves = StockMove.objects.count()
    cases = [
        (rights_form(market, source=market.web, target=market.stall), "Choose pieces"),
        (
            rights_form(market, source=market.web, target=market.stall, units={market.coffee: -1}),
            "whole numbers",
        ),
        (
            rights_form(market, source=market.web, target=market.stall, units={market.coffee: 4}),
            "holds only 3",
        ),
        (rights_form(market, source=market.web, target=market.stall, pieces=[market.piece]), "does not hold"),
    ]
    cases.append(
        (
            rights_form(market, source=market.web, target=market.stall, pieces=[other.web_piece]),
            "is not the cooperative",
        )
    )
    for data, message in cases:
        response = manager.post(url("rights_move", market.cooperative.slug), data, follow=True)
        assert message in text(response), message
    assert StockMove.objects.count() == moves
    not_the_forms_id = {
        **rights_form(market, source=market.web, target=market.stall, pieces=[market.web_piece])
    }
    not_the_forms_id["request_id"] = str(uuid.uuid4())
    assert manager.post(url("rights_move", market.cooperative.slug), not_the_forms_id).status_code == 404
    assert StockMove.objects.count() == moves
    foreign_channel = rights_form(market, source=market.web, target=other.stall, pieces=[market.web_piece])
    assert manager.post(url("rights_move", market.cooperative.slug), foreign_channel).status_code == 404


@pytest.mark.parametrize("persona", ["operator", "viewer", "maker_user", "outsider"])
def test_only_the_manager_opens_a_stall(request, market, persona):
    nita = Node.objects.create(cooperative=market.cooperative, kind=Node.Kind.HUB, name="Hub Nita")
    client = request.getfixturevalue(persona)
    response = client.post(
        url("stall_open", market.cooperative.slug), {"node": nita.pk, "name": "Lapak Nita"}
    )
    assert response.status_code == 404 and not nita.channels.exists()


def test_the_manager_opens_a_stall_for_a_hub(manager, market):
    nita = Node.objects.create(cooperative=market.cooperative, kind=Node.Kind.HUB, name="Hub Nita")
    assert "Open the stall" in text(manager.get(url("rights", market.cooperative.slug)))
    manager.post(url("stall_open", market.cooperative.slug), {"node": nita.pk, "name": "Lapak Nita"})
    assert nita.channels.get().name == "Lapak Nita"
    assert "Open the stall" not in text(manager.get(url("rights", market.cooperative.slug)))


def test_the_stall_page_costs_the_same_queries_however_many_pieces_it_holds(operator, market):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from sambung.inventory.stock import move_rights

    with CaptureQueriesContext(connection) as few:
        operator.get(url("stall", market.cooperative.slug))
    maker = helpers.make_maker(market.cooperative)
    for number in range(6):
        product = helpers.make_product(market.cooperative)
        piece = helpers.make_piece(product, maker, location=market.hub, code=f"EXTRA-{number}")
        move_rights(
            sku=piece.sku,
            piece=piece,
            location=market.hub,
            quantity=1,
            source=market.web,
            target=market.stall,
        )
    with CaptureQueriesContext(connection) as many:
        page = text(operator.get(url("stall", market.cooperative.slug)))
    assert "EXTRA-5" in page
    assert len(many) == len(few)


def test_without_a_stall_the_page_says_how_to_open_one(manager, cooperative):
    page = text(manager.get(url("stall", cooperative.slug)))
    assert "no market stall yet" in page and 'name="sale_id"' not in page


def test_a_stall_holding_nothing_says_so(manager, market):
    from sambung.inventory.stock import move_rights

    for piece in (market.piece, market.other_piece):
        move_rights(
            sku=piece.sku,
            piece=piece,
            location=market.hub,
            quantity=1,
            source=market.stall,
            target=market.web,
        )
    move_rights(sku=market.coffee, location=market.hub, quantity=5, source=market.stall, target=market.web)
    page = text(manager.get(url("stall", market.cooperative.slug)))
    assert "Nothing to sell here" in page and 'name="sale_id"' not in page
