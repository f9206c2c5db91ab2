"""The wire format: frames of at most 500 events, msgpack then zstd, Ed25519-signed; bundles of frames.

frame  = b"SBF" + format (1 byte) + header length (4) + header (msgpack) + body length (4)
         + body (zstd of msgpack of the events) + signature (64, Ed25519 over everything before it)
header = {"s": sender node id, "t": unix time, "r": [[origin, first, last], …] the seq ranges it covers,
          "a": the sender's version vector (what it holds: an acknowledgement), "n": event count}
event  = [id, origin, seq, kind, payload, occurred_at (unix ms), cooperative id or None]   (ids as 16 bytes)

bundle = MAGIC + format (2 bytes) + sender (16) + recipient (16, zeros = any) + frame count (4)
         + (frame length (4) + frame) …
         + (format 2) files length (8) + files (photo files after the frames, signed: see sync.files)

The same frame bytes travel over HTTP (one per request) and in bundle files.
"""

import struct
import time
import uuid
from dataclasses import dataclass, field

import msgpack
import zstandard
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from django.utils.translation import gettext as _

FORMAT = 1
BUNDLE_FORMAT = 2  # 2: photo files follow the frames
FRAME_MAGIC = b"SBF"
BUNDLE_MAGIC = b"\x89SAMBUNG\r\n\x1a\n"
MAX_EVENTS = 500
MAX_FRAME_BYTES = 32 * 1024 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024  # decompressed: a zip bomb stops here
SIGNATURE_BYTES = 64
ZSTD_LEVEL = 9


class FrameError(ValueError):
    """A frame or bundle that cannot be read or trusted; nothing from it was applied."""


Vector = dict[uuid.UUID, int]


@dataclass
class WireEvent:
    id: uuid.UUID
    origin: uuid.UUID
    seq: int
    kind: str
    payload: dict
    occurred_ms: int
    cooperative: uuid.UUID | None = None


@dataclass
class Frame:
    sender: uuid.UUID
    created: int
    ranges: list[tuple[uuid.UUID, int, int]] = field(default_factory=list)
    vector: Vector = field(default_factory=dict)
    events: list[WireEvent] = field(default_factory=list)
    size: int = 0  # bytes on the wire


def _vector_out(vector: Vector) -> dict:
    return {origin.bytes: seq for origin, seq in vector.items()}


def _uuid(raw: object) -> uuid.UUID:
    if not isinstance(raw, bytes) or len(raw) != 16:
        raise FrameError(_("The frame holds a malformed node or event id."))
    return uuid.UUID(bytes=raw)


def _int(raw: object) -> int:
    if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0:
        raise FrameError(_("The frame holds a malformed number."))
    return raw


def encode_frame(
    *,
    sender: uuid.UUID,
    key: Ed25519PrivateKey,
    events: list[WireEvent] = (),
    ranges: list[tuple[uuid.UUID, int, int]] = (),
    vector: Vector | None = None,
) -> bytes:
    if len(events) > MAX_EVENTS:
        raise ValueError(f"a frame carries at most {MAX_EVENTS} events")
    body = zstandard.ZstdCompressor(level=ZSTD_LEVEL).compress(
        msgpack.packb(
            [
                [
                    e.id.bytes,
                    e.origin.bytes,
                    e.seq,
                    e.kind,
                    e.payload,
                    e.occurred_ms,
                    e.cooperative.bytes if e.cooperative else None,
                ]
                for e in events
            ],  # fmt: skip
            use_bin_type=True,
        )
    )
    header = msgpack.packb(
        {
            "s": sender.bytes,
            "t": int(time.time()),
            "r": [[origin.bytes, first, last] for origin, first, last in ranges],
            "a": _vector_out(vector or {}),
            "n": len(events),
        },
        use_bin_type=True,
    )
    signed = (
        FRAME_MAGIC + bytes([FORMAT]) + struct.pack(">I", len(header)) + header
        + struct.pack(">I", len(body)) + body
    )  # fmt: skip
    return signed + key.sign(signed)


def frame_sender(data: bytes) -> uuid.UUID:
    """Read the claimed sender (unverified) so the receiver can find the key to check the signature with."""
    header, _body, _signed = _split(data)
    return _uuid(header.get("s"))


def _split(data: bytes) -> tuple[dict, bytes, bytes]:
    if len(data) < 4 or data[:3] != FRAME_MAGIC:
        raise FrameError(_("This is not a Sambung sync frame."))
    if data[3] > FORMAT:
        raise FrameError(
            _(
                "This frame was made by a newer Sambung (format %(found)s; this one reads up to %(max)s). Update Sambung first."
            )
            % {"found": data[3], "max": FORMAT}
        )
    if data[3] < 1:
        raise FrameError(_("This frame has an unknown format."))
    try:
        (header_length,) = struct.unpack_from(">I", data, 4)
        header_end = 8 + header_length
        (body_length,) = struct.unpack_from(">I", data, header_end)
    except struct.error:
        raise FrameError(_("The frame is cut short (truncated).")) from None
    body_end = header_end + 4 + body_length
    if len(data) != body_end + SIGNATURE_BYTES:
        raise FrameError(_("The frame is cut short or has extra bytes (truncated or altered)."))
    try:
        header = msgpack.unpackb(data[8:header_end], raw=False, strict_map_key=False)
    except (ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError):
        raise FrameError(_("The frame header cannot be read (altered).")) from None
    if not isinstance(header, dict):
        raise FrameError(_("The frame header cannot be read (altered)."))
    return header, data[header_end + 4 : body_end], data[:body_end]


