"""Selling made to order: capacity held at checkout, work pledged with the order, pieces committed after inspection."""

import datetime
import threading

import pytest
from django.core import mail
from django.db import connection, transaction
from django.utils import timezone, translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sambung.catalog.models import Location
from sambung.inventory.models import StockLevel, StockMove
from sambung.inventory.stock import web_store
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import CapacityTaken, place_order, release_checkout, start_checkout
from sambung.orders.fulfilment import (
    InvalidTransition,
    cancel_order,
    confirm_payment,
    expire_unpaid_orders,
    ship_order,
    start_packing,
)
from sambung.orders.models import CancelReason, Checkout, Hold, MadePiece, Order, OrderLine, OrderStatus
from sambung.orders.tests.test_checkout import BUYER
from sambung.production.capacity import add_unavailability, set_capacity
from sambung.production.models import OutboundMessage, WorkOrder, WorkOrderEvent, WorkOrderStatus
from sambung.production.pledges import complete_work_order
from sambung.production.promises import Kind, Planner
from sambung.production.tests.test_promises import assert_promises_hold, assert_within_capacity
from sambung.production.waitlist import join_waitlist, notify_all_waiting_buyers
from sambung.tests import helpers


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


def levels(sku) -> dict[str, int]:
    totals: dict[str, int] = {}
    for level in StockLevel.objects.filter(sku=sku):
        totals[level.position] = totals.get(level.position, 0) + level.quantity
    return {k: v for k, v in totals.items() if v}


def make_workshop(cooperative):
    """A hub (2 days to pack), a shawl nobody has in stock, and a weaver who makes one in 14 days."""
    cooperative.qris_static = ""
    cooperative.save()
    hub = helpers.make_location(cooperative, kind=Location.Kind.HUB, name="Hub Desa", days_to_pack=2)
    category = helpers.make_category(slug="selendang-mto", name_id="Selendang", name_en="Shawl")
    shawl = helpers.make_product(cooperative, category=category, price=450_000, weight_g=300)
    weaver = helpers.make_maker(cooperative, name="Maria Goreti Nona")
    set_capacity(maker=weaver, category=category, pieces=1, days=14, rate_per_piece=250_000)
    rate = helpers.make_shipping_rate(cooperative, destination="53", first_kg=25_000, next_kg=20_000)
    return dict(hub=hub, shawl=shawl, sku=shawl.skus.get(), weaver=weaver, rate=rate, coop=cooperative)


@pytest.fixture
def workshop(cooperative):
    return make_workshop(cooperative)


def made_to_order(sku, quantity: int = 1) -> PricedLine:
    return PricedLine(sku, None, quantity, made_to_order=True)


def place(checkout, rate) -> Order:
    return place_order(checkout=checkout, buyer=BUYER, shipping_rate=rate, payment_method="bank_transfer")


def test_checkout_holds_the_makers_capacity_not_stock_with_a_date_computed_on_the_server(workshop):
    today = timezone.localdate()
    checkout = start_checkout(cooperative=workshop["coop"], lines=[made_to_order(workshop["sku"])])
    hold = Hold.objects.get(checkout=checkout)
    assert hold.made_to_order and hold.piece is None
    assert hold.promised_ship_by == today + days(13 + 2)  # 14 days of weaving from today, 2 days to pack
    assert not StockMove.objects.exists() and levels(workshop["sku"]) == {}
    # While the checkout is open her first fortnight is taken: the next buyer is promised the one after.
    assert Planner(cooperative_ids=[workshop["coop"].pk]).promise(workshop["sku"]).ship_by == today + days(
        27 + 2
    )
    release_checkout(checkout=checkout)
    assert Planner(cooperative_ids=[workshop["coop"].pk]).promise(workshop["sku"]).ship_by == today + days(15)


