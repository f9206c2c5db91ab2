from django.core.management.base import BaseCommand

from sambung.demo.cooperative import DEMO_PASSWORD, load_demo


class Command(BaseCommand):
    help = "Load the demo cooperative of Kabupaten Sikka (safe to run again: nothing is duplicated)."

    def add_arguments(self, parser):
        parser.add_argument("--no-photos", action="store_true", help="skip drawing photos (faster)")

    def handle(self, *args, no_photos: bool = False, **options):
        summary = load_demo(with_photos=not no_photos)
        self.stdout.write(
            f"Demo cooperative “{summary.cooperative.name}”: {summary.makers} makers, {summary.products} products, "
            f"{summary.pieces} pieces, {summary.photos} photos added now."
        )
        self.stdout.write(f"Log-ins (password for all: {DEMO_PASSWORD}):")
        for username, label in summary.logins:
            self.stdout.write(f"  {username:<10} {label}")
