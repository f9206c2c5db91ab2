"""Photo files between nodes: content-addressed by SHA-256, checked on arrival, resumable, never half-stored.

Hub → centre carries a photo's original (the centre makes the renditions with the upload's own code, so the
storefront shows it); centre → hub carries only the thumb and detail renditions a hub shows, to spare slow
links. A file is accepted only for a photo row that waits for it (`has_files` False) and that the sender may
write or the receiver may see; it is stored only once its SHA-256 matches.

Over HTTP the hub drives, one signed request per chunk (sync.file_endpoints): `wants` (which originals the
centre waits for, and how many bytes of each it already holds), `put` (a chunk of an original) and `get` (a
chunk of a rendition). Partial files wait in DATA_DIR/incoming, so a dropped link resumes where it stopped.

envelope = b"SBX" + version (1) + header length (4) + header (msgpack) + body length (4) + body
           + signature (64, Ed25519 over everything before it)
header   = {"s": sender id, "t": unix time, "op": "wants" | "put" | "get" | "answer", …}

In a bundle the files follow the frames, in one signed part (sync.frames, bundle format 2):

part   = b"SBFP" + version (1) + header length (4) + header (msgpack) + the files' bytes, one after another
         + signature (64)
header = {"s": sender id, "w": [[photo id, role], …] files the sender waits for,
          "f": [[photo id, role, sha256 (32 bytes), length], …] the files that follow}
"""

import hashlib
import struct
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import msgpack
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from sambung.catalog.models import Node, Photo
from sambung.sync.exchange import peer_key
from sambung.sync.frames import FrameError
from sambung.sync.models import Event, Peer, RowVersion, WantedFile
from sambung.sync.node import private_key, this_node
from sambung.sync.photos import LABEL, SAVED

VERSION = 1
ENVELOPE_MAGIC = b"SBX"
PART_MAGIC = b"SBFP"
SIGNATURE_BYTES = 64
CHUNK = 256 * 1024
MAX_ENVELOPE_BYTES = CHUNK + 64 * 1024
ORIGINAL, THUMB, DETAIL = "original", "thumb", "detail"
RENDITIONS = (THUMB, DETAIL)


class FileRefused(FrameError):
    """A file, or a request about one, that cannot be trusted or used: nothing of it was stored."""


# -- Signed envelopes (HTTP) -----------------------------------------------------------------------------


def encode_envelope(header: dict, body: bytes = b"", *, sender: uuid.UUID | None = None, key=None) -> bytes:
    """Sign a request or answer as this node (or, in tests, as a simulated hub)."""
    sender = sender or this_node().pk
    packed = msgpack.packb({**header, "s": sender.bytes, "t": int(time.time())}, use_bin_type=True)
    signed = (
        ENVELOPE_MAGIC + bytes([VERSION]) + struct.pack(">I", len(packed)) + packed
        + struct.pack(">I", len(body)) + body
    )  # fmt: skip
    return signed + (key or private_key()).sign(signed)


def _read_header(packed: bytes, unreadable: str = "") -> dict:
    try:
        header = msgpack.unpackb(packed, raw=False, strict_map_key=False)
    except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError):
        header = None
    if not isinstance(header, dict) or not isinstance(header.get("s"), bytes) or len(header["s"]) != 16:
        raise FileRefused(unreadable or _("The file request cannot be read (altered)."))
    return header


