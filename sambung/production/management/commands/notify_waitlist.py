"""Tell waiting buyers that a product they asked about is on sale: run it every few minutes from cron."""

from django.core.management.base import BaseCommand

from sambung.production.waitlist import notify_all_waiting_buyers


class Command(BaseCommand):
    help = "Message every buyer on the waitlist of a product the web store can sell now (e-mail, or WhatsApp to send)."

    def handle(self, *args, **options) -> None:
        count = notify_all_waiting_buyers()
        self.stdout.write(f"{count} waiting buyers told")
