"""Read-only queries for the back office: what each member may see."""

from django.db.models import QuerySet

from sambung.accounts.access import Can, has_capability
from sambung.accounts.models import Membership
from sambung.catalog.models import Maker, Photo, Piece


def visible_makers(membership: Membership) -> QuerySet[Maker]:
    """Makers the member may see: all of the cooperative's, or, for a maker, her own record only."""
    makers = Maker.objects.filter(cooperative=membership.cooperative)
    if has_capability(membership, Can.VIEW_MAKERS):
        return makers
    if membership.maker_id:
        return makers.filter(pk=membership.maker_id)
    return makers.none()


def visible_pieces(membership: Membership) -> QuerySet[Piece]:
    """Pieces the member may see: all of the cooperative's, or, for a maker, her own pieces only."""
    pieces = Piece.objects.filter(sku__product__cooperative=membership.cooperative).select_related(
        "sku__product", "maker"
    )
    if has_capability(membership, Can.VIEW_CATALOG):
        return pieces
    if membership.maker_id:
        return pieces.filter(maker_id=membership.maker_id)
    return pieces.none()


def shown_photos() -> QuerySet[Photo]:
    """Photos whose files are here: a row that came by sync without them yet is never shown as a broken image."""
    return Photo.objects.filter(has_files=True).order_by("position", "created_at")
