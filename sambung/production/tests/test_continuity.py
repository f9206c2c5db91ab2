import datetime

from django.utils import timezone

from sambung.demo.cooperative import DEMO_QRIS
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import Buyer, place_order, start_checkout
from sambung.orders.fulfilment import cancel_order, confirm_payment, ship_order
from sambung.orders.models import CancelReason, PaymentMethod
from sambung.production.continuity import continuity
from sambung.production.plan import week_start
from sambung.production.pledges import pledge_for_order_line, record_stage
from sambung.production.tests.conftest import make_order_line
from sambung.tests import helpers

BUYER = Buyer(
    name="Ani", phone="+6281234567890", email="", address="Jl. Melati 5", village_code="53.07.04.2001"
)


def place(cooperative, sku, rate):
    checkout = start_checkout(cooperative=cooperative, lines=[PricedLine(sku, None, 1)])
    return place_order(checkout=checkout, buyer=BUYER, shipping_rate=rate, payment_method=PaymentMethod.QRIS)


def test_weeks_count_on_time_late_and_seller_cancellations_against_the_thresholds(cooperative, hub):
    cooperative.qris_static = DEMO_QRIS
    cooperative.save()
    coffee = helpers.make_product(cooperative, price=85_000)
    coffee.skus.update(is_unique=False)
    helpers.make_stock(coffee, hub, 10)
    rate = helpers.make_shipping_rate(cooperative)
    sku = coffee.skus.get()
    shipped, unshipped, cancelled = (place(cooperative, sku, rate) for _ in range(3))
    confirm_payment(order=shipped)
    ship_order(order=shipped, courier="JNE", tracking_number="JN1")
    cancel_order(order=cancelled, reason=CancelReason.SELLER_NO_STOCK)
    later = timezone.localdate() + datetime.timedelta(days=10)
    report = continuity(cooperative=cooperative, today=later)
    placed = next(w for w in report.weeks if w.start == week_start(timezone.localdate()))
    assert placed.placed == 3 and placed.seller_cancelled == 1
    assert placed.is_cancel_over_limit
    due = next(w for w in report.weeks if w.start == week_start(unshipped.promised_ship_by))
    assert (due.due, due.shipped_on_time, due.late) == (2, 1, 1)
    assert due.is_late_over_limit and due.on_time_share == 0.5


def test_early_warning_when_next_weeks_promises_need_work_not_on_track(cooperative, weaver, shawl):
    today = timezone.localdate()
    line = make_order_line(shawl, promised_ship_by=today + datetime.timedelta(days=15))
    [work_order] = pledge_for_order_line(order_line=line, today=today)
    later = today + datetime.timedelta(days=13)  # the line ships within the next seven days
    report = continuity(cooperative=cooperative, today=later)
    assert report.warning.promised_from_work == 1
    # Her first stage (make, 90 % of 14 days) was expected yesterday and is not recorded: at risk.
    assert report.warning.on_track == 0 and report.warning.exceeds_capacity
    assert [risk.order_code for risk in report.warning.at_risk] == [line.order.code]
    assert work_order in report.warning.behind
    record_stage(work_order=work_order, stage=1, done_on=today, today=today)
    report = continuity(cooperative=cooperative, today=later)
    assert report.warning.on_track == 1 and not report.warning.exceeds_capacity
