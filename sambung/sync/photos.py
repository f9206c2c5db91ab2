"""Photo rows as events: `photo.saved` and `photo.deleted`, emitted by catalog.photos, applied here.

Scope (DESIGN.md §5): the centre owns product photos; a hub writes photos only of pieces it created or holds at
its locations, and changes only photos it wrote. The row travels without its files (they follow through
sync.files, content-addressed by the original's SHA-256); until they arrive the row is kept but not shown.
"""

import re
import uuid

from django.db.models import Q

from sambung.catalog.models import Node, Photo, Piece, Product
from sambung.sync import outbox
from sambung.sync.models import RowVersion

SAVED, DELETED = "photo.saved", "photo.deleted"
KINDS = frozenset({SAVED, DELETED})
LABEL = "catalog.photo"
SHA256 = re.compile(r"[0-9a-f]{64}")


def _cooperative_id(photo: Photo) -> uuid.UUID:
    if photo.product_id:
        return Product.objects.values_list("cooperative_id", flat=True).get(pk=photo.product_id)
    return Piece.objects.values_list("sku__product__cooperative_id", flat=True).get(pk=photo.piece_id)


def photo_payload(photo: Photo) -> dict:
    return {
        "id": str(photo.pk),
        "product": str(photo.product_id) if photo.product_id else None,
        "piece": str(photo.piece_id) if photo.piece_id else None,
        "sha256": photo.sha256,
        "alt_id": photo.alt_id,
        "alt_en": photo.alt_en,
        "position": photo.position,
        "thumb": [photo.thumb_width, photo.thumb_height],
        "detail": [photo.detail_width, photo.detail_height],
        "at": photo.created_at.isoformat(),
    }


def emit_photo_saved(photo: Photo):
    """Emit a photo row (not its files) in the transaction that stores it; a no-op while applying."""
    if not photo.sha256:
        return None  # uploaded before photos synced and never hashed: stays local
    return outbox.emit(
        SAVED,
        photo_payload(photo),
        cooperative_id=_cooperative_id(photo),
        versions=((LABEL, str(photo.pk)),),
    )


def emit_photo_deleted(photo: Photo):
    if not photo.sha256:
        return None
    return outbox.emit(
        DELETED,
        {
            "id": str(photo.pk),
            "product": str(photo.product_id) if photo.product_id else None,
            "piece": str(photo.piece_id) if photo.piece_id else None,
        },
        cooperative_id=_cooperative_id(photo),
        versions=((LABEL, str(photo.pk)),),
    )


def _uuid(raw: object, Refused) -> uuid.UUID | None:
    if raw is None:
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        raise Refused("malformed photo event: a bad id") from None


def _owner(payload: dict, Waiting, Refused) -> tuple[Product | None, Piece | None]:
    product_id, piece_id = _uuid(payload.get("product"), Refused), _uuid(payload.get("piece"), Refused)
    if (product_id is None) == (piece_id is None):
        raise Refused("malformed photo event: a photo belongs to exactly one product or piece")
    if product_id is not None:
        product = Product.objects.filter(pk=product_id).first()
        if product is None:
            raise Waiting(f"waiting for product {product_id}")
        return product, None
    piece = Piece.objects.select_related("sku__product").filter(pk=piece_id).first()
    if piece is None:
        raise Waiting(f"waiting for piece {piece_id}")
    return None, piece


def hub_may_photograph(hub: Node, piece: Piece) -> bool:
    """A hub may photograph a piece of its cooperative that it created or that sits at one of its locations."""
    if piece.sku.product.cooperative_id != hub.cooperative_id:
        return False
    from sambung.sync.apply import row_version

    version = row_version("catalog.piece", str(piece.pk))
    created = version is not None and version.origin == hub.pk
    return created or piece.stock_levels.filter(location__node=hub, quantity__gt=0).exists()


