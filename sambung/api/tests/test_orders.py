"""A cooperative's orders: what each role sees, and fulfilment steps through the domain functions."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from sambung.inventory.models import StockLevel
from sambung.orders.cart import PricedLine
from sambung.orders.fulfilment import confirm_payment
from sambung.orders.models import Order, OrderEvent

ORDERS = "/api/v1/cooperatives/nian-tana/orders"


def post_event(client, order, body):
    return client.post(f"{ORDERS}/{order.code}/events", body, content_type="application/json")


def kinds(order) -> list[str]:
    return list(order.events.order_by("created_at", "pk").values_list("kind", flat=True))


def positions(order) -> dict[str, int]:
    totals: dict[str, int] = {}
    for level in StockLevel.objects.filter(sku=order.lines.get().sku):
        totals[level.position] = totals.get(level.position, 0) + level.quantity
    return {position: quantity for position, quantity in totals.items() if quantity}


def test_the_order_list_shows_status_totals_and_ship_by_newest_first(manager, shop, order_of, cooperative):
    newer = order_of(cooperative, [PricedLine(shop["coffee"].skus.get(), None, 1)], shop["rate"])
    confirm_payment(order=newer)

    body = manager.get(ORDERS).json()

    assert body["count"] == 2 and [o["code"] for o in body["items"]] == [newer.code, shop["order"].code]
    first = body["items"][1]
    order = shop["order"]
    assert first["status"] == "awaiting_payment" and first["ship_by"] == order.promised_ship_by.isoformat()
    assert (first["subtotal"], first["shipping_cost"], first["total"]) == (170_000, 50_000, 220_000)
    assert first["amount_due"] == order.amount_due and first["payment_method"] == "bank_transfer"
    assert first["buyer"] == {"name": "Ani Wulandari", "phone": "+6281234567890", "email": "ani@example.com"}
    assert [o["code"] for o in manager.get(ORDERS, {"status": "paid"}).json()["items"]] == [newer.code]
    assert manager.get(ORDERS, {"limit": 1, "offset": 1}).json()["items"][0]["code"] == order.code


@pytest.mark.parametrize("query", [{"status": "lost"}, {"limit": 0}, {"limit": 101}, {"offset": -5}])
def test_a_malformed_order_query_is_a_422(manager, shop, query):
    response = manager.get(ORDERS, query)
    assert response.status_code == 422 and response.json()["detail"][0]["loc"][-1] in query


def test_the_order_shows_its_lines_events_and_address_to_those_who_ship_it(operator, shop):
    order = shop["order"]

    body = operator.get(f"{ORDERS}/{order.code.lower()}").json()

    assert body["code"] == order.code and body["courier_service"] == "JNE REG"
    assert body["lines"] == [
        {
            "sku": order.lines.get().sku.code,
            "piece": None,
            "piece_inspection": None,
            "title": "Kopi Sikka",
            "quantity": 2,
            "unit_price": 85_000,
            "line_total": 170_000,
            "ship_by": order.promised_ship_by.isoformat(),
            "location": "Gudang Maumere",
        }
    ]
    assert [event["kind"] for event in body["events"]] == ["placed"]
    assert body["buyer"]["phone"] == "+6281234567890"
    assert body["address"]["street"] == "Jl. Melati 5" and body["address"]["village"]["name"] == "Nita"


def test_a_program_viewer_sees_the_trade_but_not_the_buyer(viewer, shop):
    order = shop["order"]
    for body in (viewer.get(ORDERS).json()["items"][0], viewer.get(f"{ORDERS}/{order.code}").json()):
        assert body["buyer"] == {"name": None, "phone": None, "email": None}
        assert body.get("address") is None and body["total"] == order.total
    detail = viewer.get(f"{ORDERS}/{order.code}").content.decode()
    for personal in ("Ani Wulandari", "+6281234567890", "ani@example.com", "Melati"):
        assert personal not in detail


def test_an_order_goes_from_paid_to_delivered_through_the_api(manager, operator, shop):
    order = shop["order"]
    assert post_event(manager, order, {"kind": "paid", "note": "transfer BRI"}).status_code == 201
    assert post_event(operator, order, {"kind": "packing"}).status_code == 201
    response = post_event(
        operator, order, {"kind": "shipped", "courier": " JNE REG ", "tracking_number": "JN1"}
    )
    assert response.status_code == 201 and response.json()["status"] == "shipped"
    assert positions(order) == {"available": 3}  # the two committed bags left with the courier
    response = post_event(operator, order, {"kind": "delivered"})

    assert response.status_code == 201
    body = response.json()
    assert [event["kind"] for event in body["events"]] == [
        "placed",
        "paid",
        "packing",
        "shipped",
        "delivered",
    ]
    shipped = body["events"][3]
    assert (shipped["courier"], shipped["tracking_number"], shipped["actor"]) == (
        "JNE REG",
        "JN1",
        "operator",
    )
    assert body["events"][1]["note"] == "transfer BRI" and body["events"][1]["actor"] == "manajer"
    assert Order.objects.get(pk=order.pk).status == "delivered"


def test_a_cancellation_records_its_reason_and_gives_the_units_back(manager, shop):
    order = shop["order"]
    response = post_event(
        manager, order, {"kind": "cancelled", "cancel_reason": "buyer", "note": "salah ukuran"}
    )
    assert response.status_code == 201
    assert order.events.get(kind="cancelled").cancel_reason == "buyer"
    assert positions(order) == {"available": 5}


def test_a_return_goes_back_to_quality_control(manager, shop):
    order = shop["order"]
    post_event(manager, order, {"kind": "paid"})
    post_event(manager, order, {"kind": "shipped", "courier": "POS", "tracking_number": "P1"})
    assert post_event(manager, order, {"kind": "returned", "note": "rusak"}).status_code == 201
    assert positions(order) == {"available": 3, "qc": 2}


def test_a_step_out_of_order_is_a_409_and_records_nothing(manager, shop):
    order = shop["order"]

    response = manager.post(
        f"{ORDERS}/{order.code}/events",
        {"kind": "shipped", "courier": "JNE", "tracking_number": "X"},
        content_type="application/json",
        headers={"accept-language": "en"},
    )

    assert response.status_code == 409
    assert response.json() == {"detail": f"Order {order.code} is awaiting payment; it cannot become shipped."}
    assert kinds(order) == ["placed"] and Order.objects.get(pk=order.pk).status == "awaiting_payment"
    assert positions(order) == {"available": 3, "committed": 2}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "kind"),
        ({"kind": "lost"}, "kind"),
        ({"kind": "shipped", "courier": "JNE"}, "tracking_number"),
        ({"kind": "shipped", "courier": "   ", "tracking_number": "X"}, "courier"),
        ({"kind": "paid", "courier": "JNE"}, "courier"),
        ({"kind": "cancelled"}, "cancel_reason"),
        ({"kind": "cancelled", "cancel_reason": "bored"}, "cancel_reason"),
        ({"kind": "paid", "cancel_reason": "buyer"}, "cancel_reason"),
        ({"kind": "packing", "note": "lost otherwise"}, "note"),
        ({"kind": "paid", "note": "x" * 301}, "note"),
        ({"kind": "paid", "amount": 5}, "amount"),
        ({"kind": 7}, "kind"),
    ],
)
def test_a_bad_body_is_a_422_naming_the_field_and_changes_nothing(manager, shop, body, field):
    order = shop["order"]
    response = post_event(manager, order, body)
    assert response.status_code == 422
    assert field in {error["loc"][-1] for error in response.json()["detail"]}
    assert kinds(order) == ["placed"] and Order.objects.get(pk=order.pk).status == "awaiting_payment"


def test_a_body_that_is_not_json_is_a_400(manager, shop):
    response = manager.post(
        f"{ORDERS}/{shop['order'].code}/events", "kind=paid", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json() == {"detail": "Cannot parse request body"}
    assert kinds(shop["order"]) == ["placed"]


@pytest.mark.parametrize("kind", ["paid", "returned", "cancelled"])
def test_a_hub_operator_cannot_confirm_payment_return_or_cancel(token_user, shop, kind):
    body = {"kind": kind, **({"cancel_reason": "buyer"} if kind == "cancelled" else {})}
    response = post_event(token_user, shop["order"], body)
    assert response.status_code == 404
    assert kinds(shop["order"]) == ["placed"]


def test_an_order_of_another_cooperative_is_404_under_our_slug(manager, shop, theirs):
    assert manager.get(f"{ORDERS}/{theirs.code}").status_code == 404
    assert post_event(manager, theirs, {"kind": "paid"}).status_code == 404
    assert OrderEvent.objects.filter(order=theirs).count() == 1


def test_a_longer_order_list_costs_no_more_queries(manager, shop, order_of, cooperative):
    with CaptureQueriesContext(connection) as one:
        manager.get(ORDERS)
    for _ in range(3):
        order_of(cooperative, [PricedLine(shop["coffee"].skus.get(), None, 1)], shop["rate"])
    with CaptureQueriesContext(connection) as four:
        assert manager.get(ORDERS).json()["count"] == 4
    assert len(four) == len(one)


def test_members_answers_are_kept_by_no_cache(manager, shop):
    for path in (ORDERS, f"{ORDERS}/{shop['order'].code}", "/api/v1/cooperatives/nian-tana/stock"):
        cache_control = manager.get(path)["Cache-Control"]
        assert "private" in cache_control and "no-store" in cache_control
