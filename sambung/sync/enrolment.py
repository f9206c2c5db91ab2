"""Hubs: the manager creates one with a one-time code; the hub enrols with it and receives its certificate.

The code is shown once and kept only as a SHA-256. Enrolment sends the hub's public key with the code; the
centre answers with a certificate signed by its key (the hub's node id, cooperative, locations, and the
centre's own id and key). The centre then writes snapshot events for the cooperative's existing rows and stock
that were never sent as events, so the new hub receives everything through the normal stream.

A village link may drop after the centre accepted the code but before the certificate reached the hub. The hub
then runs enrol_hub again with the same code and the same key (kept in its data directory): until the code
expires, and as long as the hub has not synced, the centre answers with the same certificate. The code with
any other key stays refused: it was used.
"""

import base64
import datetime
import hashlib
import secrets
import uuid
from dataclasses import dataclass

import msgpack
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from sambung.catalog.models import Cooperative, Location, Node
from sambung.inventory.models import Channel
from sambung.sync import outbox
from sambung.sync.models import EnrolmentCode, Event, LocalNode, Peer, RowVersion
from sambung.sync.node import private_key, public_bytes, this_node
from sambung.sync.rows import label_of, serialize_row, typed_values

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud over a phone
CODE_LIFETIME = datetime.timedelta(days=3)


class EnrolmentError(ValueError):
    """The enrolment was refused; nothing changed."""


def _normalize(code: str) -> str:
    return "".join(ch for ch in code.upper() if ch.isalnum())


def hash_code(code: str) -> str:
    return hashlib.sha256(_normalize(code).encode()).hexdigest()


@transaction.atomic
def create_hub(
    *, cooperative: Cooperative, name: str, village_code: str, location_name: str = "", user=None
) -> Node:
    """Create a hub node with its location and market-stall channel, and replicate them."""
    name = name.strip()
    if not name:
        raise EnrolmentError(_("Give the hub a name."))
    if Node.objects.filter(cooperative=cooperative, name=name).exists():
        raise EnrolmentError(_("This cooperative already has a hub named %(name)s.") % {"name": name})
    node = Node.objects.create(cooperative=cooperative, kind=Node.Kind.HUB, name=name)
    location = Location(
        cooperative=cooperative, node=node, kind=Location.Kind.HUB, name=location_name or name,
        village_code=village_code,
    )  # fmt: skip
    location.full_clean(validate_unique=False)
    try:
        with transaction.atomic():
            location.save()
    except IntegrityError:
        raise EnrolmentError(
            _("A location named %(name)s already exists.") % {"name": location.name}
        ) from None
    outbox.emit_rows("catalog.node", node)
    outbox.emit_rows("catalog.location", location)
    stall_of(node)
    return node


def stall_of(node: Node) -> Channel:
    """Return the hub's market-stall channel, creating (and replicating) it on first use."""
    channel = Channel.objects.filter(node=node, kind=Channel.Kind.STALL).first()
    if channel is not None:
        return channel
    from sambung.inventory.stock import web_store

    web_store(
        node.cooperative
    )  # the web store exists before any hub, so hubs receive it, never make their own
    with transaction.atomic():
        name = _("Stall %(name)s") % {"name": node.name}
        if Channel.objects.filter(cooperative=node.cooperative, name=name).exists():
            name = f"{name} ({str(node.pk)[-6:]})"
        channel = Channel.objects.create(
            cooperative=node.cooperative, node=node, kind=Channel.Kind.STALL, name=name
        )
        outbox.emit_rows("catalog.channel", channel)
    return channel


def issue_code(*, node: Node, user=None, now=None) -> str:
    """Return a new one-time enrolment code for the hub (shown once; only its hash is kept)."""
    code = "-".join("".join(secrets.choice(CODE_ALPHABET) for _ in range(4)) for _ in range(3))
    EnrolmentCode.objects.create(
        node=node,
        code_hash=hash_code(code),
        expires_at=(now or timezone.now()) + CODE_LIFETIME,
        created_by=user,
    )
    return code


def revoke_hub(*, node: Node, now=None) -> None:
    """Stop the hub from syncing: its key is refused from now on, and its unused codes with it."""
    now = now or timezone.now()
    with transaction.atomic():
        Peer.objects.filter(pk=node.pk, revoked_at__isnull=True).update(revoked_at=now)
        EnrolmentCode.objects.filter(node=node, used_at__isnull=True).update(expires_at=now)


