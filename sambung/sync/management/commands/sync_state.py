import json

from django.core.management.base import BaseCommand

from sambung.sync.state import replicated_state


class Command(BaseCommand):
    help = "Print a canonical JSON digest of this node's replicated rows and stock levels (to compare nodes)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--cooperative", help="only this cooperative's rows (slug)")
        parser.add_argument(
            "--full", action="store_true", help="print the rows themselves, not only their digests"
        )

    def handle(self, *args, cooperative: str | None = None, full: bool = False, **options) -> None:
        state = replicated_state(cooperative_slug=cooperative, full=full)
        self.stdout.write(json.dumps(state, sort_keys=True, separators=(",", ":"), ensure_ascii=False))
