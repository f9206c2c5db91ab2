import pytest
from django.core import mail
from django.utils import timezone

from sambung.production.capacity import ProductionError
from sambung.production.models import OutboundMessage, WaitlistEntry
from sambung.production.waitlist import join_waitlist, notify_all_waiting_buyers, notify_waiting_buyers
from sambung.tests import helpers


def test_buyers_join_by_whatsapp_or_email_and_duplicates_are_merged(sarong):
    first, created = join_waitlist(product=sarong, contact="0812-3456-7890")
    assert created and first.contact == "+6281234567890" and first.contact_kind == "whatsapp"
    again, created = join_waitlist(product=sarong, contact="+62 812 3456 7890")
    assert not created and again == first
    email, created = join_waitlist(product=sarong, contact="Ani@Example.com ", language="en")
    assert created and email.contact == "ani@example.com" and email.language == "en"
    assert join_waitlist(product=sarong, contact="ani@example.com")[1] is False
    assert WaitlistEntry.objects.count() == 2


@pytest.mark.parametrize(
    "contact, message",
    [
        ("", "WhatsApp number or an e-mail"),
        ("12345", "WhatsApp number such as|mobile number"),
        ("021 555 1234", "mobile number that has WhatsApp"),
        ("ani@", "valid e-mail"),
    ],
)
def test_bad_contact_is_refused_with_a_clear_message_and_nothing_saved(sarong, contact, message):
    with pytest.raises(ProductionError, match=message):
        join_waitlist(product=sarong, contact=contact)
    assert not WaitlistEntry.objects.exists()


def test_unpublished_product_takes_no_waitlist(sarong):
    sarong.is_published = False
    sarong.save()
    with pytest.raises(ProductionError):
        join_waitlist(product=sarong, contact="0812-3456-7890")


def test_nobody_is_told_while_nothing_is_on_sale(sarong):
    join_waitlist(product=sarong, contact="ani@example.com")
    assert notify_waiting_buyers(product=sarong) == 0
    assert not OutboundMessage.objects.exists()


def test_when_a_piece_is_on_sale_waiting_buyers_are_told_once(
    sarong, hub, django_capture_on_commit_callbacks
):
    join_waitlist(product=sarong, contact="ani@example.com", language="en")
    join_waitlist(product=sarong, contact="0812-3456-7890")
    helpers.make_stock(sarong, hub, 1)
    with django_capture_on_commit_callbacks(execute=True):
        assert notify_all_waiting_buyers() == 2
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["ani@example.com"]
    assert "can be ordered now" in mail.outbox[0].subject
    assert f"/produk/{sarong.slug}/" in mail.outbox[0].body
    whatsapp = OutboundMessage.objects.get(channel="whatsapp")
    assert whatsapp.recipient == "+6281234567890" and whatsapp.sent_at is None
    assert "dapat dipesan" in whatsapp.body or "can be ordered" in whatsapp.body
    assert OutboundMessage.objects.get(channel="email").sent_at is not None
    assert notify_all_waiting_buyers() == 0
    # Told once; asking again later makes a new entry.
    assert join_waitlist(product=sarong, contact="ani@example.com")[1] is True


def test_the_sweep_command_tells_buyers_once_a_piece_passed_inspection(sarong, weaver, hub):
    from io import StringIO

    from django.core.management import call_command

    from sambung.production.pledges import complete_work_order, pledge_work

    join_waitlist(product=sarong, contact="0812-3456-7890")
    work_order = pledge_work(maker=weaver, sku=sarong.skus.get(), quantity=1)
    [piece] = complete_work_order(work_order=work_order, completed_on=timezone.localdate())
    out = StringIO()
    call_command("notify_waitlist", stdout=out)
    assert out.getvalue().startswith("0 ")  # in quality control: not on sale yet
    helpers.pass_inspection(piece=piece)
    call_command("notify_waitlist", stdout=out)
    assert "1 waiting buyers told" in out.getvalue()
    assert OutboundMessage.objects.get().recipient == "+6281234567890"