def test_placing_the_order_pledges_the_work_once_however_often_it_is_submitted(
    workshop, django_capture_on_commit_callbacks
):
    checkout = start_checkout(cooperative=workshop["coop"], lines=[made_to_order(workshop["sku"])])
    promised = Hold.objects.get().promised_ship_by
    with django_capture_on_commit_callbacks(execute=True):
        first = place(checkout, workshop["rate"])
    again = place(Checkout.objects.get(pk=checkout.pk), workshop["rate"])
    assert first.pk == again.pk and Order.objects.count() == 1
    line = OrderLine.objects.get()
    assert line.made_to_order and line.promised_ship_by == promised == first.promised_ship_by
    work_order = WorkOrder.objects.get()
    assert work_order.order_line == line and work_order.maker == workshop["weaver"]
    assert work_order.due_on + days(2) <= promised
    assert not StockMove.objects.exists()
    assert "dibuat sesuai pesanan, dikirim paling lambat" in mail.outbox[0].body  # e-mails are in Indonesian


def test_a_second_line_is_promised_after_the_first_and_both_are_pledged(workshop):
    today = timezone.localdate()
    checkout = start_checkout(cooperative=workshop["coop"], lines=[made_to_order(workshop["sku"], 2)])
    assert Hold.objects.get().promised_ship_by == today + days(27 + 2)  # two shawls, delivered together
    place(checkout, workshop["rate"])
    assert WorkOrder.objects.get().quantity == 2


def test_a_quantity_beyond_the_makers_capacity_is_refused_and_nothing_is_held(workshop):
    with pytest.raises(CapacityTaken, match="cannot be made within 30 days"):
        start_checkout(cooperative=workshop["coop"], lines=[made_to_order(workshop["sku"], 3)])
    assert not Checkout.objects.exists() and not Hold.objects.exists()


def test_placing_is_refused_cleanly_when_the_capacity_vanished_meanwhile(workshop):
    checkout = start_checkout(cooperative=workshop["coop"], lines=[made_to_order(workshop["sku"])])
    today = timezone.localdate()
    # The weaver is called to the fields for a week before the buyer presses "place order".
    add_unavailability(
        maker=workshop["weaver"], starts_on=today, ends_on=today + days(6), reason="musim tanam"
    )
    with pytest.raises(CapacityTaken, match="can no longer be made"):
        place(checkout, workshop["rate"])
    assert not Order.objects.exists() and not WorkOrder.objects.exists() and not OrderLine.objects.exists()
    assert Checkout.objects.get().status == Checkout.Status.RELEASED


def test_checkouts_placed_out_of_turn_keep_the_dates_they_were_promised(workshop):
    first = start_checkout(cooperative=workshop["coop"], lines=[made_to_order(workshop["sku"])])
    second = start_checkout(cooperative=workshop["coop"], lines=[made_to_order(workshop["sku"])])
    later = place(second, workshop["rate"])  # the second buyer pays first
    earlier = place(first, workshop["rate"])
    assert earlier.promised_ship_by < later.promised_ship_by
    for order in (earlier, later):
        [work] = WorkOrder.objects.filter(order_line__order=order)
        assert work.due_on + days(2) <= order.promised_ship_by


def test_a_passed_piece_is_committed_to_its_line_and_the_order_ships_once_every_line_has_its_pieces(
    workshop, django_capture_on_commit_callbacks
):
    sku = workshop["sku"]
    order = place(start_checkout(cooperative=workshop["coop"], lines=[made_to_order(sku)]), workshop["rate"])
    join_waitlist(product=workshop["shawl"], contact="ani@example.com")
    confirm_payment(order=order)
    with pytest.raises(InvalidTransition, match="still being made or inspected"):
        start_packing(order=order)
    [piece] = complete_work_order(work_order=WorkOrder.objects.get(), completed_on=timezone.localdate())
    assert levels(sku) == {"qc": 1}
    with django_capture_on_commit_callbacks(execute=True):
        helpers.pass_inspection(piece=piece)
    assert levels(sku) == {"committed": 1}  # never on the web store's shelf
    assert MadePiece.objects.get().order_line == order.lines.get()
    assert not OutboundMessage.objects.exists()  # nothing went on sale, so the waitlist is not told
    start_packing(order=Order.objects.get(pk=order.pk))
    ship_order(order=Order.objects.get(pk=order.pk), courier="JNE REG", tracking_number="JN123")
    assert levels(sku) == {}
    assert Order.objects.get(pk=order.pk).status == OrderStatus.SHIPPED