def open_envelope(data: bytes, *, peer: Peer | None = None) -> tuple[Peer, dict, bytes]:
    """Verify a signed request or answer; raise PeerRefused (unknown or revoked sender) or FileRefused."""
    if len(data) > MAX_ENVELOPE_BYTES or len(data) < 4 or data[:3] != ENVELOPE_MAGIC or data[3] != VERSION:
        raise FileRefused(_("This is not a Sambung file request this version can read."))
    try:
        (header_length,) = struct.unpack_from(">I", data, 4)
        (body_length,) = struct.unpack_from(">I", data, 8 + header_length)
    except struct.error:
        raise FileRefused(_("The file request is cut short (truncated).")) from None
    body_start = 12 + header_length
    signed_end = body_start + body_length
    if len(data) != signed_end + SIGNATURE_BYTES:
        raise FileRefused(_("The file request is cut short or has extra bytes (truncated or altered)."))
    header = _read_header(data[8 : 8 + header_length])
    sender = uuid.UUID(bytes=header["s"])
    if peer is None:
        peer, key = peer_key(sender)
    elif sender != peer.pk:
        raise FileRefused(_("The answer was not signed by this hub's centre."))
    else:
        key = Ed25519PublicKey.from_public_bytes(bytes(peer.public_key))
    try:
        key.verify(data[signed_end:], data[:signed_end])
    except InvalidSignature:
        raise FileRefused(
            _("The request's signature does not match its sender's key: altered, or not sent by that node.")
        ) from None
    return peer, header, data[body_start:signed_end]


# -- Which files a node waits for, and which it may send -----------------------------------------------------


def _writers(photos: list[Photo]) -> dict[str, uuid.UUID]:
    """photo id → the node that wrote the row first (its owner)."""
    return dict(
        RowVersion.objects.filter(label=LABEL, row_id__in=[str(p.pk) for p in photos]).values_list(
            "row_id", "origin"
        )
    )


def wanted_from(peer: Peer) -> list[tuple[Photo, str]]:
    """The files this node waits for that the peer can send: the centre, a hub's originals; a hub, renditions."""
    pending = list(Photo.objects.filter(has_files=False).exclude(sha256="").order_by("created_at", "pk"))
    if peer.node.kind == Node.Kind.HUB:
        writers = _writers(pending)
        return [(photo, ORIGINAL) for photo in pending if writers.get(str(photo.pk)) == peer.node_id]
    return [(photo, role) for photo in pending for role in RENDITIONS if not getattr(photo, role).name]


def _cooperative_photos(node: Node):
    return Photo.objects.filter(
        Q(product__cooperative=node.cooperative_id) | Q(piece__sku__product__cooperative=node.cooperative_id)
    )


def sendable(peer: Peer, photo_id: uuid.UUID, role: str) -> Photo | None:
    """The photo whose file `role` this node may send the peer, if it holds it (None: missing or forbidden)."""
    if peer.node.kind == Node.Kind.HUB:
        # The centre sends a hub only renditions, of its own cooperative's photos.
        if role not in RENDITIONS:
            return None
        photo = _cooperative_photos(peer.node).filter(pk=photo_id, has_files=True).first()
    else:
        # A hub sends the centre only originals of the photos it took.
        if role != ORIGINAL:
            return None
        photo = Photo.objects.filter(pk=photo_id, has_files=True).exclude(sha256="").first()
        if photo is not None and _writers([photo]).get(str(photo.pk)) != this_node().pk:
            return None
    if photo is None or not getattr(photo, role).name:
        return None
    return photo


def read_file(photo: Photo, role: str) -> bytes | None:
    try:
        with getattr(photo, role).open("rb") as file:
            return file.read()
    except (OSError, ValueError):
        return None


def accept(peer: Peer, photo_id: uuid.UUID, role: str, sha256: str, data: bytes) -> bool:
    """Store a file the peer sent for a photo that waits for it; False when nothing waits (already here)."""
    from sambung.catalog.photos import attach_original, attach_rendition

    if hashlib.sha256(data).hexdigest() != sha256:
        raise FileRefused(_("A file does not match its SHA-256 (altered or damaged): refused, not stored."))
    waiting = {(photo.pk, wanted_role): photo for photo, wanted_role in wanted_from(peer)}
    photo = waiting.get((photo_id, role))
    if photo is None:
        return False
    with transaction.atomic():
        if role == ORIGINAL:
            attach_original(photo=photo, data=data)
        else:
            attach_rendition(photo=photo, role=role, data=data)
    return True


# -- HTTP: the centre's side ---------------------------------------------------------------------------------


def incoming_dir() -> Path:
    path = Path(settings.DATA_DIR) / "incoming"
    path.mkdir(parents=True, exist_ok=True)
    return path


