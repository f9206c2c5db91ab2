from django.core.management.base import BaseCommand, CommandError

from sambung.sync.transport import SyncError, sync_with_centre


class Command(BaseCommand):
    help = "Push this hub's changes to the centre, then pull the centre's, frame by frame, until nothing is left."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--centre", help="the centre's address (default: the one the hub enrolled with)")

    def handle(self, *args, centre: str | None = None, **options) -> None:
        def report(step) -> None:
            self.stdout.write(str(step))
            self.stdout.flush()

        try:
            steps = sync_with_centre(centre_url=centre, report=report)
        except SyncError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(
            f"done: sent {sum(s.events for s in steps if s.direction == 'push')} events, "
            f"received {sum(s.events for s in steps if s.direction == 'pull')} events, "
            f"{sum(s.size for s in steps)} bytes in all "
            f"({sum(s.files for s in steps)} photo files, {sum(s.size for s in steps if s.files)} bytes)"
        )
