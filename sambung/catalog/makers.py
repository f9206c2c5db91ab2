"""The only writer of makers."""

from django.db import transaction

from sambung.catalog.models import Maker
from sambung.sync import outbox


def save_maker(*, maker: Maker) -> Maker:
    """Create or update a maker."""
    with transaction.atomic():
        maker.save()
        outbox.emit_rows("catalog.maker", maker)
    return maker
