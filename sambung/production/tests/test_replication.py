"""Production travels by sync: each writer emits one event holding every row it wrote; another node applies it
within the origin's scope, once, whatever the order of delivery."""

import pytest

from sambung.catalog.models import Location
from sambung.lib.ids import uuid7
from sambung.orders.models import MadePiece
from sambung.production import replication
from sambung.production.capacity import (
    StageSpec,
    add_unavailability,
    remove_capacity,
    remove_unavailability,
    set_capacity,
    set_stages,
)
from sambung.production.models import (
    Allocation,
    Capacity,
    DeliveredPiece,
    Stage,
    Unavailability,
    WorkOrder,
    WorkOrderEvent,
    WorkOrderStage,
)
from sambung.production.pledges import (
    cancel_work_order,
    complete_work_order,
    pledge_work,
    record_stage,
    release_order_line_work,
)
from sambung.production.tests.conftest import TODAY, days, make_order_line
from sambung.sync.enrolment import write_snapshot
from sambung.sync.exchange import receive_frame
from sambung.sync.models import Event, RowVersion
from sambung.sync.state import replicated_state
from sambung.sync.tests.remote import RemoteHub
from sambung.tests import helpers


@pytest.fixture
def remote(cooperative):
    return RemoteHub(cooperative)


def last_event(kind: str) -> Event:
    return Event.objects.filter(kind=kind).order_by("-seq").first()


def kinds_since(seq: int) -> list[str]:
    return list(Event.objects.filter(seq__gt=seq).order_by("seq").values_list("kind", flat=True))


def top_seq() -> int:
    return Event.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def production_state(cooperative) -> dict:
    models = replicated_state(cooperative_slug=cooperative.slug, full=True)["models"]
    return {label: models[label]["rows"] for label in replication.REPLICATED}


def forget_work_order(work_order: WorkOrder) -> None:
    """Make this database look like a node that never heard of the work order."""
    WorkOrderEvent.objects.filter(work_order=work_order).delete()
    DeliveredPiece.objects.filter(work_order=work_order).delete()
    Allocation.objects.filter(work_order=work_order).delete()
    WorkOrder.objects.filter(pk=work_order.pk).delete()  # its stages go with it
    RowVersion.objects.filter(label="production.workorder", row_id=str(work_order.pk)).delete()


def pledge_at(location: Location, maker, product) -> WorkOrder:
    return pledge_work(maker=maker, sku=product.skus.get(), quantity=1, location=location, today=TODAY)


# ---- emitting ---------------------------------------------------------------------------------------------


def test_each_production_writer_emits_one_event_with_every_row_it_wrote(weaver, sarong, hub):
    start = top_seq()
    work_order = pledge_at(hub, weaver, sarong)
    assert kinds_since(start) == ["production.work_order"]
    rows = last_event("production.work_order").payload["rows"]
    assert [row["m"] for row in rows] == ["production.workorder"] + ["production.workorderstage"] * 5 + [
        "production.workorderevent"
    ]
    assert all("id" not in row["f"] for row in rows if row["m"] == "production.workorderstage")
    assert last_event("production.work_order").cooperative_id == weaver.cooperative_id

    start = top_seq()
    record_stage(work_order=work_order, stage=1, done_on=TODAY, today=TODAY)
    assert kinds_since(start) == ["production.work_order"]
    payload_kinds = [row["f"].get("kind") for row in last_event("production.work_order").payload["rows"]]
    assert payload_kinds.count("stage_done") == 1
    assert last_event("production.work_order").payload["rows"][0]["f"]["status"] == "in_progress"

    start = top_seq()
    complete_work_order(work_order=work_order, completed_on=TODAY, today=TODAY)
    # Its piece and the piece's receipt first (their own kinds), then the work order naming the piece.
    assert kinds_since(start) == ["piece.saved", "stock.move", "production.work_order"]
    rows = last_event("production.work_order").payload["rows"]
    assert rows[0]["f"]["status"] == "completed"
    assert [row["m"] for row in rows].count("production.deliveredpiece") == 1


def test_cancelled_work_is_emitted_with_its_cancellation(weaver, sarong, hub):
    work_order = pledge_at(hub, weaver, sarong)
    start = top_seq()
    cancel_work_order(work_order=work_order, today=TODAY)
    assert kinds_since(start) == ["production.work_order"]
    rows = last_event("production.work_order").payload["rows"]
    assert rows[0]["f"]["status"] == "cancelled"
    assert [row["f"]["kind"] for row in rows if row["m"] == "production.workorderevent"] == [
        "pledged",
        "cancelled",
    ]


