"""Measure every catalogue photo not measured yet, for the listing-quality page (e.g. after a large import)."""

from django.core.management.base import BaseCommand

from sambung.feedback.photo_checks import measure_photos, unmeasured_photos


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options) -> None:
        todo = unmeasured_photos()
        count = todo.count()
        measured = measure_photos(photos=todo)
        self.stdout.write(f"{measured} of {count} photos measured.")
