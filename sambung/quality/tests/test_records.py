"""Each maker's quality record: inspections, grades, deliveries and complaints by calendar month, in a few queries."""

import datetime
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from sambung.catalog.tests import maker_of
from sambung.feedback.complaints import open_complaint
from sambung.feedback.models import Complaint, ComplaintReason
from sambung.orders.models import OrderEvent, OrderStatus
from sambung.orders.tests.test_office_orders import make_shop, order_in
from sambung.quality.inspections import record_inspection
from sambung.quality.models import Inspection
from sambung.quality.records import maker_record, maker_summaries, window_start
from sambung.quality.standards import Criterion, Effect, Kind, current_version, revise_standard
from sambung.tests import helpers

WITA = ZoneInfo("Asia/Makassar")
NOW = datetime.datetime(2026, 11, 20, 10, 0, tzinfo=WITA)
CRITERIA = [
    Criterion("no_holes", Kind.PASS_FAIL, "Tanpa lubang", "No holes"),
    Criterion("even_weave", Kind.PASS_FAIL, "Tenunan rata", "Even weave", fail_effect=Effect.MINOR),
]
A = {"no_holes": "pass", "even_weave": "pass"}
B = {"no_holes": "pass", "even_weave": "fail"}
REJECT = {"no_holes": "fail", "even_weave": "pass"}