def test_a_makers_calendar_is_emitted_whole_even_when_its_last_row_is_removed(weaver, sarong_category):
    start = top_seq()
    period = add_unavailability(maker=weaver, starts_on=TODAY, ends_on=TODAY + days(3), reason="upacara")
    assert kinds_since(start) == ["production.calendar"]
    payload = last_event("production.calendar").payload
    assert payload["maker"] == str(weaver.pk)
    assert sorted(row["m"] for row in payload["rows"]) == [
        "production.capacity",
        "production.capacity",
        "production.unavailability",
    ]
    remove_unavailability(period=period)
    for capacity in Capacity.objects.filter(maker=weaver):
        remove_capacity(capacity=capacity)
    assert last_event("production.calendar").payload["rows"] == []
    assert kinds_since(start).count("production.calendar") == 4


def test_stage_lists_and_released_work_are_emitted(cooperative, weaver, sarong, sarong_category):
    start = top_seq()
    set_stages(
        cooperative=cooperative,
        category=sarong_category,
        stages=[StageSpec("menenun", "weave", 80), StageSpec("menyelesaikan", "finish", 20)],
    )
    assert kinds_since(start) == ["production.stages"]
    assert len(last_event("production.stages").payload["rows"]) == 2

    line = make_order_line(sarong, promised_ship_by=TODAY + days(60))
    work_order = pledge_work(maker=weaver, sku=sarong.skus.get(), quantity=1, order_line=line, today=TODAY)
    start = top_seq()
    release_order_line_work(order_line=line, today=TODAY)
    assert kinds_since(start) == ["production.work_order"]
    root = last_event("production.work_order").payload["rows"][0]["f"]
    assert (root["id"], root["order_line_id"]) == (str(work_order.pk), None)


# ---- applying on another node -----------------------------------------------------------------------------


def test_a_hubs_work_order_applies_on_the_centre_as_it_stands_at_the_hub_and_a_replay_changes_nothing(
    cooperative, remote, weaver, sarong
):
    work_order = pledge_at(remote.location, weaver, sarong)
    record_stage(work_order=work_order, stage=1, done_on=TODAY, today=TODAY)
    at_hub = production_state(cooperative)
    payload = last_event("production.work_order").payload
    forget_work_order(work_order)
    assert production_state(cooperative) != at_hub

    frame = remote.frame([remote.event("production.work_order", payload)])
    assert receive_frame(frame).applied == 1
    assert production_state(cooperative) == at_hub
    assert WorkOrderStage.objects.filter(work_order_id=work_order.pk).count() == 5

    again = receive_frame(frame)  # the same frame delivered twice
    assert (again.new, again.applied) == (0, 0)
    assert production_state(cooperative) == at_hub


def test_an_older_state_of_a_work_order_arriving_late_changes_nothing(cooperative, remote, weaver, sarong):
    work_order = pledge_at(remote.location, weaver, sarong)
    pledged = last_event("production.work_order").payload
    record_stage(work_order=work_order, stage=1, done_on=TODAY, today=TODAY)
    advanced = last_event("production.work_order").payload
    at_hub = production_state(cooperative)
    forget_work_order(work_order)

    first, second = (
        remote.event("production.work_order", pledged),
        remote.event("production.work_order", advanced),
    )
    result = receive_frame(remote.frame([second, first]))  # delivered out of order
    assert result.applied == 2
    assert production_state(cooperative) == at_hub
    assert WorkOrder.objects.get(pk=work_order.pk).status == "in_progress"


def test_a_completed_work_order_waits_for_its_pieces_then_applies(cooperative, remote, weaver, sarong):
    work_order = pledge_at(remote.location, weaver, sarong)
    [piece] = complete_work_order(work_order=work_order, completed_on=TODAY, today=TODAY)
    payload = last_event("production.work_order").payload
    piece_rows = last_event("piece.saved").payload
    forget_work_order(work_order)
    from sambung.inventory.models import StockLevel, StockMove

    piece_id = piece.pk
    StockLevel.objects.filter(piece=piece).delete()
    StockMove.objects.filter(piece=piece).delete()
    piece.delete()
    RowVersion.objects.filter(label="catalog.piece").delete()

    completed = remote.event("production.work_order", payload)
    early = receive_frame(remote.frame([completed], ranges=[(remote.node.pk, 1, 1)]))
    assert early.waiting == 1
    assert "waiting for catalog.piece" in Event.objects.get(pk=completed.id).problem
    saved = remote.event("piece.saved", piece_rows)
    receive_frame(remote.frame([saved], ranges=[(remote.node.pk, 2, 2)]))
    assert Event.objects.get(pk=completed.id).state == Event.State.APPLIED
    assert DeliveredPiece.objects.get(work_order_id=work_order.pk).piece_id == piece_id


