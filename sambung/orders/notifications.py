"""E-mails to the buyer, sent after the change that caused them is committed."""

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import translation

from sambung.orders.models import Order


def _send(order: Order, template: str) -> None:
    if not order.buyer_email:
        return

    def send() -> None:
        with translation.override(settings.LANGUAGE_CODE):
            subject = render_to_string(f"orders/email/{template}_subject.txt", {"order": order}).strip()
            body = render_to_string(f"orders/email/{template}.txt", {"order": order})
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [order.buyer_email], fail_silently=True)

    transaction.on_commit(send)


def order_placed(order: Order) -> None:
    _send(order, "placed")


def order_paid(order: Order) -> None:
    _send(order, "paid")


def order_shipped(order: Order) -> None:
    _send(order, "shipped")