def test_cancelling_releases_the_pledge_and_the_work_goes_on_for_stock(workshop):
    order = place(
        start_checkout(cooperative=workshop["coop"], lines=[made_to_order(workshop["sku"])]), workshop["rate"]
    )
    cancel_order(order=order, reason=CancelReason.BUYER)
    work = WorkOrder.objects.get()
    assert work.order_line is None and work.status == WorkOrderStatus.PLEDGED
    assert work.events.filter(kind=WorkOrderEvent.Kind.RELEASED).exists()
    # Promised to no one now: the next buyer can have it.
    promise = Planner(cooperative_ids=[workshop["coop"].pk]).promise(workshop["sku"])
    assert promise.units[0].work_order_id == work.pk


def test_a_piece_already_made_for_a_cancelled_order_goes_on_sale(workshop):
    sku = workshop["sku"]
    order = place(start_checkout(cooperative=workshop["coop"], lines=[made_to_order(sku)]), workshop["rate"])
    [piece] = complete_work_order(work_order=WorkOrder.objects.get(), completed_on=timezone.localdate())
    helpers.pass_inspection(piece=piece)
    cancel_order(order=Order.objects.get(pk=order.pk), reason=CancelReason.SELLER_LATE)
    assert levels(sku) == {"available": 1}
    assert MadePiece.objects.get().released_at is not None


def test_an_unpaid_made_to_order_order_expires_and_releases_its_pledge(workshop):
    order = place(
        start_checkout(cooperative=workshop["coop"], lines=[made_to_order(workshop["sku"])]), workshop["rate"]
    )
    assert expire_unpaid_orders(now=order.pay_by + days(1)) == 1
    assert Order.objects.get().status == OrderStatus.CANCELLED
    assert WorkOrder.objects.get().order_line is None


def test_a_passed_piece_for_stock_tells_the_waitlist_at_once_and_the_sweep_tells_nobody_twice(
    workshop, django_capture_on_commit_callbacks
):
    join_waitlist(product=workshop["shawl"], contact="ani@example.com", language="en")
    join_waitlist(product=workshop["shawl"], contact="0812-3456-7890")
    with django_capture_on_commit_callbacks(execute=True):
        helpers.make_piece(workshop["shawl"], workshop["weaver"], location=workshop["hub"])
    assert OutboundMessage.objects.count() == 2
    assert [m.to for m in mail.outbox] == [["ani@example.com"]]
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_all_waiting_buyers() == 0
    assert OutboundMessage.objects.count() == 2 and len(mail.outbox) == 1


def test_a_rejected_piece_tells_nobody(workshop, django_capture_on_commit_callbacks):
    join_waitlist(product=workshop["shawl"], contact="ani@example.com")
    piece = helpers.make_piece(
        workshop["shawl"], workshop["weaver"], location=workshop["hub"], sellable=False
    )
    with django_capture_on_commit_callbacks(execute=True):
        helpers.pass_inspection(piece=piece, results={"no_defects": "fail"})
    assert not OutboundMessage.objects.exists()