def test_a_hubs_work_order_elsewhere_or_for_an_order_line_is_kept_in_review(
    cooperative, remote, weaver, sarong
):
    warehouse = helpers.make_location(cooperative, name="Gudang Maumere")
    elsewhere = pledge_at(warehouse, weaver, sarong)
    elsewhere_payload = last_event("production.work_order").payload
    line = make_order_line(sarong, promised_ship_by=TODAY + days(90), location=remote.location)
    promised = pledge_work(
        maker=weaver,
        sku=sarong.skus.get(),
        quantity=1,
        location=remote.location,
        order_line=line,
        today=TODAY,
    )
    promised_payload = last_event("production.work_order").payload
    forget_work_order(elsewhere)
    forget_work_order(promised)

    not_mine = remote.event("production.work_order", elsewhere_payload)
    to_a_buyer = remote.event("production.work_order", promised_payload)
    result = receive_frame(remote.frame([not_mine, to_a_buyer]))
    assert (result.applied, len(result.review)) == (0, 2)
    assert "only at its own locations" in Event.objects.get(pk=not_mine.id).problem
    assert "may not promise work to an order line" in Event.objects.get(pk=to_a_buyer.id).problem
    assert not WorkOrder.objects.exists()


def test_a_hub_may_not_take_over_the_centres_work_order_by_moving_it(cooperative, remote, weaver, sarong):
    warehouse = helpers.make_location(cooperative, name="Gudang Maumere")
    work_order = pledge_at(warehouse, weaver, sarong)
    payload = last_event("production.work_order").payload
    payload["rows"][0]["f"]["location_id"] = str(remote.location.pk)
    event = remote.event("production.work_order", payload)
    assert receive_frame(remote.frame([event])).applied == 0
    assert "only at its own locations" in Event.objects.get(pk=event.id).problem
    assert WorkOrder.objects.get(pk=work_order.pk).location == warehouse


def test_a_hub_may_release_work_from_an_order_line_at_its_location(cooperative, remote, weaver, sarong):
    line = make_order_line(sarong, promised_ship_by=TODAY + days(90), location=remote.location)
    work_order = pledge_work(
        maker=weaver,
        sku=sarong.skus.get(),
        quantity=1,
        location=remote.location,
        order_line=line,
        today=TODAY,
    )
    release_order_line_work(order_line=line, today=TODAY)  # what the hub's writer does, and sends
    payload = last_event("production.work_order").payload
    WorkOrder.objects.filter(pk=work_order.pk).update(order_line=line)  # as the centre still has it
    WorkOrderEvent.objects.filter(work_order=work_order, kind="released").delete()

    event = remote.event("production.work_order", payload)
    assert receive_frame(remote.frame([event])).applied == 1
    assert WorkOrder.objects.get(pk=work_order.pk).order_line is None
    assert WorkOrderEvent.objects.filter(work_order=work_order, kind="released").count() == 1


def test_a_makers_calendar_from_a_hub_replaces_hers_here_and_stage_lists_are_the_centres(
    cooperative, remote, weaver, sarong_category, shawl_category
):
    add_unavailability(maker=weaver, starts_on=TODAY, ends_on=TODAY + days(6), reason="musim tanam")
    remove_capacity(capacity=Capacity.objects.get(maker=weaver, category=shawl_category))
    at_hub = production_state(cooperative)
    payload = last_event("production.calendar").payload
    set_capacity(maker=weaver, category=shawl_category, pieces=2, days=14)  # what the centre had
    Unavailability.objects.filter(maker=weaver).delete()
    RowVersion.objects.filter(label="production.calendar").delete()

    set_stages(
        cooperative=cooperative, category=sarong_category,
        stages=[StageSpec("menenun", "weave", 90), StageSpec("menyelesaikan", "finish", 10)],
    )  # fmt: skip
    stages = last_event("production.stages").payload
    calendar = remote.event("production.calendar", payload)
    stage_list = remote.event("production.stages", stages)
    result = receive_frame(remote.frame([calendar, stage_list]))
    assert result.applied == 1
    assert "only the centre defines production stages" in Event.objects.get(pk=stage_list.id).problem
    assert production_state(cooperative)["production.capacity"] == at_hub["production.capacity"]
    assert production_state(cooperative)["production.unavailability"] == at_hub["production.unavailability"]
    assert Stage.objects.filter(cooperative=cooperative).count() == 2  # the centre's own, untouched


def test_a_calendar_of_another_cooperatives_maker_is_refused(cooperative, remote, sarong_category):
    other = helpers.make_cooperative(slug="lain", name="Koperasi Lain")
    stranger = helpers.make_maker(other, name="Orang Lain")
    set_capacity(maker=stranger, category=sarong_category, pieces=1, days=30)
    payload = last_event("production.calendar").payload
    payload["rows"][0]["f"]["pieces"] = 3
    event = remote.event("production.calendar", payload)
    assert receive_frame(remote.frame([event])).applied == 0
    assert "out of scope" in Event.objects.get(pk=event.id).problem
    assert Capacity.objects.get(maker=stranger).pieces == 1


