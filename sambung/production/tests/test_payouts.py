import pytest

from sambung.production.capacity import ProductionError
from sambung.production.models import DeliveredPiece, Payout
from sambung.production.payouts import record_payout
from sambung.production.pledges import complete_work_order, pledge_work
from sambung.production.queries import maker_ledger
from sambung.production.tests.conftest import TODAY, days
from sambung.tests import helpers


@pytest.fixture
def delivered(weaver, shawl, sarong):
    """Two shawls delivered at Rp 250.000, one sarong still on her loom."""
    shawls = pledge_work(maker=weaver, sku=shawl.skus.get(), quantity=2, today=TODAY)
    complete_work_order(work_order=shawls, completed_on=TODAY + days(20), today=TODAY + days(20))
    pledge_work(maker=weaver, sku=sarong.skus.get(), quantity=1, today=TODAY + days(20))
    return weaver


def test_ledger_counts_pieces_pledged_delivered_and_amounts_owed(delivered):
    ledger = maker_ledger(delivered)
    assert (ledger.pledged, ledger.delivered, ledger.owed, ledger.paid, ledger.balance) == (
        1,
        2,
        500_000,
        0,
        500_000,
    )


def test_payout_up_to_what_is_owed_is_recorded(delivered):
    record_payout(maker=delivered, amount=300_000, paid_on=TODAY + days(21), today=TODAY + days(21))
    record_payout(maker=delivered, amount=200_000, paid_on=TODAY + days(22), today=TODAY + days(22))
    assert maker_ledger(delivered).balance == 0


def test_payout_larger_than_what_is_owed_is_refused_and_nothing_saved(delivered):
    record_payout(maker=delivered, amount=300_000, paid_on=TODAY + days(21), today=TODAY + days(21))
    with pytest.raises(ProductionError, match=r"Rp 250\.000 is more than .* is owed: Rp 200\.000"):
        record_payout(maker=delivered, amount=250_000, paid_on=TODAY + days(21), today=TODAY + days(21))
    assert Payout.objects.count() == 1


@pytest.mark.parametrize("amount", [0, -1000])
def test_payout_of_nothing_or_less_is_refused(delivered, amount):
    with pytest.raises(ProductionError, match="at least Rp 1"):
        record_payout(maker=delivered, amount=amount, paid_on=TODAY, today=TODAY)
    assert not Payout.objects.exists()


def test_payout_dated_in_the_future_is_refused(delivered):
    with pytest.raises(ProductionError, match="future"):
        record_payout(maker=delivered, amount=1000, paid_on=TODAY + days(30), today=TODAY + days(21))


def test_maker_with_nothing_delivered_cannot_be_paid(cooperative):
    maker = helpers.make_maker(cooperative)
    with pytest.raises(ProductionError, match="is owed: Rp 0"):
        record_payout(maker=maker, amount=1000, paid_on=TODAY, today=TODAY)


def test_rejected_pieces_are_counted_and_not_owed(delivered):
    piece = DeliveredPiece.objects.filter(work_order__maker=delivered).first().piece
    inspection = helpers.pass_inspection(piece=piece, results={"no_defects": "fail"})
    assert inspection.outcome == "reject"
    ledger = maker_ledger(delivered)
    assert (ledger.delivered, ledger.rejected, ledger.owed) == (2, 1, 250_000)
