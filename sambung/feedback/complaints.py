"""The only writer of complaints: a buyer opens one on an order line; the cooperative writes to her and resolves
it with a refund, a replacement or a refusal. Every step is a ComplaintEvent row; the buyer is e-mailed the
resolution once it is committed.

Who the buyer is, the view decides (the browser proved the order's code and WhatsApp number).
"""

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sambung.feedback.models import MAX_NOTE, Complaint, ComplaintEvent, ComplaintReason
from sambung.feedback.submissions import FeedbackError, check_photo, check_text, save_with_photo
from sambung.lib.money import format_rupiah
from sambung.orders.models import Order, OrderLine, OrderStatus

S = OrderStatus
# A late parcel can be reported once it is paid for; a problem with the goods, once they have arrived.
OPEN_FOR_LATE = {S.PAID, S.PACKING, S.SHIPPED, S.DELIVERED, S.RETURNED}
OPEN_FOR_GOODS = {S.DELIVERED, S.RETURNED}


class Resolution:
    REFUND = "refund"
    REPLACEMENT = "replacement"
    REFUSAL = "refusal"


def complaint_refusal(line: OrderLine, reason: str | None = None) -> str:
    """Return why a complaint on this line cannot be opened now (for this reason, if given), or '' if it can."""
    status = Order.objects.filter(pk=line.order_id).values_list("status", flat=True).first()
    if status not in OPEN_FOR_LATE:
        return _("You can report a problem once the order is paid.")
    if reason is not None and reason != ComplaintReason.LATE and status not in OPEN_FOR_GOODS:
        return _("You can report a problem with the item once it has been delivered.")
    if Complaint.objects.filter(order_line=line, status=Complaint.Status.OPEN).exists():
        return _("You already have an open complaint about this item; the cooperative will answer it.")
    return ""


def open_complaint(*, line: OrderLine, reason: str, text: str, photo: bytes | None = None) -> Complaint:
    """Record the buyer's complaint about an order line, open until the cooperative resolves it."""
    if reason not in ComplaintReason.values:
        raise FeedbackError(_("Choose what went wrong."))
    text = check_text(text, required=True)
    refusal = complaint_refusal(line, reason)
    if refusal:
        raise FeedbackError(refusal)
    prepared = check_photo(photo)
    order = Order.objects.only("cooperative_id").get(pk=line.order_id)

    def create(buyer_photo) -> Complaint:
        complaint = Complaint.objects.create(
            order_line=line, cooperative_id=order.cooperative_id, reason=reason, text=text, photo=buyer_photo
        )
        ComplaintEvent.objects.create(complaint=complaint, kind=ComplaintEvent.Kind.OPENED)
        return complaint

    try:
        return save_with_photo(prepared, create)
    except IntegrityError:
        # Two submits at once: the database keeps one open complaint per line.
        if Complaint.objects.filter(order_line=line, status=Complaint.Status.OPEN).exists():
            raise FeedbackError(
                _("You already have an open complaint about this item; the cooperative will answer it.")
            ) from None
        raise


def check_note(note: str, *, required: bool, missing: str) -> str:
    note = note.strip()
    if required and not note:
        raise FeedbackError(missing)
    if len(note) > MAX_NOTE:
        raise FeedbackError(_("Keep the message within %(limit)s characters.") % {"limit": MAX_NOTE})
    return note


def write_to_buyer(*, complaint: Complaint, user, note: str) -> ComplaintEvent:
    """Add a message from the cooperative to an open complaint (a question, what will happen next)."""
    note = check_note(note, required=True, missing=_("Write the message to the buyer."))
    with transaction.atomic():
        if not Complaint.objects.filter(pk=complaint.pk, status=Complaint.Status.OPEN).exists():
            raise FeedbackError(_("This complaint is already resolved."))
        return ComplaintEvent.objects.create(
            complaint=complaint, kind=ComplaintEvent.Kind.NOTE, actor=user, note=note
        )


def refundable(complaint: Complaint) -> int:
    """What can still be refunded on the complaint's line: what was paid for it, less earlier refunds."""
    line = complaint.order_line
    refunded = (
        Complaint.objects.filter(order_line=line, status=Complaint.Status.REFUNDED)
        .exclude(pk=complaint.pk)
        .aggregate(total=Sum("refund_amount"))["total"]
    )
    return line.quantity * line.unit_price - (refunded or 0)


def resolve_complaint(
    *, complaint: Complaint, user, resolution: str, note: str = "", amount: int | None = None
) -> Complaint:
    """Close an open complaint with a refund (of at most what was paid for the line), a replacement, or a
    refusal with an explanation; e-mail the buyer once it is committed."""
    if resolution == Resolution.REFUND:
        if isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0:
            raise FeedbackError(_("Enter the amount to refund, in whole rupiah."))
        limit = refundable(complaint)
        if amount > limit:
            raise FeedbackError(
                _("The refund can be at most %(limit)s: what was paid for this item, less earlier refunds.")
                % {"limit": format_rupiah(limit)}
            )
        status, kind = Complaint.Status.REFUNDED, ComplaintEvent.Kind.REFUNDED
        note = check_note(note, required=False, missing="")
    elif resolution == Resolution.REPLACEMENT:
        status, kind, amount = Complaint.Status.REPLACED, ComplaintEvent.Kind.REPLACED, None
        note = check_note(note, required=False, missing="")
    elif resolution == Resolution.REFUSAL:
        status, kind, amount = Complaint.Status.REFUSED, ComplaintEvent.Kind.REFUSED, None
        note = check_note(
            note, required=True, missing=_("Explain to the buyer why the complaint is refused.")
        )
    else:
        raise FeedbackError(_("Choose how the complaint is resolved."))
    now = timezone.now()
    with transaction.atomic():
        # Guarded: of two managers resolving at once, one wins and the other is told.
        changed = Complaint.objects.filter(pk=complaint.pk, status=Complaint.Status.OPEN).update(
            status=status, refund_amount=amount, resolved_at=now
        )
        if not changed:
            raise FeedbackError(_("This complaint is already resolved; reload the page."))
        event = ComplaintEvent.objects.create(
            complaint=complaint, kind=kind, actor=user, amount=amount, note=note
        )
        complaint.status, complaint.refund_amount, complaint.resolved_at = status, amount, now
        _mail_resolution(complaint, event)
    return complaint


def _mail_resolution(complaint: Complaint, event: ComplaintEvent) -> None:
    order = complaint.order_line.order
    if not order.buyer_email:
        return

    def send() -> None:
        context = {"complaint": complaint, "order": order, "line": complaint.order_line, "event": event}
        with translation.override(settings.LANGUAGE_CODE):
            subject = render_to_string("feedback/email/resolved_subject.txt", context).strip()
            body = render_to_string("feedback/email/resolved.txt", context)
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [order.buyer_email], fail_silently=True)

    transaction.on_commit(send)