def at(year: int, month: int, day: int = 15, hour: int = 10, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(year, month, day, hour, minute, tzinfo=WITA)


@pytest.fixture
def shop(cooperative):
    shop = make_shop(cooperative)
    revise_standard(
        standard=helpers.make_standard(cooperative, shop.sarong.product.category), criteria=CRITERIA
    )
    return shop


def inspect(shop, maker, answers: dict, when: datetime.datetime, piece=None) -> Inspection:
    """Receive a new piece of the maker (or take `piece`, back in quality control), inspect it, date it `when`."""
    if piece is None:
        piece = helpers.make_piece(shop.sarong.product, maker, location=shop.location, sellable=False)
    version = current_version(helpers.make_standard(shop.cooperative, shop.sarong.product.category))
    inspection = record_inspection(
        piece=piece,
        standard_version=version,
        results=answers,
        inspector=helpers.make_inspector(shop.cooperative),
    )
    Inspection.objects.filter(pk=inspection.pk).update(created_at=when)
    return inspection


def deliver(shop, piece, when: datetime.datetime):
    """Sell the (passed) piece through checkout, ship and deliver it; date the delivery `when`."""
    order = order_in(SimpleNamespace(**{**vars(shop), "piece": piece}), OrderStatus.DELIVERED, coffee=1)
    OrderEvent.objects.filter(order=order, kind=OrderEvent.Kind.DELIVERED).update(created_at=when)
    return order.lines.get(piece=piece)


def complain(line, reason: str, when: datetime.datetime) -> Complaint:
    complaint = open_complaint(line=line, reason=reason, text="Ada masalah.")
    Complaint.objects.filter(pk=complaint.pk).update(created_at=when)
    return complaint


@pytest.fixture
def weaver(shop):
    """A maker with inspections in three months, deliveries in two and complaints on them."""
    maker = helpers.make_maker(shop.cooperative, name="Maria Bata")
    # September: 2 A, 1 B, 1 reject. October: 1 A, 1 reject. November: 1 B.
    sold = [inspect(shop, maker, A, at(2026, 9, 3)).piece, inspect(shop, maker, A, at(2026, 9, 4)).piece]
    inspect(shop, maker, B, at(2026, 9, 5))
    rejected = inspect(shop, maker, REJECT, at(2026, 9, 6)).piece
    sold.append(inspect(shop, maker, A, at(2026, 10, 1)).piece)
    inspect(shop, maker, REJECT, at(2026, 10, 2))
    late = inspect(shop, maker, B, at(2026, 11, 2)).piece
    # Delivered: two in October, one in November; complaints on the first two October ones.
    first = deliver(shop, sold[0], at(2026, 10, 10))
    second = deliver(shop, sold[1], at(2026, 10, 11))
    deliver(shop, sold[2], at(2026, 11, 12))
    complain(first, ComplaintReason.DEFECT, at(2026, 11, 1))  # counts in October, when it was delivered
    complain(second, ComplaintReason.DAMAGED_IN_TRANSIT, at(2026, 10, 20))
    return SimpleNamespace(maker=maker, rejected=rejected, late=late)


def test_the_record_counts_each_month_its_inspections_grades_deliveries_and_complaints(shop, weaver):
    record = maker_record(weaver.maker)
    assert [m.month for m in record.months] == [
        datetime.date(2026, 11, 1),
        datetime.date(2026, 10, 1),
        datetime.date(2026, 9, 1),
    ]
    november, october, september = record.months
    assert (september.inspections, september.grade_a, september.grade_b, september.rejected) == (4, 2, 1, 1)
    assert (september.pass_rate, september.share_a, september.share_rejected) == (75.0, 50.0, 25.0)
    assert (october.inspections, october.pass_rate, october.units_delivered, october.complaints) == (
        2,
        50.0,
        2,
        2,
    )
    assert october.complaint_rate == 100.0
    assert dict(october.reasons) == {"defect": 1, "damaged_in_transit": 1}
    assert (november.inspections, november.grade_b, november.units_delivered, november.complaints) == (
        1,
        1,
        1,
        0,
    )
    assert november.complaint_rate == 0.0
    assert (september.units_delivered, september.complaint_rate) == (0, None)

    total = record.total
    assert (total.inspections, total.grade_a, total.grade_b, total.rejected) == (7, 3, 2, 2)
    assert round(total.pass_rate, 2) == round(500 / 7, 2)
    assert (total.units_delivered, total.complaints) == (3, 2)
    assert round(total.complaint_rate, 2) == round(200 / 3, 2)


def test_only_her_pieces_count_and_counted_goods_count_for_nobody(shop, weaver):
    other = helpers.make_maker(shop.cooperative)
    inspect(shop, other, REJECT, at(2026, 9, 10))
    helpers.make_stock(shop.coffee.product, shop.location, 3)  # a batch inspection: no maker
    record = maker_record(weaver.maker)
    assert record.total.inspections == 7 and record.total.rejected == 2
    assert maker_record(other).total.inspections == 1


def test_a_month_starts_at_midnight_in_the_cooperatives_time_zone(shop):
    maker = helpers.make_maker(shop.cooperative)
    # 00:30 WITA on 1 October is still 30 September in UTC: it belongs to October.
    inspect(shop, maker, A, at(2026, 10, 1, hour=0, minute=30))
    inspect(shop, maker, A, at(2026, 9, 30, hour=23, minute=30))
    months = {m.month: m.inspections for m in maker_record(maker).months}
    assert months == {datetime.date(2026, 10, 1): 1, datetime.date(2026, 9, 1): 1}


def test_the_record_shows_the_latest_twelve_months_with_activity_and_totals_them(shop):
    maker = helpers.make_maker(shop.cooperative)
    # Fourteen active months over two and a half years, with gaps between them.
    months = (
        [(2024, m) for m in (3, 7, 11)]
        + [(2025, m) for m in range(1, 12, 2)]
        + [(2026, m) for m in (1, 2, 5, 6, 9)]
    )
    for year, month in months:
        inspect(shop, maker, A if month % 2 else REJECT, at(year, month))
    record = maker_record(maker)
    assert [(m.month.year, m.month.month) for m in record.months] == sorted(months, reverse=True)[:12]
    assert record.total.inspections == 12


def test_the_record_takes_three_queries_however_many_inspections(shop, weaver, django_assert_num_queries):
    for day in range(1, 11):
        inspect(shop, weaver.maker, A if day % 3 else REJECT, at(2026, 8, day))
    with django_assert_num_queries(3):
        record = maker_record(weaver.maker)
    assert record.total.inspections == 17


def test_a_complaint_on_an_undelivered_line_counts_in_the_month_it_was_opened(shop):
    maker = helpers.make_maker(shop.cooperative)
    piece = inspect(shop, maker, A, at(2026, 9, 1)).piece
    order = order_in(SimpleNamespace(**{**vars(shop), "piece": piece}), OrderStatus.PAID)
    complain(order.lines.get(piece=piece), ComplaintReason.LATE, at(2026, 10, 5))
    october = maker_record(maker).months[0]
    assert (october.month, october.complaints, october.units_delivered, october.complaint_rate) == (
        datetime.date(2026, 10, 1),
        1,
        0,
        None,
    )


def test_every_maker_is_listed_with_her_last_twelve_months_worst_pass_rate_first(shop, weaver):
    good = helpers.make_maker(shop.cooperative, name="Yosefina")
    inspect(shop, good, A, at(2026, 11, 3))
    poor = helpers.make_maker(shop.cooperative, name="Agnes")
    inspect(shop, poor, REJECT, at(2026, 11, 3))
    inspect(shop, poor, A, at(2026, 11, 4))
    inspect(shop, poor, REJECT, at(2025, 11, 30))  # before the window: not counted
    idle = helpers.make_maker(shop.cooperative, name="Bernadeta")
    summaries = maker_summaries(shop.cooperative, now=NOW)
    names = [s.maker.name for s in summaries]
    assert names.index("Agnes") < names.index("Maria Bata") < names.index("Yosefina")
    assert names.index("Yosefina") < names.index(idle.name)
    by_name = {s.maker.name: s.tally for s in summaries}
    assert (by_name["Agnes"].inspections, by_name["Agnes"].pass_rate) == (2, 50.0)
    assert (by_name["Maria Bata"].inspections, by_name["Maria Bata"].units_delivered) == (7, 3)
    assert by_name["Maria Bata"].complaints == 2
    assert not by_name["Bernadeta"].has_activity


def test_the_window_starts_on_the_first_of_the_month_eleven_months_back():
    assert window_start(now=NOW) == datetime.datetime(2025, 12, 1, tzinfo=WITA)
    assert window_start(now=datetime.datetime(2026, 1, 5, tzinfo=WITA)) == datetime.datetime(
        2025, 2, 1, tzinfo=WITA
    )


def test_the_list_takes_four_queries_however_many_makers(shop, weaver, django_assert_num_queries):
    for _ in range(3):
        inspect(shop, helpers.make_maker(shop.cooperative), A, at(2026, 11, 5))
    with django_assert_num_queries(4):
        maker_summaries(shop.cooperative, now=NOW)


# -- Pages --------------------------------------------------------------------------------------------------


def quality_url(name: str, *args) -> str:
    with translation.override("en"):
        return reverse(f"quality:{name}", args=args)


def test_the_managers_list_ranks_makers_and_links_each_record(manager, shop, weaver):
    response = manager.get(quality_url("maker_records", shop.cooperative.slug))
    html = response.content.decode()
    assert response.status_code == 200
    assert quality_url("maker_record", shop.cooperative.slug, weaver.maker.pk) in html
    assert escape("Maria Bata") in html


def test_the_record_page_shows_each_month_with_its_figures(viewer, shop, weaver):
    response = viewer.get(quality_url("maker_record", shop.cooperative.slug, weaver.maker.pk))
    html = response.content.decode()
    assert response.status_code == 200
    assert "September 2026" in html and "October 2026" in html and "November 2026" in html
    assert "75 % passed" in html and "4 inspections" in html
    assert "Grade A 2 (50 %) · grade B 1 (25 %) · rejected 1 (25 %)" in html
    assert (
        "2 units delivered · 2 complaints (100.0 % of units delivered): defect 1, damaged in transit 1"
        in html
    )


def test_a_maker_sees_her_own_record_and_is_sent_there_from_the_list(maker_user, shop):
    own = maker_of("penenun")
    inspect(shop, own, B, at(2026, 11, 3))
    slug = shop.cooperative.slug
    response = maker_user.get(quality_url("maker_records", slug))
    assert response.status_code == 302 and response.url == quality_url("maker_record", slug, own.pk)
    page = maker_user.get(response.url).content.decode()
    assert "100 % passed" in page and "1 inspection" in page
    other = helpers.make_maker(shop.cooperative)
    assert maker_user.get(quality_url("maker_record", slug, other.pk)).status_code == 404


def test_the_makers_page_and_the_quality_queue_link_to_the_records(manager, shop, weaver):
    slug = shop.cooperative.slug
    with translation.override("en"):
        maker_page = reverse("office:maker_detail", args=[slug, weaver.maker.pk])
    assert quality_url("maker_record", slug, weaver.maker.pk) in manager.get(maker_page).content.decode()
    assert quality_url("maker_records", slug) in manager.get(quality_url("queue", slug)).content.decode()


def test_the_record_speaks_indonesian_first(manager, shop, weaver):
    with translation.override("id"):
        path = reverse("quality:maker_record", args=[shop.cooperative.slug, weaver.maker.pk])
    html = manager.get(path, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Catatan mutu Maria Bata" in html and "75 % lulus" in html and "September 2026" in html