def decode_frame(data: bytes, public_key: Ed25519PublicKey) -> Frame:
    """Check the signature, then read the frame; raise FrameError with a message a person can act on."""
    if len(data) > MAX_FRAME_BYTES:
        raise FrameError(_("The frame is too large."))
    header, body, signed = _split(data)
    try:
        public_key.verify(data[len(signed) :], signed)
    except InvalidSignature:
        raise FrameError(
            _(
                "The frame's signature does not match its sender's key: it was altered or not sent by that node."
            )
        ) from None
    try:
        raw_events = msgpack.unpackb(
            zstandard.ZstdDecompressor().decompress(body, max_output_size=MAX_BODY_BYTES),
            raw=False,
            strict_map_key=False,
        )
    except (zstandard.ZstdError, ValueError, msgpack.ExtraData, msgpack.FormatError, msgpack.StackError):
        raise FrameError(_("The frame's events cannot be read.")) from None
    if not isinstance(raw_events, list) or len(raw_events) > MAX_EVENTS or header.get("n") != len(raw_events):
        raise FrameError(_("The frame's event count does not match its header."))
    frame = Frame(sender=_uuid(header.get("s")), created=_int(header.get("t")), size=len(data))
    try:
        frame.ranges = [(_uuid(o), _int(a), _int(b)) for o, a, b in header.get("r") or []]
        frame.vector = {_uuid(o): _int(s) for o, s in (header.get("a") or {}).items()}
        for raw in raw_events:
            event_id, origin, seq, kind, payload, occurred, cooperative = raw
            if not isinstance(kind, str) or not isinstance(payload, dict):
                raise FrameError(_("An event in the frame is malformed."))
            frame.events.append(
                WireEvent(
                    _uuid(event_id),
                    _uuid(origin),
                    _int(seq),
                    kind,
                    payload,
                    _int(occurred),
                    _uuid(cooperative) if cooperative is not None else None,
                )  # fmt: skip
            )
    except (TypeError, ValueError, AttributeError) as error:
        if isinstance(error, FrameError):
            raise
        raise FrameError(_("An event in the frame is malformed.")) from None
    for _origin, first, last in frame.ranges:
        if first < 1 or last < first:
            raise FrameError(_("The frame claims an impossible range of events."))
    return frame


def encode_bundle(
    *, sender: uuid.UUID, recipient: uuid.UUID | None, frames: list[bytes], files: bytes = b""
) -> bytes:
    parts = [
        BUNDLE_MAGIC,
        struct.pack(">H", BUNDLE_FORMAT),
        sender.bytes,
        (recipient or uuid.UUID(int=0)).bytes,
        struct.pack(">I", len(frames)),
    ]
    for frame in frames:
        parts += [struct.pack(">I", len(frame)), frame]
    parts += [struct.pack(">Q", len(files)), files]
    return b"".join(parts)


@dataclass
class Bundle:
    sender: uuid.UUID
    recipient: uuid.UUID | None
    frames: list[bytes]
    files: bytes = b""  # still to be verified (sync.files.read_file_part)


def decode_bundle(data: bytes) -> Bundle:
    """Split a bundle into its frames (each still to be verified); raise FrameError for a bad file."""
    if not data.startswith(BUNDLE_MAGIC):
        raise FrameError(_("This file is not a Sambung bundle (.sambung)."))
    offset = len(BUNDLE_MAGIC)
    try:
        (version,) = struct.unpack_from(">H", data, offset)
        if version > BUNDLE_FORMAT:
            raise FrameError(
                _(
                    "This bundle was made by a newer Sambung (format %(found)s; this one reads up to %(max)s). Update Sambung first."
                )
                % {"found": version, "max": BUNDLE_FORMAT}
            )
        sender = uuid.UUID(bytes=data[offset + 2 : offset + 18])
        recipient = uuid.UUID(bytes=data[offset + 18 : offset + 34])
        (count,) = struct.unpack_from(">I", data, offset + 34)
        offset += 38
        frames = []
        for _index in range(count):
            (length,) = struct.unpack_from(">I", data, offset)
            frame = data[offset + 4 : offset + 4 + length]
            if len(frame) != length:
                raise struct.error
            frames.append(frame)
            offset += 4 + length
        files = b""
        if version >= 2:
            (length,) = struct.unpack_from(">Q", data, offset)
            files = data[offset + 8 : offset + 8 + length]
            if len(files) != length:
                raise struct.error
            offset += 8 + length
    except (struct.error, ValueError) as error:
        if isinstance(error, FrameError):
            raise
        raise FrameError(_("The bundle is cut short (truncated): copy it again from the sender.")) from None
    if offset != len(data):
        raise FrameError(_("The bundle has extra bytes at its end (altered)."))
    return Bundle(sender, recipient if recipient.int else None, frames, files)