def _check_scope(origin: Node, product, piece, Refused) -> None:
    if origin.kind != Node.Kind.HUB:
        return
    if product is not None:
        raise Refused(f"out of scope: only the centre may change product photos (sent by hub {origin.name})")
    if not hub_may_photograph(origin, piece):
        raise Refused(
            f"out of scope: hub {origin.name} may photograph only pieces it created or holds ({piece.code})"
        )


def _text(payload: dict, name: str, Refused) -> str:
    value = payload.get(name, "")
    if not isinstance(value, str) or len(value) > 200:
        raise Refused(f"malformed photo event: {name}")
    return value


def _size(raw: object, Refused) -> tuple[int, int]:
    if (
        not isinstance(raw, list)
        or len(raw) != 2
        or not all(isinstance(v, int) and not isinstance(v, bool) and 0 < v <= 10_000 for v in raw)
    ):
        raise Refused("malformed photo event: a rendition size")
    return raw[0], raw[1]


def apply_photo_event(event, origin: Node, Waiting, Refused) -> None:
    """Apply photo.saved or photo.deleted through catalog.photos, last writer (by event id) winning."""
    from django.utils.dateparse import parse_datetime

    from sambung.catalog.photos import delete_photo, record_synced_photo

    payload = event.payload if isinstance(event.payload, dict) else None
    if payload is None:
        raise Refused(f"malformed {event.kind}")
    photo_id = _uuid(payload.get("id"), Refused)
    if photo_id is None:
        raise Refused("malformed photo event: no id")
    product, piece = _owner(payload, Waiting, Refused)
    _check_scope(origin, product, piece, Refused)
    version = RowVersion.objects.filter(label=LABEL, row_id=str(photo_id)).first()
    if version is not None and origin.kind == Node.Kind.HUB and version.origin != origin.pk:
        raise Refused(f"out of scope: hub {origin.name} may change only photos it took")
    if version is not None and version.event_id >= event.id:
        return  # a later write (or deletion) already holds this photo
    current = Photo.objects.filter(pk=photo_id).first()
    if current is not None and (current.product_id, current.piece_id) != (
        product.pk if product else None,
        piece.pk if piece else None,
    ):
        raise Refused("a photo cannot move to another product or piece")
    if event.kind == DELETED:
        if current is not None:
            delete_photo(photo=current)
    else:
        sha256 = payload.get("sha256")
        created = parse_datetime(str(payload.get("at", "")))
        position = payload.get("position")
        if not isinstance(sha256, str) or not SHA256.fullmatch(sha256):
            raise Refused("malformed photo event: sha256")
        if (
            created is None
            or not isinstance(position, int)
            or isinstance(position, bool)
            or not 0 <= position < 32768
        ):
            raise Refused("malformed photo event: time or position")
        thumb, detail = _size(payload.get("thumb"), Refused), _size(payload.get("detail"), Refused)
        photo = Photo(
            id=photo_id,
            product=product,
            piece=piece,
            sha256=sha256,
            alt_id=_text(payload, "alt_id", Refused),
            alt_en=_text(payload, "alt_en", Refused),
            position=position,
            thumb_width=thumb[0],
            thumb_height=thumb[1],
            detail_width=detail[0],
            detail_height=detail[1],
        )
        record_synced_photo(photo=photo)
        if current is None:
            Photo.objects.filter(pk=photo_id).update(created_at=created)  # the origin's time, as every node
    outbox.record_version(LABEL, str(photo_id), event.id, version.origin if version else origin.pk)


def write_photo_snapshot(cooperative) -> int:
    """Emit the cooperative's photos never sent as events (a new hub receives them); return how many."""
    from sambung.catalog.photos import hash_original

    count = 0
    photos = Photo.objects.filter(
        Q(product__cooperative=cooperative) | Q(piece__sku__product__cooperative=cooperative), has_files=True
    )
    sent = set(RowVersion.objects.filter(label=LABEL).values_list("row_id", flat=True))
    for photo in photos.order_by("created_at", "pk"):
        if str(photo.pk) in sent:
            continue
        if not photo.sha256 and not hash_original(photo=photo):
            continue  # its original cannot be read here: it stays local
        emit_photo_saved(photo)
        count += 1
    return count
