"""Complaints: opened by the buyer on a line, answered and resolved by the cooperative, every step a row."""

import pytest
from django.core import mail
from django.db import IntegrityError, transaction
from django.utils import translation

from sambung.feedback.complaints import (
    Resolution,
    complaint_refusal,
    open_complaint,
    refundable,
    resolve_complaint,
    write_to_buyer,
)
from sambung.feedback.models import BuyerPhoto, Complaint, ComplaintEvent, ComplaintReason
from sambung.feedback.submissions import FeedbackError
from sambung.feedback.tests import (
    BUYER,
    S,
    coffee_line,
    delivered_order,
    make_shop,
    media_files,
    order_in,
    photo_bytes,
    piece_line,
)
from sambung.tests import helpers

R = ComplaintReason
GOODS_REASONS = [R.NOT_AS_DESCRIBED, R.DEFECT, R.DAMAGED_IN_TRANSIT, R.WRONG_ITEM]


@pytest.fixture(autouse=True)
def english():
    """The writers' messages in English, to match the msgids."""
    with translation.override("en"):
        yield


@pytest.fixture
def shop(cooperative):
    return make_shop(cooperative)


@pytest.fixture
def order(shop):
    return delivered_order(shop)


@pytest.fixture
def staff(cooperative):
    return helpers.make_member(cooperative, "manager", username="penanganan")


def kinds(complaint: Complaint) -> list[str]:
    return list(complaint.events.values_list("kind", flat=True))


def test_the_buyer_opens_a_complaint_on_a_delivered_line_and_it_is_recorded_as_a_step(order, shop):
    complaint = open_complaint(
        line=piece_line(order),
        reason=R.DAMAGED_IN_TRANSIT,
        text=" Ada lubang di ujung kain. ",
        photo=photo_bytes(),
    )
    assert (complaint.status, complaint.text, complaint.cooperative) == (
        Complaint.Status.OPEN,
        "Ada lubang di ujung kain.",
        shop.cooperative,
    )
    assert complaint.order_line.piece.maker == shop.piece.maker and complaint.photo.thumb.name
    event = complaint.events.get()
    assert (event.kind, event.actor, event.created_at is not None) == (ComplaintEvent.Kind.OPENED, None, True)


@pytest.mark.parametrize("reason", GOODS_REASONS)
@pytest.mark.parametrize("status", [S.PAID, S.PACKING, S.SHIPPED])
def test_a_problem_with_the_goods_waits_for_delivery_but_lateness_can_be_reported_once_paid(
    shop, status, reason
):
    line = order_in(shop, status).lines.get()
    with pytest.raises(FeedbackError, match="once it has been delivered"):
        open_complaint(line=line, reason=reason, text="Belum sampai, tapi…")
    assert Complaint.objects.count() == 0
    assert open_complaint(line=line, reason=R.LATE, text="Sudah dua minggu.").status == Complaint.Status.OPEN


@pytest.mark.parametrize("status", [S.AWAITING_PAYMENT, S.CANCELLED])
def test_an_unpaid_or_cancelled_order_takes_no_complaint(shop, status):
    line = order_in(shop, status).lines.get()
    for reason in R.values:
        with pytest.raises(FeedbackError, match="once the order is paid"):
            open_complaint(line=line, reason=reason, text="…", photo=photo_bytes())
    assert Complaint.objects.count() == 0 and media_files() == []


def test_a_returned_order_still_takes_a_complaint(shop):
    line = order_in(shop, S.RETURNED).lines.get()
    assert open_complaint(line=line, reason=R.WRONG_ITEM, text="Yang datang motif lain.").pk


def test_a_second_open_complaint_on_the_same_line_is_refused_until_the_first_is_resolved(order, staff):
    line = coffee_line(order)
    first = open_complaint(line=line, reason=R.DEFECT, text="Kemasan sobek.")
    with pytest.raises(FeedbackError, match="already have an open complaint"):
        open_complaint(line=line, reason=R.LATE, text="Dan terlambat.")
    assert Complaint.objects.count() == 1 and complaint_refusal(line)
    resolve_complaint(complaint=first, user=staff, resolution=Resolution.REPLACEMENT)
    assert open_complaint(line=line, reason=R.DEFECT, text="Pengganti juga sobek.").pk
    # Another line of the same order is not held up by this one.
    assert open_complaint(line=piece_line(order), reason=R.DEFECT, text="Benang putus.").pk


def test_the_database_keeps_one_open_complaint_per_line(order):
    line = coffee_line(order)
    open_complaint(line=line, reason=R.DEFECT, text="Sobek.")
    with pytest.raises(IntegrityError), transaction.atomic():
        Complaint.objects.create(order_line=line, cooperative=order.cooperative, reason=R.LATE, text="Lagi.")


