import pytest

from sambung.demo.cooperative import load_demo
from sambung.inventory.models import Channel, StockMove
from sambung.pos.queries import stall_items

pytestmark = pytest.mark.django_db


def test_the_demo_hub_has_a_stall_with_pieces_and_coffee_and_loading_again_adds_nothing():
    load_demo(with_photos=False)
    stall = Channel.objects.get(kind=Channel.Kind.STALL)
    items = stall_items(stall)
    assert len([item for item in items if item.piece]) == 4
    assert [item.quantity for item in items if not item.piece] == [10]
    assert all(item.level.location.node_id == stall.node_id and item.grade for item in items)
    moves = StockMove.objects.count()
    load_demo(with_photos=False)
    assert StockMove.objects.count() == moves
    assert Channel.objects.filter(kind=Channel.Kind.STALL).count() == 1