def _sign(payload: dict) -> bytes:
    body = msgpack.packb(payload, use_bin_type=True)
    return body + private_key().sign(body)


def enrol(*, code: str, public_key: bytes, now=None) -> bytes:
    """At the centre: check the code, register the hub's key, write the snapshot; return the certificate."""
    now = now or timezone.now()
    if len(public_key) != 32:
        raise EnrolmentError(_("The hub's public key is malformed."))
    with transaction.atomic():
        record = (
            EnrolmentCode.objects.select_for_update()
            .select_related("node")
            .filter(code_hash=hash_code(code))
            .first()
        )
        if record is None:
            raise EnrolmentError(
                _("This enrolment code is not valid. Check it, or ask the manager for a new one.")
            )
        if record.used_at is not None:
            if _is_retry(record, public_key, now):
                peer = Peer.objects.get(pk=record.node_id)
                return _certificate(record.node, peer.locations, issued=record.used_at)
            raise EnrolmentError(
                _("This enrolment code was already used on %(date)s. Ask the manager for a new one.")
                % {"date": timezone.localtime(record.used_at).strftime("%Y-%m-%d %H:%M")}
            )
        if record.expires_at <= now:
            raise EnrolmentError(
                _("This enrolment code expired on %(date)s. Ask the manager for a new one.")
                % {"date": timezone.localtime(record.expires_at).strftime("%Y-%m-%d %H:%M")}
            )
        # The guarded claim: of two enrolments racing with one code, one gets past this line.
        if not EnrolmentCode.objects.filter(pk=record.pk, used_at__isnull=True).update(used_at=now):
            raise EnrolmentError(_("This enrolment code was already used. Ask the manager for a new one."))
        hub = record.node
        if Peer.objects.filter(pk=hub.pk, revoked_at__isnull=False).exists():
            raise EnrolmentError(_("This hub was revoked; create a new hub."))
        locations = [str(pk) for pk in Location.objects.filter(node=hub).values_list("pk", flat=True)]
        Peer.objects.update_or_create(
            node=hub, defaults={"public_key": public_key, "locations": locations, "acknowledged": {}}
        )
        stall_of(hub)
        write_snapshot(hub.cooperative)
        return _certificate(hub, locations, issued=now)


def _is_retry(record: EnrolmentCode, public_key: bytes, now) -> bool:
    """True when the code was used by this very key, is not expired, and the hub has never synced since."""
    peer = Peer.objects.filter(pk=record.node_id).first()
    return (
        peer is not None
        and not peer.is_revoked
        and peer.last_sync_at is None
        and bytes(peer.public_key) == public_key
        and record.expires_at > now
    )


def _certificate(hub: Node, locations: list[str], *, issued) -> bytes:
    """Sign the hub's certificate (Ed25519 is deterministic: the same inputs give the same bytes)."""
    centre = this_node()
    return _sign(
        {
            "node": hub.pk.bytes,
            "name": hub.name,
            "cooperative": hub.cooperative_id.bytes,
            "locations": [uuid.UUID(pk).bytes for pk in locations],
            "centre": centre.pk.bytes,
            "centre_key": public_bytes(private_key()),
            "issued": int(issued.timestamp()),
            "rows": [serialize_row(hub.cooperative), serialize_row(centre), serialize_row(hub)],
        }
    )


@dataclass
class Certificate:
    node: uuid.UUID
    name: str
    cooperative: uuid.UUID
    locations: list[uuid.UUID]
    centre: uuid.UUID
    centre_key: bytes
    rows: list[dict]
    raw: bytes


def read_certificate(raw: bytes) -> Certificate:
    body, signature = raw[:-64], raw[-64:]
    try:
        data = msgpack.unpackb(body, raw=False)
        Ed25519PublicKey.from_public_bytes(data["centre_key"]).verify(signature, body)
        return Certificate(
            node=uuid.UUID(bytes=data["node"]),
            name=data["name"],
            cooperative=uuid.UUID(bytes=data["cooperative"]),
            locations=[uuid.UUID(bytes=pk) for pk in data["locations"]],
            centre=uuid.UUID(bytes=data["centre"]),
            centre_key=data["centre_key"],
            rows=data["rows"],
            raw=raw,
        )
    except (InvalidSignature, ValueError, KeyError, TypeError, msgpack.ExtraData, msgpack.FormatError):
        raise EnrolmentError(
            _("The centre's certificate cannot be read or its signature is wrong.")
        ) from None


