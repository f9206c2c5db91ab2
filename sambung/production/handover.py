"""What happens when an inspection releases units for sale (called at the end of record_inspection).

A piece made for a made-to-order line is committed to that line in the same transaction: it never reaches the
web store's shelf. Anything else is on sale now, so the product's waitlist is told after the commit — at that
moment, not at the next `notify_waitlist` sweep (which stays as the backstop; an entry is told once, either way).
"""

from django.db import transaction

from sambung.orders.made_to_order import commit_made_piece


def hand_over_released_units(*, inspection, user=None) -> None:
    """Commit a released piece to the order line it was made for, or tell the waitlist after commit."""
    from sambung.production.waitlist import notify_waiting_buyers

    piece = inspection.piece
    if piece is not None and commit_made_piece(piece=piece, location=inspection.location, user=user):
        return
    product = inspection.sku.product
    transaction.on_commit(lambda: notify_waiting_buyers(product=product))
