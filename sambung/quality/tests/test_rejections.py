"""Rejected units leave quality control only by a write-off or a return to the maker; a reworked piece comes back
into quality control and is sold again only after a new passed inspection."""

import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import translation
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sambung.accounts.models import Membership, Role
from sambung.inventory.models import Position, StockLevel, StockMove
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import SoldOut, start_checkout
from sambung.quality.inspections import InspectionError
from sambung.quality.models import Outcome
from sambung.quality.queries import is_cleared_for_sale, passed_pieces, waiting_pieces
from sambung.quality.rejections import (
    RejectionError,
    piece_at_maker,
    receive_reworked_piece,
    rejected_batch,
    return_piece_to_maker,
    write_off_batch,
    write_off_piece,
)
from sambung.storefront.queries import pieces_on_hand
from sambung.tests import helpers

R = StockMove.Reason


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture
def world(cooperative):
    location = helpers.make_location(cooperative, name="Hub Sikka")
    product = helpers.make_product(cooperative, slug="sarung-jentu")
    helpers.make_standard(cooperative, product.category)
    maker = helpers.make_maker(cooperative)
    return dict(cooperative=cooperative, location=location, product=product, maker=maker)


@pytest.fixture
def operator_member(cooperative):
    return helpers.make_inspector(cooperative)


def rejected_piece_of(world, code: str = "DITOLAK"):
    piece = helpers.make_piece(
        world["product"], world["maker"], location=world["location"], code=code, sellable=False
    )
    assert helpers.pass_inspection(piece=piece, results={"no_defects": "fail"}).outcome == Outcome.REJECT
    return piece


def units(piece, position: str) -> int:
    return sum(StockLevel.objects.filter(piece=piece, position=position).values_list("quantity", flat=True))


def is_sellable(piece) -> bool:
    """Anywhere a buyer could get it: sellable stock, the storefront's pieces, a checkout."""
    on_sale = units(piece, Position.AVAILABLE) > 0
    listed = pieces_on_hand(piece.sku.product).filter(pk=piece.pk).exists()
    try:
        checkout = start_checkout(
            cooperative=piece.sku.product.cooperative, lines=[PricedLine(piece.sku, piece, 1)]
        )
    except SoldOut:
        held = False
    else:
        from sambung.orders.checkout import release_checkout

        release_checkout(checkout=checkout)
        held = True
    assert on_sale == listed == held
    return on_sale


def test_a_written_off_piece_leaves_stock_for_good_with_who_and_when(world, operator_member):
    piece = rejected_piece_of(world)
    move = write_off_piece(piece=piece, member=operator_member)
    assert (move.reason, move.source_position, move.target_position, move.created_by) == (
        R.WRITE_OFF,
        Position.QUALITY_CONTROL,
        "",
        operator_member.user,
    )
    assert move.reference == f"inspection {piece.inspections.get().pk}" and move.created_at is not None
    assert units(piece, Position.QUALITY_CONTROL) == 0 and not is_sellable(piece)
    with pytest.raises(InspectionError):
        helpers.pass_inspection(piece=piece)
    with pytest.raises(RejectionError):
        write_off_piece(piece=piece, member=operator_member)
    with pytest.raises(RejectionError):
        return_piece_to_maker(piece=piece, member=operator_member)
    assert StockMove.objects.filter(piece=piece, reason=R.WRITE_OFF).count() == 1


