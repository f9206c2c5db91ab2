import uuid

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from sambung.sync.frames import (
    BUNDLE_MAGIC,
    FrameError,
    WireEvent,
    decode_bundle,
    decode_frame,
    encode_bundle,
    encode_frame,
)

KEY = Ed25519PrivateKey.generate()
SENDER = uuid.uuid4()


def _events(n: int) -> list[WireEvent]:
    return [
        WireEvent(uuid.uuid4(), SENDER, i, "stock.move", {"id": str(uuid.uuid4()), "quantity": 1, "reason": "sale"}, 1_700_000_000_000 + i)
        for i in range(1, n + 1)
    ]  # fmt: skip


def test_a_frame_round_trips_its_events_ranges_and_vector():
    events = _events(3)
    data = encode_frame(sender=SENDER, key=KEY, events=events, ranges=[(SENDER, 1, 3)], vector={SENDER: 3})
    frame = decode_frame(data, KEY.public_key())
    assert frame.sender == SENDER
    assert frame.events == events
    assert frame.ranges == [(SENDER, 1, 3)]
    assert frame.vector == {SENDER: 3}
    assert frame.size == len(data)


def test_a_frame_holds_at_most_500_events():
    with pytest.raises(ValueError, match="500"):
        encode_frame(sender=SENDER, key=KEY, events=_events(501), ranges=[(SENDER, 1, 501)])


def test_compression_makes_repetitive_events_small():
    data = encode_frame(sender=SENDER, key=KEY, events=_events(500), ranges=[(SENDER, 1, 500)])
    assert len(data) < 500 * 60


@pytest.mark.parametrize("position", [10, 40, -70, -1])
def test_a_changed_byte_anywhere_is_refused(position):
    data = bytearray(encode_frame(sender=SENDER, key=KEY, events=_events(5), ranges=[(SENDER, 1, 5)]))
    data[position] ^= 0x01
    with pytest.raises(FrameError):
        decode_frame(bytes(data), KEY.public_key())


def test_a_frame_signed_by_another_key_is_refused():
    data = encode_frame(
        sender=SENDER, key=Ed25519PrivateKey.generate(), events=_events(1), ranges=[(SENDER, 1, 1)]
    )
    with pytest.raises(FrameError, match="signature"):
        decode_frame(data, KEY.public_key())


def test_a_truncated_frame_is_refused():
    data = encode_frame(sender=SENDER, key=KEY, events=_events(5), ranges=[(SENDER, 1, 5)])
    for cut in (2, 6, len(data) // 2, len(data) - 1):
        with pytest.raises(FrameError):
            decode_frame(data[:cut], KEY.public_key())


def test_a_frame_of_a_newer_format_says_so():
    data = bytearray(encode_frame(sender=SENDER, key=KEY))
    data[3] = 2
    with pytest.raises(FrameError, match="newer"):
        decode_frame(bytes(data), KEY.public_key())


def test_a_bundle_round_trips_its_frames():
    frames = [encode_frame(sender=SENDER, key=KEY, events=_events(2), ranges=[(SENDER, 1, 2)]), b"x"]
    recipient = uuid.uuid4()
    bundle = decode_bundle(encode_bundle(sender=SENDER, recipient=recipient, frames=frames))
    assert (bundle.sender, bundle.recipient, bundle.frames) == (SENDER, recipient, frames)


def test_bad_bundles_are_refused_with_a_reason():
    good = encode_bundle(sender=SENDER, recipient=None, frames=[encode_frame(sender=SENDER, key=KEY)])
    with pytest.raises(FrameError, match="not a Sambung bundle"):
        decode_bundle(b"PK\x03\x04" + good)
    with pytest.raises(FrameError, match="truncated"):
        decode_bundle(good[:-10])
    with pytest.raises(FrameError, match="extra bytes"):
        decode_bundle(good + b"\x00")
    newer = bytearray(good)
    newer[len(BUNDLE_MAGIC) + 1] = 9  # the format's low byte
    with pytest.raises(FrameError, match="newer"):
        decode_bundle(bytes(newer))
