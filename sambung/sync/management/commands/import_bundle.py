from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from sambung.sync.frames import FrameError
from sambung.sync.transport import SyncError, import_bundle


class Command(BaseCommand):
    help = "Apply a bundle file from the centre or a hub: all of it, or (a bad bundle) nothing."

    def add_arguments(self, parser) -> None:
        parser.add_argument("path")

    def handle(self, *args, path: str, **options) -> None:
        try:
            data = Path(path).read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}") from None
        try:
            imported = import_bundle(data, report=lambda s: self.stdout.write(str(s)))
        except (FrameError, SyncError) as error:
            raise CommandError(f"bundle refused, nothing applied: {error}") from None
        if imported.already:
            self.stdout.write("already imported: every event in this bundle is held here; nothing applied")
            return
        events = sum(step.events for step in imported.steps)
        review = sum(step.review for step in imported.steps)
        frames = sum(step.part == "frame" for step in imported.steps)
        files = sum(step.files for step in imported.steps if step.part == "files")
        size = sum(step.size for step in imported.steps)
        self.stdout.write(
            f"imported {frames} frames, {events} events ({review} to review), {files} photo files, {size} bytes"
        )