def race(cooperative, sku, rate, buyers: int) -> list[str]:
    outcomes: list[str] = []
    barrier = threading.Barrier(buyers)

    def buy() -> None:
        try:
            barrier.wait(timeout=30)
            checkout = start_checkout(cooperative=cooperative, lines=[made_to_order(sku)])
            place(checkout, rate)
            outcomes.append("ordered")
        except CapacityTaken:
            outcomes.append("taken")
        except Exception as error:  # noqa: BLE001 — any other outcome is a failure, reported below
            outcomes.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=buy) for _ in range(buyers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return outcomes


@pytest.mark.django_db(transaction=True)
def test_buyers_racing_for_the_last_capacity_one_wins_and_the_others_are_told(settings):
    settings.PREORDER_MAX_DAYS = 20  # one shawl in 15 days fits; the next, in 29, does not
    shop = make_workshop(helpers.make_cooperative(slug="balapan"))
    # The web store exists before buyers arrive (inventory.stock.web_store's first creation is not race-safe).
    web_store(shop["coop"])
    outcomes = race(shop["coop"], shop["sku"], shop["rate"], buyers=6)
    assert outcomes.count("ordered") == 1, outcomes
    assert outcomes.count("taken") == 5, outcomes
    assert Order.objects.count() == 1 and WorkOrder.objects.count() == 1
    assert WorkOrder.objects.get().order_line.order == Order.objects.get()
    promise = Planner(cooperative_ids=[shop["coop"].pk]).promise(shop["sku"])
    assert promise.kind == Kind.WAITLIST


def test_a_lapsed_made_to_order_hold_neither_binds_capacity_nor_counts_as_stock(workshop):
    from sambung.storefront.queries import published_products

    checkout = start_checkout(cooperative=workshop["coop"], lines=[made_to_order(workshop["sku"])])
    Checkout.objects.filter(pk=checkout.pk).update(expires_at=timezone.now() - days(1))
    assert published_products().get(pk=workshop["shawl"].pk).available == 0
    promise = Planner(cooperative_ids=[workshop["coop"].pk]).promise(workshop["sku"])
    assert promise.ship_by == timezone.localdate() + days(15)


def test_work_already_on_the_loom_is_allocated_to_the_buyer_and_its_piece_is_committed_to_her(workshop):
    from sambung.production.models import Allocation
    from sambung.production.pledges import pledge_work

    today = timezone.localdate()
    loom = pledge_work(maker=workshop["weaver"], sku=workshop["sku"], quantity=2, today=today - days(20))
    order = place(
        start_checkout(cooperative=workshop["coop"], lines=[made_to_order(workshop["sku"])]), workshop["rate"]
    )
    assert Allocation.objects.get().work_order == loom and not loom.order_line
    assert order.promised_ship_by == loom.due_on + days(2)
    first, second = complete_work_order(work_order=loom, completed_on=today)
    helpers.pass_inspection(piece=first)
    helpers.pass_inspection(piece=second)
    assert MadePiece.objects.get().piece == first
    assert levels(workshop["sku"]) == {"committed": 1, "available": 1}  # the other one is for the web store


HOLD_OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("hold"), st.integers(1, 3)),
        st.tuples(st.just("place"), st.integers(0, 9)),
        st.tuples(st.just("release"), st.integers(0, 9)),
    ),
    min_size=1,
    max_size=10,
)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(operations=HOLD_OPERATIONS)
def test_a_held_promise_can_always_be_placed_and_no_plan_needs_more_than_capacity(
    workshop, operations, settings_for_holds
):
    second = helpers.make_maker(workshop["coop"], name="Yosefina")
    set_capacity(maker=second, category=workshop["shawl"].category, pieces=2, days=30)
    today = timezone.localdate()
    add_unavailability(maker=second, starts_on=today + days(5), ends_on=today + days(12), reason="upacara")
    with transaction.atomic():
        open_checkouts, promised = [], {}
        for operation in operations:
            kind, number = operation
            if kind == "hold":
                try:
                    checkout = start_checkout(
                        cooperative=workshop["coop"], lines=[made_to_order(workshop["sku"], number)]
                    )
                except CapacityTaken:
                    continue
                open_checkouts.append(checkout)
            elif open_checkouts:
                checkout = open_checkouts.pop(number % len(open_checkouts))
                if kind == "release":
                    release_checkout(checkout=checkout)
                else:
                    held = Hold.objects.get(checkout=checkout).promised_ship_by
                    order = place(checkout, workshop["rate"])  # never CapacityTaken: the hold kept it
                    line = order.lines.get()
                    assert line.promised_ship_by == held
                    promised[line] = held
            for maker in (workshop["weaver"], second):
                assert_within_capacity(maker)
            assert_promises_hold(promised)
        transaction.set_rollback(True)


@pytest.fixture
def settings_for_holds(settings):
    settings.PREORDER_MAX_DAYS = 120


def test_the_packing_slip_names_the_pieces_made_for_the_line(workshop):
    from sambung.orders.documents import packing_slip_pdf
    from sambung.orders.tests.test_documents import pdf_text

    order = place(
        start_checkout(cooperative=workshop["coop"], lines=[made_to_order(workshop["sku"])]), workshop["rate"]
    )
    [piece] = complete_work_order(work_order=WorkOrder.objects.get(), completed_on=timezone.localdate())
    helpers.pass_inspection(piece=piece)
    assert piece.code in pdf_text(packing_slip_pdf(Order.objects.get(pk=order.pk), compress=False))