def test_a_returned_piece_comes_back_into_quality_control_and_sells_only_after_a_new_passed_inspection(
    world, operator_member
):
    piece = rejected_piece_of(world)
    returned = return_piece_to_maker(piece=piece, member=operator_member)
    assert returned.reason == R.RETURN_TO_MAKER and piece_at_maker(piece) == returned
    assert units(piece, Position.QUALITY_CONTROL) == 0 and not is_sellable(piece)

    back = receive_reworked_piece(piece=piece, location=world["location"], member=operator_member)
    assert (back.reason, back.target_position, back.created_by) == (
        R.REWORK_RECEIPT,
        Position.QUALITY_CONTROL,
        operator_member.user,
    )
    assert units(piece, Position.QUALITY_CONTROL) == 1 and piece_at_maker(piece) is None
    assert not is_sellable(piece) and not is_cleared_for_sale(piece)
    assert not passed_pieces(type(piece).objects.filter(pk=piece.pk)).exists()
    waiting = {item.piece.pk: item for item in waiting_pieces(world["cooperative"])}
    assert not waiting[piece.pk].is_rejected  # it waits for a new inspection, not under the old rejection
    with pytest.raises(RejectionError):  # back from rework, not rejected again: nothing to write off yet
        write_off_piece(piece=piece, member=operator_member)

    helpers.pass_inspection(piece=piece)
    assert is_sellable(piece) and is_cleared_for_sale(piece)
    history = piece.moves.exclude(reason__in=[R.HOLD, R.RELEASE_HOLD])  # is_sellable's trial checkouts
    assert list(history.order_by("created_at").values_list("reason", flat=True)) == [
        R.RECEIPT,
        R.RETURN_TO_MAKER,
        R.REWORK_RECEIPT,
        R.RELEASE,
    ]


def test_a_piece_rejected_again_after_rework_can_go_back_again(world, operator_member):
    piece = rejected_piece_of(world)
    return_piece_to_maker(piece=piece, member=operator_member)
    receive_reworked_piece(piece=piece, location=world["location"], member=operator_member)
    helpers.pass_inspection(piece=piece, results={"no_defects": "fail"})
    return_piece_to_maker(piece=piece, member=operator_member)
    receive_reworked_piece(piece=piece, location=world["location"], member=operator_member)
    assert units(piece, Position.QUALITY_CONTROL) == 1
    assert piece.moves.filter(reason=R.REWORK_RECEIPT).count() == 2


def test_only_rejected_pieces_in_quality_control_can_be_taken_out(world, operator_member):
    passed = helpers.make_piece(world["product"], world["maker"], location=world["location"], code="LULUS")
    waiting = helpers.make_piece(
        world["product"], world["maker"], location=world["location"], code="MENUNGGU", sellable=False
    )
    for piece in (passed, waiting):
        for writer in (write_off_piece, return_piece_to_maker):
            with pytest.raises(RejectionError):
                writer(piece=piece, member=operator_member)
        with pytest.raises(RejectionError):
            receive_reworked_piece(piece=piece, location=world["location"], member=operator_member)
    assert not StockMove.objects.filter(
        reason__in=[R.WRITE_OFF, R.RETURN_TO_MAKER, R.REWORK_RECEIPT]
    ).exists()
    assert is_sellable(passed)


def test_only_a_manager_or_hub_operator_of_the_cooperative_may_take_rejected_goods_out(
    world, other_cooperative
):
    piece = rejected_piece_of(world)
    cooperative = world["cooperative"]
    refused = [
        Membership.objects.get(user=helpers.make_member(cooperative, Role.MAKER)),
        Membership.objects.get(user=helpers.make_member(cooperative, Role.PROGRAM_VIEWER)),
        Membership.objects.get(user=helpers.make_member(other_cooperative, Role.MANAGER)),
    ]
    for member in refused:
        for writer in (write_off_piece, return_piece_to_maker):
            with pytest.raises(RejectionError):
                writer(piece=piece, member=member)
    assert units(piece, Position.QUALITY_CONTROL) == 1
    manager = Membership.objects.get(user=helpers.make_member(cooperative, Role.MANAGER))
    write_off_piece(piece=piece, member=manager)


def test_a_reworked_piece_is_received_at_one_of_the_cooperatives_locations(
    world, operator_member, other_cooperative
):
    piece = rejected_piece_of(world)
    return_piece_to_maker(piece=piece, member=operator_member)
    with pytest.raises(RejectionError):
        receive_reworked_piece(
            piece=piece, location=helpers.make_location(other_cooperative), member=operator_member
        )
    assert piece_at_maker(piece) is not None


