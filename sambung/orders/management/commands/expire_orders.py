from django.core.management.base import BaseCommand

from sambung.orders.checkout import release_expired_checkouts
from sambung.orders.fulfilment import expire_unpaid_orders


class Command(BaseCommand):
    help = "Release checkout holds past their time limit and cancel orders unpaid past their pay-by time."

    def handle(self, *args, **options):
        holds = release_expired_checkouts()
        orders = expire_unpaid_orders()
        self.stdout.write(f"Released {holds} expired checkouts; cancelled {orders} unpaid orders.")