def test_malformed_production_events_are_kept_in_review_and_change_nothing(
    cooperative, remote, weaver, sarong
):
    work_order = pledge_at(remote.location, weaver, sarong)
    payload = last_event("production.work_order").payload
    payload["rows"][0]["f"]["quantity"] = 0  # breaks the work order's CHECK constraint
    payload["rows"][0]["f"]["status"] = "in_progress"
    bad_rows = remote.event("production.work_order", {"rows": "not a list"})
    breaks_rule = remote.event("production.work_order", payload)
    no_maker = {"rows": [{"m": "production.workorder", "f": {**payload["rows"][0]["f"], "maker_id": None}}]}
    without_maker = remote.event("production.work_order", no_maker)
    result = receive_frame(remote.frame([bad_rows, breaks_rule, without_maker]))
    assert (result.applied, len(result.review)) == (0, 3)
    assert "no rows" in Event.objects.get(pk=bad_rows.id).problem
    assert "breaks a rule of the database" in Event.objects.get(pk=breaks_rule.id).problem
    assert "without its maker" in Event.objects.get(pk=without_maker.id).problem
    assert WorkOrder.objects.get(pk=work_order.pk).quantity == 1
    assert WorkOrder.objects.get(pk=work_order.pk).status == "pledged"


def test_a_made_piece_from_a_hub_applies_at_its_location_only(cooperative, remote, weaver, sarong):
    line = make_order_line(sarong, promised_ship_by=TODAY + days(90), location=remote.location)
    piece = helpers.make_piece(sarong, weaver, location=remote.location)
    made = MadePiece.objects.create(order_line=line, piece=piece, location=remote.location)
    replication.emit_made_piece(made)
    payload = last_event("order.made_piece").payload
    made_id = made.pk
    made.delete()
    RowVersion.objects.filter(label="orders.madepiece").delete()
    warehouse = helpers.make_location(cooperative, name="Gudang")
    row = payload["rows"][0]
    elsewhere = {
        "rows": [{"m": row["m"], "f": {**row["f"], "id": str(uuid7()), "location_id": str(warehouse.pk)}}]
    }

    mine, not_mine = remote.event("order.made_piece", payload), remote.event("order.made_piece", elsewhere)
    result = receive_frame(remote.frame([mine, not_mine]))
    assert result.applied == 1
    assert MadePiece.objects.get(pk=made_id).location == remote.location
    assert "only at its own locations" in Event.objects.get(pk=not_mine.id).problem


# ---- enrolment --------------------------------------------------------------------------------------------


def test_enrolment_snapshot_sends_production_rows_never_sent(cooperative, weaver, sarong, hub):
    work_order = pledge_at(hub, weaver, sarong)
    RowVersion.objects.filter(label__in=["production.workorder", "production.calendar"]).delete()
    start = top_seq()
    write_snapshot(cooperative)
    # Last, after the makers, SKUs and pieces they name.
    assert kinds_since(start)[-2:] == ["production.calendar", "production.work_order"]
    assert last_event("production.work_order").payload["rows"][0]["f"]["id"] == str(work_order.pk)
    start = top_seq()
    write_snapshot(cooperative)  # a second hub enrols: what was sent is not sent again
    assert "production.work_order" not in kinds_since(start)
    assert "production.calendar" not in kinds_since(start)


def test_the_centres_stage_list_applies_on_a_hub_and_an_older_one_arriving_later_changes_nothing(
    cooperative, sarong_category
):
    from sambung.catalog.models import Node
    from sambung.sync.apply import apply_event

    centre = Node.objects.create(kind=Node.Kind.CENTRE, name="Pusat")
    lists = []
    for names in (("menenun", "weave"), ("menenun ulang", "weave again")):
        set_stages(
            cooperative=cooperative,
            category=sarong_category,
            stages=[StageSpec(*names, 70), StageSpec("menyelesaikan", "finish", 30)],
        )
        lists.append(last_event("production.stages").payload)
    Stage.objects.all().delete()
    RowVersion.objects.filter(label="production.stages").delete()

    first_id, second_id = uuid7(), uuid7()
    older = Event(id=first_id, origin=centre.pk, seq=1, kind="production.stages", payload=lists[0])
    newer = Event(id=second_id, origin=centre.pk, seq=2, kind="production.stages", payload=lists[1])
    for event in (newer, older):
        apply_event(event, persist=False)
        assert (event.state, event.problem) == (Event.State.APPLIED, "")
    assert list(Stage.objects.order_by("position").values_list("name_en", flat=True)) == [
        "weave again",
        "finish",
    ]
