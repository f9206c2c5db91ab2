from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sambung.sync.transport import SyncError, export_bundle


class Command(BaseCommand):
    help = "Write the events a peer has not acknowledged into a bundle file (.sambung) to carry by hand."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")
        parser.add_argument(
            "--for", dest="for_node", help="the hub's id or name (on the centre; a hub: its centre)"
        )

    def handle(self, *args, path: str, for_node: str | None = None, **options) -> None:
        try:
            data = export_bundle(
                path=Path(path), for_node=for_node, report=lambda s: self.stdout.write(str(s))
            )
        except SyncError as error:
            raise CommandError(str(error)) from None
        self.stdout.write(f"wrote {path}: {len(data)} bytes")
