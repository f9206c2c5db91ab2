import datetime

import pytest
from django.core import mail
from django.utils import timezone

from sambung.orders.cart import PricedLine
from sambung.orders.checkout import Buyer, place_order, start_checkout
from sambung.orders.fulfilment import (
    InvalidTransition,
    cancel_order,
    confirm_payment,
    expire_unpaid_orders,
    record_delivery,
    record_return,
    ship_order,
    start_packing,
)
from sambung.orders.models import CancelReason, Order, OrderStatus
from sambung.orders.tests.test_checkout import BUYER, quantities
from sambung.tests import helpers


@pytest.fixture
def order(cooperative):
    location = helpers.make_location(cooperative)
    product = helpers.make_product(cooperative, price=100_000, weight_g=300)
    product.skus.update(is_unique=False)
    helpers.make_stock(product, location, 4)
    rate = helpers.make_shipping_rate(cooperative)
    checkout = start_checkout(cooperative=cooperative, lines=[PricedLine(product.skus.get(), None, 3)])
    return place_order(checkout=checkout, buyer=BUYER, shipping_rate=rate, payment_method="bank_transfer")


def events(order: Order) -> list[str]:
    return list(order.events.values_list("kind", flat=True))


def test_paid_packed_shipped_delivered_each_leave_a_row_and_shipping_takes_the_units_out(order):
    sku = order.lines.get().sku
    user = helpers.make_user()
    confirm_payment(order=order, user=user)
    start_packing(order=order, user=user)
    ship_order(order=order, courier="JNE REG", tracking_number="JNE123", user=user)
    assert quantities(sku) == {"available": 1}
    record_delivery(order=order, user=user)
    assert events(order) == ["placed", "paid", "packing", "shipped", "delivered"]
    assert Order.objects.get(pk=order.pk).status == OrderStatus.DELIVERED
    assert order.events.get(kind="shipped").tracking_number == "JNE123"
    assert order.events.get(kind="paid").actor == user


def test_a_return_comes_back_into_quality_control_not_onto_the_shelf(order):
    confirm_payment(order=order)
    ship_order(order=order, courier="POS", tracking_number="P1")
    record_return(order=order, note="rusak di jalan")
    assert quantities(order.lines.get().sku) == {"available": 1, "qc": 3}


@pytest.mark.parametrize(
    ("reason", "expected"),
    [(CancelReason.BUYER, {"available": 4}), (CancelReason.SELLER_NO_STOCK, {"available": 1})],
)
def test_cancelling_gives_the_units_back_unless_the_seller_had_none(order, reason, expected):
    cancel_order(order=order, reason=reason, note="")
    assert quantities(order.lines.get().sku) == expected
    assert order.events.last().cancel_reason == reason


def test_steps_out_of_order_are_refused_and_change_nothing(order):
    with pytest.raises(InvalidTransition):
        ship_order(order=order, courier="JNE", tracking_number="X")  # not paid yet
    with pytest.raises(InvalidTransition):
        record_delivery(order=order)
    with pytest.raises(InvalidTransition):
        cancel_order(order=order, reason="because")
    confirm_payment(order=order)
    with pytest.raises(InvalidTransition):
        ship_order(order=order, courier="JNE", tracking_number=" ")
    assert events(order) == ["placed", "paid"]
    assert quantities(order.lines.get().sku) == {"available": 1, "committed": 3}


def test_a_stale_copy_of_the_order_cannot_overwrite_a_newer_state(order):
    stale = Order.objects.get(pk=order.pk)
    confirm_payment(order=order)
    with pytest.raises(InvalidTransition):
        cancel_order(order=stale, reason=CancelReason.BUYER)
    assert Order.objects.get(pk=order.pk).status == OrderStatus.PAID


def test_unpaid_orders_expire_and_give_their_stock_back(order):
    assert expire_unpaid_orders(now=timezone.now() + datetime.timedelta(hours=23)) == 0
    assert expire_unpaid_orders(now=timezone.now() + datetime.timedelta(hours=25)) == 1
    order.refresh_from_db()
    assert order.status == OrderStatus.CANCELLED
    assert order.events.last().cancel_reason == CancelReason.PAYMENT_EXPIRED
    assert quantities(order.lines.get().sku) == {"available": 4}


def test_payment_and_shipping_are_mailed_to_the_buyer(order, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        confirm_payment(order=order)
        ship_order(order=order, courier="JNE REG", tracking_number="JNE999")
    subjects = [m.subject for m in mail.outbox]
    assert len(subjects) == 2 and all(order.code in s for s in subjects)
    assert "JNE999" in mail.outbox[1].body


def test_a_buyer_without_email_gets_no_mail(cooperative, django_capture_on_commit_callbacks):
    location = helpers.make_location(cooperative)
    product = helpers.make_product(cooperative)
    piece = helpers.make_piece(product, helpers.make_maker(cooperative), location=location)
    checkout = start_checkout(cooperative=cooperative, lines=[PricedLine(product.skus.get(), piece, 1)])
    with django_capture_on_commit_callbacks(execute=True):
        place_order(
            checkout=checkout,
            buyer=Buyer(**{**BUYER.__dict__, "email": ""}),
            shipping_rate=helpers.make_shipping_rate(cooperative),
            payment_method="bank_transfer",
        )
    assert mail.outbox == []


def test_the_next_checkout_cancels_overdue_unpaid_orders_even_without_the_command(order, cooperative):
    Order.objects.filter(pk=order.pk).update(pay_by=timezone.now() - datetime.timedelta(minutes=1))
    sku = order.lines.get().sku
    start_checkout(cooperative=cooperative, lines=[PricedLine(sku, None, 4)])
    assert Order.objects.get(pk=order.pk).status == OrderStatus.CANCELLED
    assert quantities(sku) == {"reserved": 4}