def check_fresh_installation() -> None:
    existing = LocalNode.objects.select_related("node").filter(pk=1).first()
    if existing is not None:
        raise EnrolmentError(
            _("This installation is already enrolled as hub %(name)s.") % {"name": existing.node.name}
        )
    if Node.objects.exists() or Cooperative.objects.exists():
        raise EnrolmentError(
            _("This installation already holds data: enrol a fresh one (a new, empty SAMBUNG_DATA_DIR).")
        )


def install_certificate(certificate: Certificate, *, centre_url: str) -> Node:
    """On the hub: write the cooperative and the two nodes, become the hub, and trust the centre's key."""
    from django.apps import apps

    with transaction.atomic():
        check_fresh_installation()
        for row in certificate.rows:
            model = apps.get_model(row["m"])
            model(**typed_values(model, row["f"])).save(force_insert=True)
        hub = Node.objects.get(pk=certificate.node)
        LocalNode.objects.create(node=hub, certificate=certificate.raw)
        Peer.objects.create(node_id=certificate.centre, public_key=certificate.centre_key, url=centre_url)
    return hub


def public_key_b64() -> str:
    return base64.b64encode(public_bytes(private_key())).decode()


# The order in which a new hub needs the rows: each after the rows it names.
def write_snapshot(cooperative: Cooperative) -> int:
    """Emit events for the cooperative's rows and stock moves never sent as events; return how many."""
    from sambung.accounts.models import Membership
    from sambung.catalog.models import SKU, Category, Maker, Piece, Product
    from sambung.inventory.models import StockMove
    from sambung.orders.models import Order, ShippingRate
    from sambung.production import replication as production_replication
    from sambung.quality.models import Inspection, Standard, StandardVersion

    groups = [
        ("catalog.cooperative", Cooperative.objects.filter(pk=cooperative.pk)),
        ("catalog.category", Category.objects.all()),
        ("catalog.node", Node.objects.filter(kind=Node.Kind.CENTRE)),
        ("catalog.node", Node.objects.filter(cooperative=cooperative)),
        ("catalog.location", Location.objects.filter(cooperative=cooperative)),
        ("catalog.channel", Channel.objects.filter(cooperative=cooperative)),
        ("catalog.maker", Maker.objects.filter(cooperative=cooperative)),
        ("catalog.product", Product.objects.filter(cooperative=cooperative).select_related("category")),
        ("catalog.sku", SKU.objects.filter(product__cooperative=cooperative)),
        ("piece.saved", Piece.objects.filter(sku__product__cooperative=cooperative)),
        ("quality.standard", Standard.objects.filter(cooperative=cooperative)),
        ("quality.standard", StandardVersion.objects.filter(standard__cooperative=cooperative)),
        ("catalog.shipping_rate", ShippingRate.objects.filter(cooperative=cooperative)),
    ]
    count = 0
    for kind, rows in groups:
        for row in rows.order_by("pk"):
            if not RowVersion.objects.filter(label=label_of(row), row_id=str(row.pk)).exists():
                outbox.emit_rows(kind, row)
                count += 1
    for membership in Membership.objects.filter(cooperative=cooperative).select_related("user"):
        if not RowVersion.objects.filter(label="accounts.membership", row_id=str(membership.pk)).exists():
            outbox.emit_member(membership)
            count += 1
    # Moves carry no RowVersion (they never change): the ones already sent are those named by an event.
    sent_moves = set(Event.objects.filter(kind="stock.move").values_list("payload__id", flat=True))
    for move in (
        StockMove.objects.filter(location__cooperative=cooperative)
        .select_related("location")
        .order_by("created_at", "pk")
    ):
        if str(move.pk) not in sent_moves:
            outbox.emit_move(move)
            count += 1
    for inspection in Inspection.objects.filter(cooperative=cooperative).order_by("created_at", "pk"):
        if not RowVersion.objects.filter(label="quality.inspection", row_id=str(inspection.pk)).exists():
            outbox.emit_rows("inspection.recorded", inspection)
            count += 1
    for order in Order.objects.filter(cooperative=cooperative).order_by("created_at", "pk"):
        if not RowVersion.objects.filter(label="orders.order", row_id=str(order.pk)).exists():
            outbox.emit_order(order, "order.placed")
            count += 1
    # Last: work orders and made pieces name the pieces, makers and order lines sent above.
    count += production_replication.write_snapshot(cooperative)
    from sambung.sync.photos import write_photo_snapshot

    return count + write_photo_snapshot(cooperative)
