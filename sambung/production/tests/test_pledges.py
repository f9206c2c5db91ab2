import pytest

from sambung.catalog.models import Piece
from sambung.inventory.models import StockMove
from sambung.production.capacity import ProductionError, add_unavailability
from sambung.production.models import DeliveredPiece, WorkOrder, WorkOrderEvent, WorkOrderStatus
from sambung.production.pledges import (
    cancel_work_order,
    complete_work_order,
    pledge_work,
    record_past_work_order,
    record_stage,
)
from sambung.production.tests.conftest import TODAY, days
from sambung.tests import helpers


def pledge(maker, product, quantity=1, **kwargs):
    return pledge_work(maker=maker, sku=product.skus.get(), quantity=quantity, today=TODAY, **kwargs)


def snapshot(work_order):
    work_order = WorkOrder.objects.get(pk=work_order.pk)
    return (
        work_order.status,
        work_order.completed_on,
        work_order.due_on,
        work_order.events.count(),
        Piece.objects.count(),
        StockMove.objects.count(),
    )


def test_pledge_gets_dates_from_her_capacity_and_ikat_stages(weaver, sarong, hub):
    work_order = pledge(weaver, sarong)
    assert work_order.status == WorkOrderStatus.PLEDGED
    assert (work_order.starts_on, work_order.due_on) == (TODAY, TODAY + days(29))
    assert work_order.rate_per_piece == 900_000
    assert work_order.location == hub
    stages = list(work_order.stages.all())
    assert [s.name_en for s in stages] == ["spin", "tie", "dye", "weave", "finish"]
    # 15 % + 20 % + 20 % + 35 % + 10 % of 30 days: days 5, 11, 17, 27, 30.
    assert [s.expected_on for s in stages] == [TODAY + days(n) for n in (4, 10, 16, 26, 29)]
    assert list(work_order.events.values_list("kind", flat=True)) == ["pledged"]


def test_second_pledge_follows_her_open_work_and_skips_her_calendar(weaver, sarong, shawl):
    pledge(weaver, sarong)
    add_unavailability(
        maker=weaver, starts_on=TODAY + days(30), ends_on=TODAY + days(39), reason="musim tanam"
    )
    shawls = pledge(weaver, shawl, quantity=2)
    assert shawls.starts_on == TODAY + days(40)
    assert shawls.due_on == TODAY + days(40 + 27)
    assert [s.name_en for s in shawls.stages.all()] == ["make", "finish"]


def test_pledge_beyond_her_capacity_before_the_date_needed_is_refused_and_nothing_saved(weaver, sarong):
    pledge(weaver, sarong)
    with pytest.raises(ProductionError, match="Beyond her capacity") as error:
        pledge(weaver, sarong, quantity=2, needed_by=TODAY + days(60))
    assert "her free capacity is 1 pieces" in str(error.value)
    assert WorkOrder.objects.count() == 1
    # Within her capacity it is accepted.
    assert pledge(weaver, sarong, quantity=1, needed_by=TODAY + days(60)).due_on == TODAY + days(59)


def test_pledge_without_capacity_for_the_product_type_is_refused(cooperative, sarong):
    maker = helpers.make_maker(cooperative)
    with pytest.raises(ProductionError, match="no capacity recorded"):
        pledge(maker, sarong)
    assert not WorkOrder.objects.exists()


@pytest.mark.parametrize("quantity", [0, -1, 101])
def test_pledge_of_a_bad_quantity_is_refused(weaver, sarong, quantity):
    with pytest.raises(ProductionError, match="1 to 100 pieces"):
        pledge(weaver, sarong, quantity=quantity)
    assert not WorkOrder.objects.exists()


def test_pledge_for_another_cooperatives_maker_is_refused(weaver, other_cooperative, sarong_category):
    elsewhere = helpers.make_product(other_cooperative, category=sarong_category)
    helpers.make_location(other_cooperative)
    with pytest.raises(ProductionError, match="active maker of this cooperative"):
        pledge(weaver, elsewhere)


def test_pledge_needed_by_a_past_date_is_refused(weaver, sarong):
    with pytest.raises(ProductionError, match="in the past"):
        pledge(weaver, sarong, needed_by=TODAY - days(1))


