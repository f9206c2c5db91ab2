"""The orders back office: the list, an order's page, and each step posted from it (through fulfilment)."""

import datetime
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

from sambung.demo.cooperative import DEMO_QRIS
from sambung.inventory.models import StockMove
from sambung.orders import fulfilment
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import Buyer, place_order, start_checkout
from sambung.orders.models import CancelReason, Order, OrderEvent, OrderStatus
from sambung.orders.tests.test_checkout import quantities
from sambung.tests import helpers

S = OrderStatus
BUYER = Buyer(
    name="Maria Goreti",
    phone="+6281234567890",
    email="maria@example.com",
    address="Jl. Melati 5",
    village_code="53.07.04.2001",  # Nita, Kabupaten Sikka, 86151
)
# The steps that lead to each status, through the real fulfilment functions.
ROUTE_TO = {
    S.AWAITING_PAYMENT: [],
    S.PAID: [lambda order: fulfilment.confirm_payment(order=order)],
    S.PACKING: [
        lambda order: fulfilment.confirm_payment(order=order),
        lambda order: fulfilment.start_packing(order=order),
    ],
    S.SHIPPED: [
        lambda order: fulfilment.confirm_payment(order=order),
        lambda order: fulfilment.ship_order(order=order, courier="JNE REG", tracking_number="JNE0001"),
    ],
    S.DELIVERED: [
        lambda order: fulfilment.confirm_payment(order=order),
        lambda order: fulfilment.ship_order(order=order, courier="JNE REG", tracking_number="JNE0001"),
        lambda order: fulfilment.record_delivery(order=order),
    ],
    S.RETURNED: [
        lambda order: fulfilment.confirm_payment(order=order),
        lambda order: fulfilment.ship_order(order=order, courier="JNE REG", tracking_number="JNE0001"),
        lambda order: fulfilment.record_return(order=order),
    ],
    S.CANCELLED: [lambda order: fulfilment.cancel_order(order=order, reason=CancelReason.BUYER)],
}


def make_shop(cooperative, *, piece_code: str = "SKA-2026-014") -> SimpleNamespace:
    """A cooperative that sells: QRIS and bank details, a warehouse, coffee by the bag, an ikat piece, a rate."""
    cooperative.qris_static = DEMO_QRIS
    cooperative.bank_name = "Bank NTT"
    cooperative.bank_account_number = "001.02.03.004567-8"
    cooperative.bank_account_name = cooperative.name
    cooperative.address = "Jl. Ahmad Yani 12, Maumere"
    cooperative.save()
    location = helpers.make_location(cooperative, name="Gudang Maumere", days_to_pack=3)
    coffee = helpers.make_product(
        cooperative,
        price=85_000,
        title_id="Kopi Sikka 250 g",
        weight_g=270,
        length_cm=20,
        width_cm=12,
        height_cm=6,
    )
    coffee.skus.update(is_unique=False)
    helpers.make_stock(coffee, location, 5)
    sarong = helpers.make_product(
        cooperative,
        price=1_250_000,
        title_id="Sarung ikat Okukirei",
        title_en="Okukirei ikat sarong",
        weight_g=700,
        length_cm=40,
        width_cm=30,
    )
    piece = helpers.make_piece(sarong, helpers.make_maker(cooperative), location=location, code=piece_code)
    rate = helpers.make_shipping_rate(cooperative, destination="53.07", first_kg=10_000, next_kg=8_000)
    return SimpleNamespace(
        cooperative=cooperative,
        location=location,
        coffee=coffee.skus.get(),
        sarong=sarong.skus.get(),
        piece=piece,
        rate=rate,
    )


def place(shop, *, coffee: int = 0, piece: bool = True, method: str = "bank_transfer", now=None, buyer=BUYER):
    """Place an order through checkout, as a buyer would: the piece and/or some coffee."""
    lines = [PricedLine(shop.sarong, shop.piece, 1)] if piece else []
    if coffee:
        lines.append(PricedLine(shop.coffee, None, coffee))
    checkout = start_checkout(cooperative=shop.cooperative, lines=lines)
    return place_order(
        checkout=checkout, buyer=buyer, shipping_rate=shop.rate, payment_method=method, now=now
    )


def order_in(shop, status: str, **kwargs) -> Order:
    order = place(shop, **kwargs)
    for step in ROUTE_TO[status]:
        step(order)
    return Order.objects.get(pk=order.pk)