def _part_path(peer: Peer, sha256: str) -> Path:
    return incoming_dir() / f"{peer.pk}-{sha256}.part"


def _held(path: Path) -> int:
    return path.stat().st_size if path.exists() else 0


def answer_wants(peer: Peer) -> bytes:
    """The originals the centre waits for from this hub, with how many bytes of each it already holds."""
    wanted = [
        [photo.pk.bytes, ORIGINAL, photo.sha256, _held(_part_path(peer, photo.sha256))]
        for photo, _role in wanted_from(peer)
    ]
    return encode_envelope({"op": "answer", "w": wanted})


def _uuid(raw: object) -> uuid.UUID:
    if not isinstance(raw, bytes) or len(raw) != 16:
        raise FileRefused(_("The file request is malformed."))
    return uuid.UUID(bytes=raw)


def _number(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise FileRefused(_("The file request is malformed."))
    return raw


def receive_chunk(peer: Peer, header: dict, body: bytes) -> bytes:
    """Append a chunk of an original at the offset the centre holds; store the file once whole and checked."""
    photo_id, sha256 = _uuid(header.get("p")), header.get("h")
    offset, total = _number(header.get("o")), _number(header.get("n"))
    wanted = {photo.pk: photo for photo, _role in wanted_from(peer)}
    photo = wanted.get(photo_id)
    if photo is None or photo.sha256 != sha256:
        # Already stored (a resumed upload), or never asked for: either way there is nothing to write.
        return encode_envelope({"op": "answer", "held": total, "done": True})
    if total > settings.PHOTO_MAX_BYTES or len(body) > CHUNK:
        raise FileRefused(_("The photo is larger than 12 MB. Send a smaller photo."))
    path = _part_path(peer, sha256)
    held = _held(path)
    if offset != held or not body:
        return encode_envelope({"op": "answer", "held": held})  # the hub resumes from what is here
    if held + len(body) > total:
        path.unlink(missing_ok=True)
        raise FileRefused(_("The file is longer than announced: refused, not stored."))
    with path.open("ab") as part:
        part.write(body)
    if held + len(body) < total:
        return encode_envelope({"op": "answer", "held": held + len(body)})
    data = path.read_bytes()
    path.unlink()
    try:
        accept(peer, photo_id, ORIGINAL, sha256, data)
    except ValueError as error:  # FileRefused, or the catalogue's InvalidPhoto: the hub is told why
        raise FileRefused(str(error)) from None
    return encode_envelope({"op": "answer", "held": total, "done": True})


def serve_chunk(peer: Peer, header: dict) -> bytes:
    """Answer a chunk of a rendition the hub may see, with the file's SHA-256 (missing and forbidden alike)."""
    photo_id, role, offset = _uuid(header.get("p")), header.get("r"), _number(header.get("o"))
    photo = sendable(peer, photo_id, role) if isinstance(role, str) else None
    data = read_file(photo, role) if photo is not None else None
    if data is None:
        return encode_envelope({"op": "answer", "missing": True})
    return encode_envelope(
        {"op": "answer", "h": hashlib.sha256(data).hexdigest(), "n": len(data), "o": offset},
        data[offset : offset + CHUNK],
    )


# -- HTTP: the hub's side ------------------------------------------------------------------------------------


@dataclass
class Transfer:
    files: int = 0
    bytes: int = 0
    refused: list[str] = field(default_factory=list)


Post = Callable[[str, bytes], bytes]


def send_originals(peer: Peer, url: str, post: Post, report: Callable[[str, Photo, int], None]) -> Transfer:
    """Upload the originals the centre waits for, each from the byte it already holds."""
    done = Transfer()
    _sender, answer, _body = open_envelope(
        post(url + "/sync/v1/files/wants", encode_envelope({"op": "wants"})), peer=peer
    )
    for raw_id, role, sha256, held in answer.get("w") or []:
        photo = sendable(peer, _uuid(raw_id), role)
        data = read_file(photo, role) if photo is not None else None
        if data is None or hashlib.sha256(data).hexdigest() != sha256:
            done.refused.append(
                _("Photo %(id)s: its file is missing or damaged here.") % {"id": _uuid(raw_id)}
            )
            continue
        offset = min(_number(held), len(data))
        sent = 0
        for _attempt in range(2 * (len(data) // CHUNK) + 4):  # a centre that never advances cannot loop us
            chunk = data[offset : offset + CHUNK]
            request = encode_envelope(
                {"op": "put", "p": photo.pk.bytes, "h": sha256, "o": offset, "n": len(data)}, chunk
            )
            _sender, answer, _body = open_envelope(post(url + "/sync/v1/files/put", request), peer=peer)
            sent += len(chunk)
            held = _number(answer.get("held"))
            if answer.get("done") or held >= len(data):
                break
            if held == offset and not chunk:
                break
            offset = held
        done.files += 1
        done.bytes += sent
        report("upload", photo, sent)
    return done


def fetch_renditions(peer: Peer, url: str, post: Post, report: Callable[[str, Photo, int], None]) -> Transfer:
    """Download the thumb and detail of every photo waiting here; a partial download resumes."""
    done = Transfer()
    for photo, role in wanted_from(peer):
        path = incoming_dir() / f"{photo.pk}-{role}.part"
        expected = None
        received = 0
        for _attempt in range(64):
            offset = _held(path)
            request = encode_envelope({"op": "get", "p": photo.pk.bytes, "r": role, "o": offset})
            _sender, answer, body = open_envelope(post(url + "/sync/v1/files/get", request), peer=peer)
            if answer.get("missing"):
                break  # the centre lacks it too (its original has not reached it yet): asked again next sync
            sha256, total = answer.get("h"), _number(answer.get("n"))
            if expected not in (None, sha256) or offset > total:
                path.unlink(missing_ok=True)  # the file changed at the centre since the first chunk
                expected = None
                continue
            expected = sha256
            with path.open("ab") as part:
                part.write(body)
            received += len(body)
            if offset + len(body) >= total or not body:
                break
        if expected is None or not path.exists():
            continue
        data = path.read_bytes()
        path.unlink()
        try:
            accept(peer, photo.pk, role, expected, data)
        except ValueError as error:
            done.refused.append(f"{photo.pk} {role}: {error}")
            continue
        done.files += 1
        done.bytes += received
        report("download", photo, received)
    return done


# -- Bundles -------------------------------------------------------------------------------------------------


def photos_in_ranges(ranges: Iterable[tuple[uuid.UUID, int, int]]) -> list[uuid.UUID]:
    """The photos whose photo.saved events lie in these ranges (the bundle's frames carry their rows)."""
    ids = []
    for origin, first, last in ranges:
        for payload in Event.objects.filter(
            origin=origin, seq__gte=first, seq__lte=last, kind=SAVED
        ).values_list("payload", flat=True):
            try:
                ids.append(uuid.UUID(str(payload.get("id"))))
            except (AttributeError, ValueError):
                continue
    return ids


def build_file_part(peer: Peer, photo_ids: Iterable[uuid.UUID]) -> tuple[bytes, int]:
    """Sign the files the peer needs (new photos in the bundle, and those it said it waits for); return the
    part and how many files it holds."""
    roles = RENDITIONS if peer.node.kind == Node.Kind.HUB else (ORIGINAL,)
    wanted = [(photo_id, role) for photo_id in dict.fromkeys(photo_ids) for role in roles]
    wanted += [(w.photo_id, w.role) for w in WantedFile.objects.filter(peer=peer).order_by("pk")]
    carried = []
    for photo_id, role in dict.fromkeys(wanted):
        photo = sendable(peer, photo_id, role)
        data = read_file(photo, role) if photo is not None else None
        if data is not None:
            carried.append((photo_id, role, data))
    waits = [(photo.pk, role) for photo, role in wanted_from(peer)]
    return encode_file_part(waits, carried), len(carried)


def encode_file_part(
    waits: list[tuple[uuid.UUID, str]],
    carried: list[tuple[uuid.UUID, str, bytes]],
    *,
    sender: uuid.UUID | None = None,
    key=None,
) -> bytes:
    """Sign a file part as this node (or, in tests, as a simulated hub)."""
    header = msgpack.packb(
        {
            "s": (sender or this_node().pk).bytes,
            "w": [[photo_id.bytes, role] for photo_id, role in waits],
            "f": [
                [photo_id.bytes, role, hashlib.sha256(data).digest(), len(data)]
                for photo_id, role, data in carried
            ],
        },
        use_bin_type=True,
    )
    signed = (
        PART_MAGIC + bytes([VERSION]) + struct.pack(">I", len(header)) + header
        + b"".join(data for _photo_id, _role, data in carried)
    )  # fmt: skip
    return signed + (key or private_key()).sign(signed)


@dataclass
class FilePart:
    wants: list[tuple[uuid.UUID, str]]
    files: list[tuple[uuid.UUID, str, str, bytes]]  # photo id, role, sha256 hex, data
    size: int


def read_file_part(data: bytes, peer: Peer) -> FilePart:
    """Verify a bundle's file part before anything is applied; raise FileRefused with what is wrong."""
    if len(data) < 9 or data[:4] != PART_MAGIC:
        raise FileRefused(_("The bundle's file part cannot be read (altered)."))
    if data[4] != VERSION:
        raise FileRefused(_("The bundle's file part was made by a newer Sambung. Update Sambung first."))
    (header_length,) = struct.unpack_from(">I", data, 5)
    header_end = 9 + header_length
    if header_end + SIGNATURE_BYTES > len(data):
        raise FileRefused(
            _("The bundle's file part is cut short (truncated): copy it again from the sender.")
        )
    header = _read_header(data[9:header_end], _("The bundle's file part cannot be read (altered)."))
    try:
        wants = [(_uuid(photo_id), str(role)) for photo_id, role in header.get("w") or []]
        listed = [(_uuid(p), str(r), bytes(h), _number(n)) for p, r, h, n in header.get("f") or []]
    except (TypeError, ValueError) as error:
        if isinstance(error, FileRefused):
            raise
        raise FileRefused(_("The bundle's file part cannot be read (altered).")) from None
    signed_end = header_end + sum(length for *_rest, length in listed)
    if len(data) != signed_end + SIGNATURE_BYTES:
        raise FileRefused(
            _("The bundle's file part is cut short (truncated): copy it again from the sender.")
        )
    if uuid.UUID(bytes=header["s"]) != peer.pk:
        raise FileRefused(_("The bundle's files were not written by the bundle's sender."))
    _peer, key = peer_key(peer.pk)
    try:
        key.verify(data[signed_end:], data[:signed_end])
    except InvalidSignature:
        raise FileRefused(
            _("The bundle's file part does not match its sender's signature: it was altered.")
        ) from None
    files, offset = [], header_end
    for photo_id, role, digest, length in listed:
        blob = data[offset : offset + length]
        offset += length
        if hashlib.sha256(blob).digest() != digest:
            raise FileRefused(
                _("A file does not match its SHA-256 (altered or damaged): refused, not stored.")
            )
        files.append((photo_id, role, digest.hex(), blob))
    return FilePart(wants, files, len(data))


def store_file_part(peer: Peer, part: FilePart) -> tuple[int, list[str]]:
    """Remember what the peer waits for and store the files rows here wait for; return (stored, problems)."""
    WantedFile.objects.filter(peer=peer).delete()
    WantedFile.objects.bulk_create(
        [WantedFile(peer=peer, photo_id=photo_id, role=role) for photo_id, role in dict.fromkeys(part.wants)]
    )
    stored, problems = 0, []
    for photo_id, role, sha256, data in part.files:
        try:
            stored += accept(peer, photo_id, role, sha256, data)
        except ValueError as error:  # a photo the catalogue cannot use: the row stays waiting, and is listed
            problems.append(f"{photo_id} {role}: {error}")
    return stored, problems