@pytest.mark.parametrize(
    ("reason", "text", "message"),
    [
        ("", "Sobek.", "Choose what went wrong"),
        ("broken", "Sobek.", "Choose what went wrong"),
        (R.DEFECT, "   ", "Tell us what happened"),
        (R.DEFECT, "x" * 2001, "within 2000 characters"),
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_nothing_recorded(order, reason, text, message):
    with pytest.raises(FeedbackError, match=message):
        open_complaint(line=coffee_line(order), reason=reason, text=text, photo=photo_bytes())
    assert Complaint.objects.count() == 0 and ComplaintEvent.objects.count() == 0 and media_files() == []


def test_a_corrupt_photo_is_refused_and_nothing_recorded(order):
    with pytest.raises(FeedbackError, match="not a photo we can read"):
        open_complaint(line=coffee_line(order), reason=R.DEFECT, text="Sobek.", photo=b"\xff\xd8\xff broken")
    assert Complaint.objects.count() == 0 and BuyerPhoto.objects.count() == 0 and media_files() == []


def test_a_refund_is_at_most_what_was_paid_for_the_line_less_earlier_refunds(order, staff):
    line = piece_line(order)  # 1 × Rp 1.250.000
    complaint = open_complaint(line=line, reason=R.DEFECT, text="Ada noda.")
    assert refundable(complaint) == 1_250_000
    for amount in (1_250_001, 0, -5, None):
        with pytest.raises(FeedbackError):
            resolve_complaint(complaint=complaint, user=staff, resolution=Resolution.REFUND, amount=amount)
    assert Complaint.objects.get().status == Complaint.Status.OPEN and kinds(complaint) == ["opened"]

    resolve_complaint(
        complaint=complaint, user=staff, resolution=Resolution.REFUND, amount=250_000, note="Maaf."
    )
    stored = Complaint.objects.get()
    assert (stored.status, stored.refund_amount) == (Complaint.Status.REFUNDED, 250_000)
    second = open_complaint(line=line, reason=R.DEFECT, text="Nodanya tidak hilang.")
    assert refundable(second) == 1_000_000
    with pytest.raises(FeedbackError, match="at most Rp 1.000.000"):
        resolve_complaint(complaint=second, user=staff, resolution=Resolution.REFUND, amount=1_000_001)
    resolve_complaint(complaint=second, user=staff, resolution=Resolution.REFUND, amount=1_000_000)


def test_a_refusal_needs_an_explanation_and_a_replacement_does_not(order, staff):
    refused = open_complaint(line=coffee_line(order), reason=R.NOT_AS_DESCRIBED, text="Kurang harum.")
    with pytest.raises(FeedbackError, match="Explain to the buyer"):
        resolve_complaint(complaint=refused, user=staff, resolution=Resolution.REFUSAL, note=" ")
    resolve_complaint(
        complaint=refused,
        user=staff,
        resolution=Resolution.REFUSAL,
        note="Kopi sesuai deskripsi: sangrai sedang.",
    )
    replaced = open_complaint(line=piece_line(order), reason=R.WRONG_ITEM, text="Motif lain.")
    resolve_complaint(complaint=replaced, user=staff, resolution=Resolution.REPLACEMENT)
    assert dict(Complaint.objects.values_list("pk", "status")) == {
        refused.pk: Complaint.Status.REFUSED,
        replaced.pk: Complaint.Status.REPLACED,
    }
    with pytest.raises(FeedbackError, match="Choose how"):
        resolve_complaint(
            complaint=open_complaint(line=coffee_line(order), reason=R.LATE, text="."),
            user=staff,
            resolution="x",
        )


def test_every_step_is_a_row_with_who_when_and_what_and_a_resolved_complaint_takes_no_more(order, staff):
    complaint = open_complaint(line=piece_line(order), reason=R.DEFECT, text="Benang putus di tengah.")
    write_to_buyer(complaint=complaint, user=staff, note="Boleh kirim foto bagian belakang?")
    with pytest.raises(FeedbackError, match="Write the message"):
        write_to_buyer(complaint=complaint, user=staff, note="")
    resolve_complaint(complaint=complaint, user=staff, resolution=Resolution.REFUND, amount=300_000)
    events = list(complaint.events.all())
    assert [(e.kind, e.actor, e.amount) for e in events] == [
        ("opened", None, None),
        ("note", staff, None),
        ("refunded", staff, 300_000),
    ]
    assert events[1].note == "Boleh kirim foto bagian belakang?"
    assert events[0].created_at <= events[1].created_at <= events[2].created_at
    with pytest.raises(FeedbackError, match="already resolved"):
        resolve_complaint(complaint=complaint, user=staff, resolution=Resolution.REPLACEMENT)
    with pytest.raises(FeedbackError, match="already resolved"):
        write_to_buyer(complaint=complaint, user=staff, note="Lagi?")
    assert len(complaint.events.all()) == 3


def test_the_buyer_is_mailed_the_resolution_once_it_is_committed(
    order, staff, django_capture_on_commit_callbacks
):
    complaint = open_complaint(line=piece_line(order), reason=R.DEFECT, text="Benang putus.")
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        resolve_complaint(
            complaint=complaint,
            user=staff,
            resolution=Resolution.REFUND,
            amount=300_000,
            note="Maaf, Bu: 'benang' putus & kami ganti.",
        )
        assert mail.outbox == [], "nothing is sent before the commit"
    assert len(callbacks) == 1 and len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [BUYER.email] and order.code in message.subject
    assert "Rp 300.000" in message.body and "Maaf, Bu: 'benang' putus & kami ganti." in message.body


def test_no_mail_without_an_address_or_when_nothing_was_resolved(
    shop, staff, django_capture_on_commit_callbacks
):
    order = delivered_order(shop, buyer=BUYER.__class__(**{**BUYER.__dict__, "email": ""}))
    complaint = open_complaint(line=piece_line(order), reason=R.DEFECT, text="Benang putus.")
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        resolve_complaint(complaint=complaint, user=staff, resolution=Resolution.REPLACEMENT)
        with pytest.raises(FeedbackError):
            resolve_complaint(complaint=complaint, user=staff, resolution=Resolution.REPLACEMENT)
    assert callbacks == [] and mail.outbox == []