def test_stages_are_recorded_in_order_and_dates_never_go_backwards(weaver, sarong):
    work_order = pledge(weaver, sarong)
    record_stage(work_order=work_order, stage=1, done_on=TODAY + days(5), today=TODAY + days(6))
    assert WorkOrder.objects.get(pk=work_order.pk).status == WorkOrderStatus.IN_PROGRESS
    before = snapshot(work_order)
    with pytest.raises(ProductionError, match="Stage dates out of order"):
        record_stage(work_order=work_order, stage=2, done_on=TODAY + days(4), today=TODAY + days(6))
    with pytest.raises(
        ProductionError, match="Record the stage mengikat motif first|Record the stage tie first"
    ):
        record_stage(work_order=work_order, stage=3, done_on=TODAY + days(6), today=TODAY + days(6))
    with pytest.raises(ProductionError, match="future"):
        record_stage(work_order=work_order, stage=2, done_on=TODAY + days(7), today=TODAY + days(6))
    with pytest.raises(ProductionError, match="pledged on"):
        record_stage(work_order=work_order, stage=2, done_on=TODAY - days(1), today=TODAY + days(6))
    assert snapshot(work_order) == before
    record_stage(work_order=work_order, stage=2, done_on=TODAY + days(5), today=TODAY + days(6))


def test_completing_receives_each_piece_through_save_piece_and_links_it(weaver, sarong, hub):
    work_order = pledge(weaver, sarong, quantity=2)
    record_stage(work_order=work_order, stage=1, done_on=TODAY + days(3), today=TODAY + days(3))
    pieces = complete_work_order(work_order=work_order, completed_on=TODAY + days(65), today=TODAY + days(66))
    work_order.refresh_from_db()
    assert work_order.status == WorkOrderStatus.COMPLETED
    assert work_order.completed_on == TODAY + days(65)
    assert work_order.delay_days == 65 - 59
    assert len(pieces) == 2 and all(p.maker == weaver and p.finished_on == TODAY + days(65) for p in pieces)
    assert DeliveredPiece.objects.filter(work_order=work_order).count() == 2
    receipts = StockMove.objects.filter(piece__in=pieces, reason=StockMove.Reason.RECEIPT, location=hub)
    assert receipts.count() == 2
    kinds = list(work_order.events.values_list("kind", "stage"))
    assert kinds == [("pledged", None)] + [("stage_done", n) for n in range(1, 6)] + [("completed", None)]


def test_a_completed_work_order_cannot_be_reopened_or_changed(weaver, sarong):
    work_order = pledge(weaver, sarong)
    complete_work_order(work_order=work_order, completed_on=TODAY + days(20), today=TODAY + days(20))
    before = snapshot(work_order)
    with pytest.raises(ProductionError, match="is completed"):
        record_stage(work_order=work_order, stage=1, done_on=TODAY + days(20), today=TODAY + days(20))
    with pytest.raises(ProductionError, match="is completed"):
        complete_work_order(work_order=work_order, completed_on=TODAY + days(21), today=TODAY + days(21))
    with pytest.raises(ProductionError, match="is completed"):
        cancel_work_order(work_order=work_order, today=TODAY + days(21))
    assert snapshot(work_order) == before


def test_a_stale_copy_of_a_completed_work_order_changes_nothing(weaver, sarong):
    work_order = pledge(weaver, sarong)
    stale = WorkOrder.objects.get(pk=work_order.pk)
    complete_work_order(work_order=work_order, completed_on=TODAY + days(20), today=TODAY + days(20))
    before = snapshot(work_order)
    with pytest.raises(ProductionError):
        complete_work_order(work_order=stale, completed_on=TODAY + days(20), today=TODAY + days(20))
    assert snapshot(work_order) == before


def test_completion_cannot_predate_the_last_stage(weaver, sarong):
    work_order = pledge(weaver, sarong)
    record_stage(work_order=work_order, stage=1, done_on=TODAY + days(8), today=TODAY + days(8))
    before = snapshot(work_order)
    with pytest.raises(ProductionError, match="out of order"):
        complete_work_order(work_order=work_order, completed_on=TODAY + days(7), today=TODAY + days(9))
    assert snapshot(work_order) == before


def test_cancelling_frees_her_days_for_new_pledges(weaver, sarong):
    first = pledge(weaver, sarong)
    cancel_work_order(work_order=first, note="benang habis", today=TODAY)
    assert WorkOrder.objects.get(pk=first.pk).status == WorkOrderStatus.CANCELLED
    assert pledge(weaver, sarong).starts_on == TODAY
    assert first.events.filter(kind=WorkOrderEvent.Kind.CANCELLED).get().note == "benang habis"


def test_past_work_is_recorded_with_its_delay_and_existing_pieces(weaver, sarong, hub):
    pieces = [helpers.make_piece(sarong, weaver, location=hub) for _ in range(2)]
    work_order = record_past_work_order(
        maker=weaver,
        pieces=pieces,
        starts_on=TODAY - days(80),
        due_on=TODAY - days(50),
        completed_on=TODAY - days(44),
        rate_per_piece=850_000,
    )
    assert work_order.status == WorkOrderStatus.COMPLETED
    assert work_order.delay_days == 6
    with pytest.raises(ProductionError, match="already recorded"):
        record_past_work_order(maker=weaver, pieces=pieces, starts_on=TODAY, due_on=TODAY, completed_on=TODAY)