@pytest.fixture
def shop(cooperative):
    return make_shop(cooperative)


def url(name: str, *args) -> str:
    """Return the English address of an orders back-office page, so that tests read the English msgids."""
    with translation.override("en"):
        return reverse(f"orders_office:{name}", args=args)


def login_url() -> str:
    with translation.override("en"):
        return reverse("accounts:login")


def shows(response, text: str) -> bool:
    return escape(str(text)) in response.content.decode()


def flashed(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def kinds(order: Order) -> list[str]:
    return list(order.events.values_list("kind", flat=True))


# The list


def test_order_list_shows_newest_first_with_code_buyer_total_and_status(manager, shop):
    older = place(shop, coffee=1, piece=False)
    newer = order_in(shop, S.PAID, coffee=2, piece=False, buyer=Buyer(**{**BUYER.__dict__, "name": "Yosef"}))
    response = manager.get(url("order_list", shop.cooperative.slug))
    html = response.content.decode()
    assert response.status_code == 200
    assert html.index(newer.code) < html.index(older.code)
    assert shows(response, "Yosef") and shows(response, "Maria Goreti")
    assert shows(response, "Rp 180.000")  # 2 × 85.000 + 10.000 shipping
    assert shows(response, "awaiting payment") and shows(response, "paid")


def test_order_list_filters_by_status(manager, shop):
    unpaid = place(shop, coffee=1, piece=False)
    paid = order_in(shop, S.PAID, coffee=1, piece=False)
    response = manager.get(url("order_list", shop.cooperative.slug) + "?status=paid")
    assert shows(response, paid.code) and not shows(response, unpaid.code)


def test_order_list_finds_an_order_by_its_code(manager, shop):
    wanted = place(shop, coffee=1, piece=False)
    other = place(shop, coffee=1, piece=False)
    response = manager.get(url("order_list", shop.cooperative.slug) + f"?q={wanted.code.lower()}")
    assert shows(response, wanted.code) and not shows(response, other.code)


def test_order_list_marks_orders_that_are_late_or_ship_today(manager, shop):
    today = timezone.localdate()

    def placed_days_ago(days: int):
        noon = datetime.datetime.combine(today - datetime.timedelta(days=days), datetime.time(12))
        return timezone.make_aware(noon)

    # Paid at once: an order left unpaid that long would have been cancelled by the next checkout.
    late = place(shop, coffee=1, piece=False, now=placed_days_ago(5))  # 3 days to pack: 2 days late
    fulfilment.confirm_payment(order=late)
    due = place(shop, coffee=1, piece=False, now=placed_days_ago(3))
    fulfilment.confirm_payment(order=due)
    assert (late.promised_ship_by, due.promised_ship_by) == (today - datetime.timedelta(days=2), today)
    html = manager.get(url("order_list", shop.cooperative.slug)).content.decode()
    late_row = html[html.index(late.code) : html.index("</li>", html.index(late.code))]
    due_row = html[html.index(due.code) : html.index("</li>", html.index(due.code))]
    assert 'class="late"' in late_row and "Late" in late_row
    assert 'class="due"' in due_row and "Ships today" in due_row


def test_a_shipped_order_is_not_marked_late(manager, shop):
    noon = datetime.datetime.combine(timezone.localdate() - datetime.timedelta(days=9), datetime.time(12))
    order = place(shop, coffee=1, piece=False, now=timezone.make_aware(noon))
    fulfilment.confirm_payment(order=order)
    fulfilment.ship_order(order=order, courier="JNE", tracking_number="X1")
    html = manager.get(url("order_list", shop.cooperative.slug)).content.decode()
    assert 'class="late"' not in html


def test_order_list_answers_a_page_past_the_end_with_the_last_page(manager, shop):
    for _ in range(3):
        place(shop, coffee=1, piece=False)
    response = manager.get(url("order_list", shop.cooperative.slug) + "?status=awaiting_payment&page=99")
    assert response.status_code == 200


# An order's page


def test_order_page_shows_lines_buyer_address_shipping_payment_and_history(manager, shop):
    order = order_in(shop, S.PAID, coffee=2)
    response = manager.get(url("order_detail", shop.cooperative.slug, order.code))
    assert response.status_code == 200
    for text in [
        *order.lines.values_list("title", flat=True),
        "SKA-2026-014",
        "2 × Rp 85.000",
        "Rp 1.250.000",
        "Maria Goreti",
        "+6281234567890",
        "maria@example.com",
        "Jl. Melati 5",
        "Nita, district Nita",
        "Kabupaten Sikka",
        "86151",
        "JNE REG",
        "bank transfer",
        str(order.unique_code),
        f"Rp {order.amount_due:,}".replace(",", "."),
        "Order placed",
        "Payment confirmed",
    ]:
        assert shows(response, text), text


def test_order_page_links_to_a_whatsapp_chat_with_the_order_code_in_indonesian(manager, shop):
    order = place(shop)
    response = manager.get(url("order_detail", shop.cooperative.slug, order.code))
    link = response.context["whatsapp_url"]
    parts = urlsplit(link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/6281234567890")
    text = parse_qs(parts.query)["text"][0]
    assert order.code in text and "Maria Goreti" in text
    # The page is in English; the message is in the buyer's language, Indonesian.
    with translation.override("id"):
        message = translation.gettext("Hello %(name)s, this is %(cooperative)s about your order %(code)s.")
    assert text == message % {
        "name": "Maria Goreti",
        "cooperative": shop.cooperative.name,
        "code": order.code,
    }
    assert shows(response, link)


def test_order_page_history_tells_who_did_each_step_with_courier_and_tracking(
    manager, shop, django_user_model
):
    order = place(shop)
    staff = django_user_model.objects.get(username="manajer")
    fulfilment.confirm_payment(order=order, user=staff, note="BRI 0912")
    fulfilment.ship_order(order=order, courier="POS Kilat", tracking_number="P123456", user=staff)
    response = manager.get(url("order_detail", shop.cooperative.slug, order.code))
    for text in ["manajer", "BRI 0912", "POS Kilat, tracking number P123456", "the buyer"]:
        assert shows(response, text), text


def test_order_page_offers_only_the_steps_the_status_allows(manager, shop):
    slug = shop.cooperative.slug
    unpaid = place(shop, coffee=1, piece=False)
    shipped = order_in(shop, S.SHIPPED, coffee=1, piece=False)
    html = manager.get(url("order_detail", slug, unpaid.code)).content.decode()
    assert (
        url("confirm_payment", slug, unpaid.code) in html and url("cancel_order", slug, unpaid.code) in html
    )
    assert url("ship_order", slug, unpaid.code) not in html
    html = manager.get(url("order_detail", slug, shipped.code)).content.decode()
    assert (
        url("record_delivery", slug, shipped.code) in html
        and url("record_return", slug, shipped.code) in html
    )
    assert url("cancel_order", slug, shipped.code) not in html


def test_hub_operator_sees_packing_steps_but_not_payment_cancel_or_invoice(operator, shop):
    slug = shop.cooperative.slug
    unpaid = place(shop, coffee=1, piece=False)
    paid = order_in(shop, S.PAID, coffee=1, piece=False)
    html = operator.get(url("order_detail", slug, unpaid.code)).content.decode()
    assert (
        url("confirm_payment", slug, unpaid.code) not in html
        and url("cancel_order", slug, unpaid.code) not in html
    )
    html = operator.get(url("order_detail", slug, paid.code)).content.decode()
    assert url("start_packing", slug, paid.code) in html and url("ship_order", slug, paid.code) in html
    assert url("packing_slip", slug, paid.code) in html and url("invoice", slug, paid.code) not in html


def test_program_viewer_reads_the_order_without_the_buyers_contact_or_any_step(viewer, shop):
    order = order_in(shop, S.PAID)
    response = viewer.get(url("order_detail", shop.cooperative.slug, order.code))
    assert response.status_code == 200 and shows(response, "Kabupaten Sikka")
    for private in ["Maria Goreti", "+6281234567890", "Jl. Melati 5", "wa.me"]:
        assert not shows(response, private), private
    assert 'method="post" action' not in response.content.decode().split("</header>")[1]
    listing = viewer.get(url("order_list", shop.cooperative.slug))
    assert shows(listing, order.code) and not shows(listing, "Maria Goreti")


# Steps, each one fulfilment function


def test_manager_confirms_a_payment_and_is_shown_the_order_again(manager, shop, django_user_model):
    order = place(shop)
    response = manager.post(url("confirm_payment", shop.cooperative.slug, order.code), {"note": "BRI 0912"})
    assert response.status_code == 302 and response.url == url(
        "order_detail", shop.cooperative.slug, order.code
    )
    order.refresh_from_db()
    assert order.status == S.PAID
    event = order.events.get(kind=OrderEvent.Kind.PAID)
    assert event.note == "BRI 0912" and event.actor == django_user_model.objects.get(username="manajer")
    assert flashed(response) == [f"Payment for {order.code} confirmed."]


def test_operator_packs_ships_and_records_the_delivery(operator, shop):
    order = order_in(shop, S.PAID, coffee=2)
    slug = shop.cooperative.slug
    operator.post(url("start_packing", slug, order.code))
    assert Order.objects.get(pk=order.pk).status == S.PACKING
    response = operator.post(
        url("ship_order", slug, order.code), {"courier": "JNE REG", "tracking_number": " JNE77 "}
    )
    assert Order.objects.get(pk=order.pk).status == S.SHIPPED
    assert flashed(response)[-1] == f"{order.code} shipped with JNE REG, tracking number JNE77."
    shipped = order.events.get(kind=OrderEvent.Kind.SHIPPED)
    assert (shipped.courier, shipped.tracking_number) == ("JNE REG", "JNE77")
    # The shipped units have left stock: 3 of 5 bags and no piece remain.
    assert quantities(shop.coffee) == {"available": 3} and quantities(shop.sarong) == {}
    operator.post(url("record_delivery", slug, order.code), {"note": "diterima ibu"})
    assert Order.objects.get(pk=order.pk).status == S.DELIVERED
    assert kinds(order) == ["placed", "paid", "packing", "shipped", "delivered"]


def test_manager_records_a_return_and_the_items_wait_in_quality_control(manager, shop):
    order = order_in(shop, S.SHIPPED, coffee=1)
    manager.post(url("record_return", shop.cooperative.slug, order.code), {"note": "rusak di jalan"})
    assert Order.objects.get(pk=order.pk).status == S.RETURNED
    assert quantities(shop.coffee) == {"available": 4, "qc": 1} and quantities(shop.sarong) == {"qc": 1}
    assert order.events.last().note == "rusak di jalan"


def test_manager_cancels_with_a_reason_and_the_items_go_back_on_sale(manager, shop):
    order = place(shop, coffee=2)
    response = manager.post(
        url("cancel_order", shop.cooperative.slug, order.code), {"reason": "buyer", "note": "minta batal"}
    )
    assert flashed(response) == [f"{order.code} cancelled."]
    event = Order.objects.get(pk=order.pk).events.last()
    assert (event.kind, event.cancel_reason, event.note) == ("cancelled", "buyer", "minta batal")
    assert quantities(shop.coffee) == {"available": 5} and quantities(shop.sarong) == {"available": 1}


def test_cancelling_for_no_stock_does_not_put_the_items_back_on_sale(manager, shop):
    order = place(shop)
    manager.post(url("cancel_order", shop.cooperative.slug, order.code), {"reason": "seller_no_stock"})
    assert Order.objects.get(pk=order.pk).status == S.CANCELLED
    assert quantities(shop.sarong) == {}


REFUSED = [
    # (step, status the order is in, posted data, what the message says)
    ("confirm_payment", S.PAID, {}, "cannot become paid"),
    ("confirm_payment", S.CANCELLED, {}, "cannot become paid"),
    ("start_packing", S.AWAITING_PAYMENT, {}, "cannot become packing"),
    ("start_packing", S.PACKING, {}, "cannot become packing"),
    ("ship_order", S.AWAITING_PAYMENT, {"courier": "JNE", "tracking_number": "X"}, "cannot become shipped"),
    ("ship_order", S.SHIPPED, {"courier": "JNE", "tracking_number": "X"}, "cannot become shipped"),
    ("ship_order", S.PAID, {"courier": "JNE", "tracking_number": "   "}, "Enter the tracking number"),
    ("ship_order", S.PAID, {"courier": "", "tracking_number": "X"}, "Enter the courier"),
    ("ship_order", S.PAID, {"courier": "JNE", "tracking_number": "X" * 61}, "at most 60 characters"),
    ("record_delivery", S.PAID, {}, "cannot become delivered"),
    ("record_delivery", S.RETURNED, {}, "cannot become delivered"),
    ("record_return", S.AWAITING_PAYMENT, {}, "cannot become returned"),
    ("record_return", S.CANCELLED, {}, "cannot become returned"),
    ("cancel_order", S.SHIPPED, {"reason": "buyer"}, "cannot become cancelled"),
    ("cancel_order", S.DELIVERED, {"reason": "buyer"}, "cannot become cancelled"),
    ("cancel_order", S.AWAITING_PAYMENT, {"reason": "because"}, "Choose why the order is cancelled"),
    ("cancel_order", S.AWAITING_PAYMENT, {}, "Choose why the order is cancelled"),
    ("confirm_payment", S.AWAITING_PAYMENT, {"note": "n" * 301}, "at most 300 characters"),
]


@pytest.mark.parametrize(("step", "status", "data", "message"), REFUSED, ids=lambda v: str(v)[:30])
def test_a_refused_step_says_why_and_changes_nothing(manager, shop, step, status, data, message):
    order = order_in(shop, status, coffee=1)
    events, moves = order.events.count(), StockMove.objects.count()
    levels = (quantities(shop.coffee), quantities(shop.sarong))
    response = manager.post(url(step, shop.cooperative.slug, order.code), data)
    assert response.status_code == 302 and response.url == url(
        "order_detail", shop.cooperative.slug, order.code
    )
    assert any(message in text for text in flashed(response)), flashed(response)
    assert Order.objects.get(pk=order.pk).status == status
    assert order.events.count() == events and StockMove.objects.count() == moves
    assert (quantities(shop.coffee), quantities(shop.sarong)) == levels


def test_the_refusal_is_shown_on_the_order_page(manager, shop):
    order = order_in(shop, S.PAID)
    response = manager.post(url("confirm_payment", shop.cooperative.slug, order.code), follow=True)
    assert response.status_code == 200
    assert shows(response, f"Order {order.code} is paid; it cannot become paid.")


def test_a_step_asked_with_get_is_refused_and_changes_nothing(manager, shop):
    order = place(shop)
    assert manager.get(url("confirm_payment", shop.cooperative.slug, order.code)).status_code == 405
    assert (
        manager.get(url("shipping_rate_deactivate", shop.cooperative.slug, shop.rate.pk)).status_code == 405
    )
    assert kinds(order) == ["placed"]


def test_read_only_pages_refuse_a_post(manager, shop):
    order = place(shop)
    assert manager.post(url("order_list", shop.cooperative.slug)).status_code == 405
    assert manager.post(url("order_detail", shop.cooperative.slug, order.code)).status_code == 405
    assert manager.post(url("invoice", shop.cooperative.slug, order.code)).status_code == 405


# CSRF


def test_a_step_posted_without_csrf_token_is_refused_and_changes_nothing(cooperative, shop):
    client = Client(enforce_csrf_checks=True)
    client.force_login(helpers.make_member(cooperative, "manager", username="manajer"))
    order = place(shop)
    response = client.post(url("confirm_payment", cooperative.slug, order.code), {"note": ""})
    assert response.status_code == 403
    response = client.post(url("cancel_order", cooperative.slug, order.code), {"reason": "buyer"})
    assert response.status_code == 403
    assert kinds(order) == ["placed"] and Order.objects.get(pk=order.pk).status == S.AWAITING_PAYMENT


def test_every_post_form_on_the_order_pages_carries_a_csrf_token(manager, shop):
    slug = shop.cooperative.slug
    pages = [
        url("order_detail", slug, place(shop, coffee=1, piece=False).code),
        url("order_detail", slug, order_in(shop, S.PAID, coffee=1, piece=False).code),
        url("order_detail", slug, order_in(shop, S.SHIPPED, coffee=1, piece=False).code),
        url("order_list", slug),
    ]
    for page in pages:
        html = manager.get(page).content.decode()
        assert html.count('method="post"') == html.count('name="csrfmiddlewaretoken"') >= 1, page


def test_a_step_with_the_token_from_the_page_goes_through(cooperative, shop):
    client = Client(enforce_csrf_checks=True)
    client.force_login(helpers.make_member(cooperative, "manager", username="manajer"))
    order = place(shop)
    client.get(url("order_detail", cooperative.slug, order.code))
    token = client.cookies["csrftoken"].value
    response = client.post(
        url("confirm_payment", cooperative.slug, order.code), {"csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and Order.objects.get(pk=order.pk).status == S.PAID
