from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from sambung.sync.enrolment import EnrolmentError
from sambung.sync.transport import LinkDropped, SyncError, enrol_with_centre


class Command(BaseCommand):
    help = "Enrol this installation as a village hub with a one-time code from the manager."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--centre", required=True, help="the centre's address, e.g. https://sambung.example"
        )
        parser.add_argument("--code", required=True, help="the one-time enrolment code")

    def handle(self, *args, centre: str, code: str, **options) -> None:
        try:
            hub = enrol_with_centre(centre_url=centre, code=code)
        except LinkDropped as error:
            # The centre may have accepted the code before the link dropped: the same code works again.
            hint = _(
                "If the link dropped, run the same command again with the same code: until the code expires, "
                "the centre gives this installation its certificate again."
            )
            raise CommandError(f"{error}\n{hint}") from None
        except (EnrolmentError, SyncError) as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"enrolled as hub {hub.name} ({hub.pk}) of {hub.cooperative.name}")