def test_rejected_counted_units_are_written_off_up_to_the_rejected_quantity(world, operator_member):
    coffee = helpers.make_product(world["cooperative"], slug="kopi")
    coffee.skus.update(is_unique=False)
    sku, location = coffee.skus.get(), world["location"]
    helpers.make_stock(coffee, location, 10, sellable=False)
    helpers.make_standard(world["cooperative"], coffee.category)
    helpers.pass_inspection(sku=sku, location=location, quantity=4, results={"no_defects": "fail"})
    assert rejected_batch(sku, location).remaining == 4
    with pytest.raises(RejectionError, match="Only 4 rejected units"):
        write_off_batch(sku=sku, location=location, quantity=5, member=operator_member)
    for bad in (0, -1, True, "2"):
        with pytest.raises(RejectionError):
            write_off_batch(sku=sku, location=location, quantity=bad, member=operator_member)
    write_off_batch(sku=sku, location=location, quantity=3, member=operator_member)
    write_off_batch(sku=sku, location=location, quantity=1, member=operator_member)
    with pytest.raises(RejectionError):
        write_off_batch(sku=sku, location=location, quantity=1, member=operator_member)
    level = StockLevel.objects.get(sku=sku, piece=None, location=location, position=Position.QUALITY_CONTROL)
    assert level.quantity == 6  # the units nobody rejected still wait for their inspection
    assert not StockLevel.objects.filter(sku=sku, position=Position.AVAILABLE, quantity__gt=0).exists()


# Any sequence of inspections, returns, receipts and write-offs: a piece is on sale only right after a passed
# inspection that came after its latest entry into quality control.
ACTIONS = st.lists(st.sampled_from(["pass", "reject", "return", "receive", "write_off"]), max_size=8)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(actions=ACTIONS)
def test_a_piece_is_never_on_sale_without_a_passed_inspection_since_it_last_came_in(
    world, operator_member, actions
):
    piece = helpers.make_piece(
        world["product"],
        world["maker"],
        location=world["location"],
        code=f"P-{StockMove.objects.count()}",
        sellable=False,
    )
    for action in actions:
        try:
            if action in ("pass", "reject"):
                answers = {"no_defects": "pass" if action == "pass" else "fail"}
                helpers.pass_inspection(piece=piece, results=answers)
            elif action == "return":
                return_piece_to_maker(piece=piece, member=operator_member)
            elif action == "receive":
                receive_reworked_piece(piece=piece, location=world["location"], member=operator_member)
            else:
                write_off_piece(piece=piece, member=operator_member)
        except (RejectionError, InspectionError):
            pass
        moves = list(piece.moves.order_by("created_at"))
        entered = [m for m in moves if m.target_position == Position.QUALITY_CONTROL][-1]
        latest = piece.inspections.order_by("-created_at").first()
        cleared = (
            latest is not None and latest.outcome != Outcome.REJECT and latest.created_at > entered.created_at
        )
        assert (units(piece, Position.AVAILABLE) == 1) == (cleared and moves[-1].reason == R.RELEASE)
        assert sum(units(piece, position) for position in Position.values) <= 1


@pytest.mark.django_db(transaction=True)
def test_two_operators_receiving_the_same_piece_back_at_once_receive_it_once(cooperative):
    location = helpers.make_location(cooperative)
    product = helpers.make_product(cooperative)
    helpers.make_standard(cooperative, product.category)
    piece = helpers.make_piece(product, helpers.make_maker(cooperative), location=location, sellable=False)
    helpers.pass_inspection(piece=piece, results={"no_defects": "fail"})
    members = [
        Membership.objects.get(user=helpers.make_member(cooperative, Role.HUB_OPERATOR)) for _ in range(4)
    ]
    return_piece_to_maker(piece=piece, member=members[0])
    barrier = threading.Barrier(len(members))
    outcomes: list = []

    def receive(member) -> None:
        try:
            barrier.wait()
            outcomes.append(receive_reworked_piece(piece=piece, location=location, member=member).pk)
        except RejectionError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=receive, args=(member,)) for member in members]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert StockMove.objects.filter(piece=piece, reason=R.REWORK_RECEIPT).count() == 1
    assert units(piece, Position.QUALITY_CONTROL) == 1
    assert len(outcomes) == len(members)


