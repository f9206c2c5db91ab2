"""The only writer of the waitlist and its messages: buyers ask to be told when a product can be bought.

Entries count as demand in the weekly plan. When a unit of the product is on sale in the web store, every
waiting buyer gets one message: an e-mail, sent after the transaction commits, or a WhatsApp message recorded as
an OutboundMessage for the cooperative (or a gateway, later) to send. `notify_all_waiting_buyers` is the sweep a
scheduler runs (`manage.py notify_waitlist`): units reach the store by inspections, cancellations and returns.
"""

import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from sambung.catalog.models import Product
from sambung.inventory.models import Channel, Position, StockLevel
from sambung.lib.phones import InvalidPhone, normalize_whatsapp
from sambung.production.capacity import ProductionError
from sambung.production.models import OutboundMessage, WaitlistEntry


def parse_contact(raw: str) -> tuple[str, str]:
    """Return (kind, contact): an e-mail address in lower case, or a WhatsApp number in E.164."""
    text = (raw or "").strip()
    if not text:
        raise ProductionError(_("Enter a WhatsApp number or an e-mail address."))
    if "@" in text:
        try:
            validate_email(text)
        except ValidationError:
            raise ProductionError(_("Enter a valid e-mail address, such as nama@contoh.id.")) from None
        return WaitlistEntry.Contact.EMAIL, text.lower()
    try:
        return WaitlistEntry.Contact.WHATSAPP, normalize_whatsapp(text)
    except InvalidPhone as error:
        raise ProductionError(str(error)) from None


def join_waitlist(*, product: Product, contact: str, language: str = "id") -> tuple[WaitlistEntry, bool]:
    """Add the buyer to the product's waitlist; the same contact twice is one entry. Return (entry, created)."""
    if not product.is_published:
        raise ProductionError(_("This product is not for sale."))
    kind, contact = parse_contact(contact)
    language = "en" if language.startswith("en") else "id"
    existing = WaitlistEntry.objects.filter(
        product=product, contact=contact, notified_at__isnull=True
    ).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            entry = WaitlistEntry.objects.create(
                product=product, contact_kind=kind, contact=contact, language=language
            )
    except IntegrityError:  # the same buyer pressed twice
        return WaitlistEntry.objects.get(product=product, contact=contact, notified_at__isnull=True), False
    return entry, True


def web_available(product: Product) -> int:
    levels = StockLevel.objects.filter(
        sku__product=product,
        sku__is_active=True,
        position=Position.AVAILABLE,
        channel__kind=Channel.Kind.WEB,
    )
    return levels.aggregate(total=Sum("quantity"))["total"] or 0


def notify_waiting_buyers(*, product: Product, now: datetime.datetime | None = None) -> int:
    """If the web store can sell the product now, message everyone waiting for it; return how many."""
    if web_available(product) == 0:
        return 0
    now = now or timezone.now()
    count = 0
    with transaction.atomic():
        for entry in WaitlistEntry.objects.filter(product=product, notified_at__isnull=True):
            # The guarded update makes a concurrent sweep skip an entry already taken.
            if not WaitlistEntry.objects.filter(pk=entry.pk, notified_at__isnull=True).update(
                notified_at=now
            ):
                continue
            message = _message(product, entry)
            if message.channel == OutboundMessage.Channel.EMAIL:
                transaction.on_commit(lambda message=message: _send_email(message))
            count += 1
    return count


def notify_all_waiting_buyers(*, now: datetime.datetime | None = None) -> int:
    """Message the waiting buyers of every product that can be bought now; return how many were told."""
    products = Product.objects.filter(is_published=True, waitlist__notified_at__isnull=True).distinct()
    return sum(notify_waiting_buyers(product=product, now=now) for product in products)


def _message(product: Product, entry: WaitlistEntry) -> OutboundMessage:
    with translation.override(entry.language):
        url = getattr(settings, "PUBLIC_URL", "") + reverse("storefront:product_detail", args=[product.slug])
        subject = _("%(title)s can be ordered now") % {"title": product.title}
        body = _(
            "Good news from %(cooperative)s: %(title)s, which you asked about, can be ordered now. "
            "Pieces are few; order here: %(url)s"
        ) % {"cooperative": product.cooperative.name, "title": product.title, "url": url}
    return OutboundMessage.objects.create(
        cooperative=product.cooperative,
        channel=entry.contact_kind,
        recipient=entry.contact,
        subject=subject,
        body=body,
        waitlist_entry=entry,
    )


def _send_email(message: OutboundMessage) -> None:
    sent = send_mail(
        message.subject, message.body, settings.DEFAULT_FROM_EMAIL, [message.recipient], fail_silently=True
    )
    if sent:
        OutboundMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(sent_at=timezone.now())


def mark_message_sent(*, message: OutboundMessage) -> None:
    """Record that a person sent a WhatsApp message by hand."""
    with transaction.atomic():
        OutboundMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(sent_at=timezone.now())
