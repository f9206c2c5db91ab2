import threading

import pytest
from django.db import connection

from sambung.catalog.models import Piece
from sambung.catalog.pieces import save_piece
from sambung.inventory.models import StockMove
from sambung.inventory.stock import receive_stock
from sambung.sync import outbox
from sambung.sync.models import Event, OriginCursor
from sambung.sync.node import this_node
from sambung.tests.helpers import make_location, make_maker, make_product


def test_every_stock_move_is_an_event_carrying_its_move_id(cooperative):
    product = make_product(cooperative)
    location = make_location(cooperative)
    move = receive_stock(sku=product.skus.first(), location=location, quantity=3)
    event = Event.objects.get(kind="stock.move")
    assert event.payload["id"] == str(move.pk)
    assert event.payload["quantity"] == 3
    assert event.payload["target"] == ["qc", None]
    assert event.origin == this_node().pk
    assert event.cooperative_id == cooperative.pk


def test_a_new_piece_is_sent_before_the_move_that_receives_it(cooperative):
    product = make_product(cooperative)
    piece = Piece(sku=product.skus.first(), maker=make_maker(cooperative), code="P-1")
    save_piece(piece=piece, received_at=make_location(cooperative))
    kinds = list(
        Event.objects.filter(kind__in=["piece.saved", "stock.move"])
        .order_by("seq")
        .values_list("kind", flat=True)
    )
    assert kinds[-2:] == ["piece.saved", "stock.move"]


def test_sequence_numbers_run_1_2_3_with_no_gaps(cooperative):
    make_product(cooperative)
    seqs = list(Event.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert OriginCursor.objects.get(pk=this_node().pk).seq == len(seqs)


def test_nothing_is_emitted_while_applying_another_nodes_event(cooperative):
    before = Event.objects.count()
    with outbox.applying_remote():
        make_product(cooperative)
    assert Event.objects.count() == before


def test_a_failed_change_leaves_no_event(cooperative):
    product = make_product(cooperative)
    location = make_location(cooperative)
    before = Event.objects.count()
    from sambung.inventory.ledger import InsufficientStock, Slot, move_stock
    from sambung.inventory.models import Position
    from sambung.inventory.stock import web_store

    with pytest.raises(InsufficientStock):
        move_stock(
            sku=product.skus.first(), location=location, quantity=1, reason=StockMove.Reason.SALE,
            source=Slot(Position.AVAILABLE, web_store(cooperative)), target=None,
        )  # fmt: skip
    assert Event.objects.filter(kind="stock.move").count() == 0
    assert Event.objects.count() - before <= 1  # at most the web store channel, created on first use


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_get_distinct_gapless_numbers(cooperative):
    product = make_product(cooperative)
    location = make_location(cooperative)
    sku = product.skus.first()
    errors = []

    def receive() -> None:
        try:
            for _ in range(5):
                receive_stock(sku=sku, location=location, quantity=1)
        except Exception as error:  # noqa: BLE001 (reported below)
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=receive) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    seqs = list(Event.objects.order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, len(seqs) + 1))
    assert Event.objects.filter(kind="stock.move").count() == 30


def test_a_member_added_in_the_admin_after_a_hub_enrolled_reaches_the_hub(cooperative, admin_client):
    """The admin is where memberships are made: saving one emits accounts.member for the hubs."""
    from django.contrib.auth import get_user_model

    from sambung.accounts.models import Membership
    from sambung.sync.tests.remote import RemoteHub

    RemoteHub(cooperative)  # enrolled before the member exists
    user = get_user_model().objects.create_user("ina", password="tenun-ikat-9")
    response = admin_client.post(
        "/admin/accounts/membership/add/",
        {"user": user.pk, "cooperative": cooperative.pk, "role": "hub_operator", "maker": ""},
    )
    assert response.status_code == 302, response.content
    membership = Membership.objects.get(user=user)
    event = Event.objects.get(kind="accounts.member", payload__user__username="ina")
    assert event.cooperative_id == cooperative.pk
    assert event.payload["membership"]["role"] == "hub_operator"
    assert event.payload["user"]["password"] == user.password

    response = admin_client.post(
        f"/admin/accounts/membership/{membership.pk}/change/",
        {"user": user.pk, "cooperative": cooperative.pk, "role": "manager", "maker": ""},
    )
    assert response.status_code == 302
    latest = Event.objects.filter(kind="accounts.member").order_by("-seq").first()
    assert latest.payload["membership"]["role"] == "manager"