# -- Pages --------------------------------------------------------------------------------------------------


def quality_url(name: str, *args) -> str:
    return reverse(f"quality:{name}", args=args)


def test_the_operator_returns_a_piece_and_receives_it_back_from_the_piece_quality_page(operator, world):
    piece = rejected_piece_of(world)
    slug = world["cooperative"].slug
    page = operator.get(quality_url("piece_quality", slug, piece.pk)).content.decode()
    assert (
        quality_url("return_piece", slug, piece.pk) in page
        and quality_url("write_off_piece", slug, piece.pk) in page
    )
    confirm = operator.get(quality_url("return_piece", slug, piece.pk)).content.decode()
    assert "No defects" in confirm and "csrfmiddlewaretoken" in confirm
    response = operator.post(quality_url("return_piece", slug, piece.pk))
    assert response.status_code == 302 and piece_at_maker(piece) is not None
    page = operator.get(quality_url("piece_quality", slug, piece.pk)).content.decode()
    assert "Returned to the maker for rework" in page and "operator" in page
    assert quality_url("receive_piece", slug, piece.pk) in page
    response = operator.post(quality_url("receive_piece", slug, piece.pk), {"location": world["location"].pk})
    assert response.status_code == 302 and units(piece, Position.QUALITY_CONTROL) == 1
    again = operator.post(quality_url("receive_piece", slug, piece.pk), {"location": world["location"].pk})
    assert again.status_code == 200 and "is not with its maker for rework" in again.content.decode()
    assert units(piece, Position.QUALITY_CONTROL) == 1


def test_a_write_off_posted_twice_is_refused_with_a_message_the_second_time(manager, world):
    piece = rejected_piece_of(world)
    slug = world["cooperative"].slug
    assert manager.post(quality_url("write_off_piece", slug, piece.pk)).status_code == 302
    second = manager.post(quality_url("write_off_piece", slug, piece.pk))
    assert (
        second.status_code == 200
        and "is not waiting in quality control after a rejection" in second.content.decode()
    )
    assert StockMove.objects.filter(piece=piece, reason=R.WRITE_OFF).count() == 1


def test_the_batch_write_off_page_takes_a_quantity_and_refuses_too_many(operator, world):
    coffee = helpers.make_product(world["cooperative"], slug="kopi")
    coffee.skus.update(is_unique=False)
    sku, location = coffee.skus.get(), world["location"]
    helpers.make_stock(coffee, location, 5, sellable=False)
    helpers.make_standard(world["cooperative"], coffee.category)
    helpers.pass_inspection(sku=sku, location=location, quantity=5, results={"no_defects": "fail"})
    url = quality_url("write_off_batch", world["cooperative"].slug, sku.pk, location.pk)
    too_many = operator.post(url, {"quantity": "6"})
    assert too_many.status_code == 200 and "less than or equal to 5" in too_many.content.decode()
    assert operator.post(url, {"quantity": "5"}).status_code == 302
    assert rejected_batch(sku, location) is None
    assert "No rejected units" in operator.get(url).content.decode()


def test_the_piece_history_speaks_indonesian_first(operator, world, operator_member):
    piece = rejected_piece_of(world)
    return_piece_to_maker(piece=piece, member=operator_member)
    with translation.override("id"):
        path = reverse("quality:piece_quality", args=[world["cooperative"].slug, piece.pk])
    html = operator.get(path, HTTP_ACCEPT_LANGUAGE="id").content.decode()
    assert "Riwayat stok" in html and "Dikembalikan ke pengrajin untuk diperbaiki" in html
    assert "Diterima kembali dari pengrajin" in html
