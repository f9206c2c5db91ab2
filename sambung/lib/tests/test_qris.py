import binascii
import gzip
import re
from contextlib import contextmanager
from decimal import Decimal
from xml.etree import ElementTree

import pytest
import segno
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st
from lokal.qris import parse_qris, qris_crc

from sambung.lib.qris import QRIS_MAX_AMOUNT, InvalidQris, make_dynamic_qris, qris_svg, validate_static_qris

# Public test vectors.
STATIC = (
    "00020101021126620014COM.GO-JEK.WWW011993600914123456789010210G1234567890303UMI51440014ID.CO.QRIS.WWW"
    "0215ID10200123456780303UMI5204581253033605802ID5911TOKO CONTOH6007JAKARTA61051011062120708KASIR-0163043ACC"
)
DYNAMIC_150000 = (
    "00020101021226620014COM.GO-JEK.WWW011993600914123456789010210G1234567890303UMI51440014ID.CO.QRIS.WWW"
    "0215ID10200123456780303UMI52045812530336054061500005802ID5911TOKO CONTOH6007JAKARTA61051011062120708KASIR-01"
    "6304F5C9"
)

GOJEK_ACCOUNT = "0014COM.GO-JEK.WWW011993600914123456789010210G1234567890303UMI"
QRIS_ACCOUNT = "0014ID.CO.QRIS.WWW0215ID10200123456780303UMI"


def tlv(tag: str, value: str) -> str:
    return f"{tag}{len(value):02d}{value}"


def with_crc(body: str) -> str:
    """Append tag 63 with the CRC-16/CCITT-FALSE of everything up to and including "6304"."""
    data = body + "6304"
    return data + f"{binascii.crc_hqx(data.encode(), 0xFFFF):04X}"


def build_code(
    *, initiation="11", amount=None, fees=(), name="TOKO CONTOH", city="JAKARTA", additional="0708KASIR-01"
) -> str:
    """Build a QRIS code like STATIC, field by field, independently of the module under test."""
    fields = [
        tlv("00", "01"),
        tlv("01", initiation),
        tlv("26", GOJEK_ACCOUNT),
        tlv("51", QRIS_ACCOUNT),
        tlv("52", "5812"),
        tlv("53", "360"),
        tlv("54", amount) if amount is not None else "",
        *(tlv(tag, value) for tag, value in fees),
        tlv("58", "ID"),
        tlv("59", name),
        tlv("60", city),
        tlv("61", "10110"),
        tlv("62", additional) if additional is not None else "",
    ]
    return with_crc("".join(fields))


@contextmanager
def refused(match: str):
    """Expect InvalidQris whose English message matches."""
    with translation.override("en"), pytest.raises(InvalidQris, match=match) as caught:
        yield caught


def test_the_public_vectors_hold():
    assert build_code() == STATIC
    assert build_code(initiation="12", amount="150000") == DYNAMIC_150000
    assert f"{binascii.crc_hqx(b'123456789', 0xFFFF):04X}" == qris_crc("123456789") == "29B1"


def test_a_static_code_becomes_the_public_dynamic_vector():
    assert make_dynamic_qris(STATIC, amount=150_000) == DYNAMIC_150000


def test_a_valid_static_code_is_accepted_and_described():
    info = validate_static_qris(STATIC)
    assert (info.valid, info.type, info.merchant_name, info.merchant_city, info.nmid, info.crc) == (
        True,
        "static",
        "TOKO CONTOH",
        "JAKARTA",
        "ID1020012345678",
        "3ACC",
    )


def test_whitespace_around_a_pasted_code_is_ignored():
    assert validate_static_qris(f"  {STATIC}\n").valid
    assert make_dynamic_qris(f"{STATIC}\r\n", amount=150_000) == DYNAMIC_150000


def test_values_that_look_like_tags_survive_untouched():
    name, city = "TOKO 010211 5802ID 6304", "5802ID"
    static = build_code(name=name, city=city, additional="0106010211")
    validate_static_qris(static)

    dynamic = make_dynamic_qris(static, amount=25_000)

    assert dynamic == build_code(
        initiation="12", amount="25000", name=name, city=city, additional="0106010211"
    )
    info = parse_qris(dynamic)
    assert (info.valid, info.type, info.merchant_name, info.merchant_city, info.additional.bill_number) == (
        True,
        "dynamic",
        name,
        city,
        "010211",
    )


def test_a_crc_with_leading_zeros_is_read_and_written_as_four_digits():
    static = build_code(additional="0708KASIR-CX")
    assert static.endswith("63040010")
    assert validate_static_qris(static).crc == "0010"

    dynamic = make_dynamic_qris(STATIC, amount=150_598)

    assert dynamic.endswith("6304002F")
    assert dynamic == build_code(initiation="12", amount="150598")
    assert parse_qris(dynamic).valid


@pytest.mark.parametrize(
    "fees",
    [[("55", "01")], [("55", "02"), ("56", "2500")], [("55", "03"), ("57", "0.7")]],
    ids=["tip-prompt", "fixed-fee", "percent-fee"],
)
def test_a_tip_or_convenience_fee_is_dropped(fees):
    static = build_code(fees=fees)
    assert parse_qris(static).tip is not None

    dynamic = make_dynamic_qris(static, amount=150_000)

    assert dynamic == DYNAMIC_150000
    assert parse_qris(dynamic).tip is None


def test_a_code_that_already_has_an_amount_is_refused():
    with_amount = build_code(amount="150000")
    with refused("already carries an amount"):
        validate_static_qris(with_amount)
    with refused("already carries an amount"):
        make_dynamic_qris(with_amount, amount=150_000)


def test_a_dynamic_code_is_refused_where_a_static_one_is_needed():
    with refused("not a static one"):
        validate_static_qris(DYNAMIC_150000)
    with refused("not a static one"):
        make_dynamic_qris(build_code(initiation="12"), amount=150_000)


def test_a_reference_joins_the_other_additional_data_in_sub_tag_order():
    dynamic = make_dynamic_qris(STATIC, amount=150_000, reference="INV-2025-0042")

    assert dynamic == build_code(initiation="12", amount="150000", additional="0513INV-2025-00420708KASIR-01")
    info = parse_qris(dynamic)
    assert info.valid
    assert (info.additional.reference_label, info.additional.terminal_label) == ("INV-2025-0042", "KASIR-01")


def test_a_reference_replaces_an_existing_one_where_it_stands():
    static = build_code(additional="0104B-010506OLD-010708KASIR-01")

    dynamic = make_dynamic_qris(static, amount=150_000, reference="ORD-7")

    assert dynamic == build_code(initiation="12", amount="150000", additional="0104B-010505ORD-70708KASIR-01")


def test_without_a_reference_an_existing_one_is_kept():
    static = build_code(additional="0506OLD-010708KASIR-01")
    assert make_dynamic_qris(static, amount=1) == build_code(
        initiation="12", amount="1", additional="0506OLD-010708KASIR-01"
    )


def test_a_reference_creates_the_additional_data_when_the_code_has_none():
    static = build_code(additional=None)

    dynamic = make_dynamic_qris(static, amount=150_000, reference="A1")

    assert dynamic == build_code(initiation="12", amount="150000", additional="0502A1")
    assert parse_qris(dynamic).additional.reference_label == "A1"


def test_a_reference_of_25_characters_fits():
    reference = "ABCDEFGHIJ-0123456789-xyz"
    assert len(reference) == 25
    dynamic = make_dynamic_qris(STATIC, amount=5_000, reference=reference)
    assert parse_qris(dynamic).additional.reference_label == reference


@pytest.mark.parametrize(
    "reference", ["ABCDEFGHIJ-0123456789-xyz0", "INV 42", "INV_42", "INV/42", "pesanan-é", "42\n"]
)
def test_a_reference_that_is_too_long_or_has_other_characters_is_refused(reference):
    with refused("1 to 25 letters, digits or hyphens"):
        make_dynamic_qris(STATIC, amount=150_000, reference=reference)


def test_a_reference_that_would_overflow_the_additional_data_is_refused():
    static = build_code(additional=tlv("01", "B" * 50) + tlv("07", "T" * 20))
    validate_static_qris(static)
    with refused("does not fit"):
        make_dynamic_qris(static, amount=150_000, reference="R" * 25)


@pytest.mark.parametrize("amount", [1, 999, QRIS_MAX_AMOUNT])
def test_amounts_from_one_rupiah_up_to_the_cap_are_written_whole(amount):
    info = parse_qris(make_dynamic_qris(STATIC, amount=amount))
    assert (info.valid, info.amount) == (True, str(amount))


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        (0, "at least Rp 1"),
        (-150_000, "at least Rp 1"),
        (QRIS_MAX_AMOUNT + 1, r"Rp 10\.000\.001 is above Rp 10\.000\.000, Bank Indonesia's cap"),
        (150_000.0, "whole number of rupiah"),
        (1.5, "whole number of rupiah"),
        (Decimal("150000"), "whole number of rupiah"),
        ("150000", "whole number of rupiah"),
        (True, "whole number of rupiah"),
        (None, "whole number of rupiah"),
    ],
)
def test_an_amount_outside_one_to_ten_million_whole_rupiah_is_refused(amount, message):
    with refused(message):
        make_dynamic_qris(STATIC, amount=amount)


@pytest.mark.parametrize(
    "payload",
    [STATIC[:-1] + "D", STATIC[:-4] + "3acd", STATIC.replace("TOKO CONTOH", "TOKO CANTOH")],
    ids=["crc-changed", "crc-lowercase-wrong", "name-changed"],
)
def test_a_code_with_wrong_check_digits_is_refused(payload):
    with refused(r"check digits \(CRC\) do not match"):
        validate_static_qris(payload)
    with refused(r"check digits \(CRC\) do not match"):
        make_dynamic_qris(payload, amount=150_000)


@pytest.mark.parametrize("cut", [2, 4, 8, 30, 150])
def test_a_truncated_code_is_refused(cut):
    with refused("cut off"):
        validate_static_qris(STATIC[:-cut])


@pytest.mark.parametrize(
    "payload",
    ["https://example.com/bayar?id=42", "Transfer ke BRI 1234567890", "", "   ", "123456789", STATIC[6:]],
)
def test_a_url_or_other_text_is_not_a_qris_code(payload):
    with refused("not a QRIS code"):
        validate_static_qris(payload)


def test_a_payment_code_without_the_national_qris_account_is_refused():
    emv_only = with_crc(STATIC[: STATIC.index("5144")] + STATIC[STATIC.index("5204") : -8])
    assert parse_qris(emv_only).valid  # lokal only warns: a valid EMV code, but not QRIS
    with refused(r"not QRIS: it has no national QRIS merchant account \(ID\.CO\.QRIS\.WWW\)"):
        validate_static_qris(emv_only)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (with_crc(STATIC[:-8].replace("5303360", "5303840")), r"not in rupiah \(tag 53 must be 360\)"),
        (build_code(name="KOPERASI TENUN IKAT SIKKA MAUMERE"), r"merchant name \(tag 59\)"),
        (with_crc(STATIC[:-8] + "5802ID"), "has a field twice"),
        (with_crc(STATIC[:-8] + "XX02AB"), "garbled: its fields cannot be read"),
        (build_code(amount="15.000"), r"amount \(tag 54\) is not a number"),
    ],
    ids=["dollars", "name-too-long", "country-twice", "garbled", "amount-not-a-number"],
)
def test_other_defects_are_named_in_plain_words(payload, message):
    with refused(message):
        validate_static_qris(payload)


@given(
    amount=st.integers(min_value=1, max_value=QRIS_MAX_AMOUNT),
    reference=st.just("") | st.from_regex(r"[A-Za-z0-9-]{1,25}", fullmatch=True),
    static=st.sampled_from(
        [STATIC, build_code(additional=None), build_code(fees=[("55", "02"), ("56", "1000")])]
    ),
)
def test_any_valid_amount_and_reference_give_a_valid_dynamic_code_for_the_same_merchant(
    amount, reference, static
):
    before = parse_qris(static)

    dynamic = make_dynamic_qris(static, amount=amount, reference=reference)

    after = parse_qris(dynamic)
    assert after.valid and after.type == "dynamic" and after.amount == str(amount)
    assert after.accounts == before.accounts and after.nmid == "ID1020012345678"
    assert dynamic[-8:] == "6304" + f"{binascii.crc_hqx(dynamic[:-4].encode(), 0xFFFF):04X}"
    tags = [field.tag for field in after.fields]
    assert tags == sorted(tags) and not {"55", "56", "57"} & set(tags)
    untouched = {"01", "54", "55", "56", "57", "62", "63"}
    assert [f for f in after.fields if f.tag not in untouched] == [
        f for f in before.fields if f.tag not in untouched
    ]
    if reference:
        assert after.additional.reference_label == reference
    if before.additional:
        assert after.additional.terminal_label == before.additional.terminal_label


def parse_svg(svg: str) -> ElementTree.Element:
    # The SVG is our own output from segno, not untrusted input.
    return ElementTree.fromstring(svg)  # noqa: S314


def dark_modules_drawn(svg: str, *, border: int) -> set[tuple[int, int]]:
    """Read back which modules the SVG path paints: segno draws each row as runs of `h` strokes."""
    path = next(p for p in parse_svg(svg).iter("path") if p.get("stroke"))
    x = y = 0.0
    dark = set()
    for command, a, b in re.findall(r"([Mmh])(-?[\d.]+)(?: (-?[\d.]+))?", path.get("d")):
        if command == "M":
            x, y = float(a), float(b)
        elif command == "m":
            x, y = x + float(a), y + float(b)
        else:
            dark |= {(int(x) + i - border, int(y) - border) for i in range(int(a))}
            x += int(a)
    return dark


def test_the_svg_is_inline_xml_of_about_240_pixels_on_white():
    svg = qris_svg(DYNAMIC_150000)
    compressed = len(gzip.compress(svg.encode()))
    print(f"\ninline SVG for a {len(DYNAMIC_150000)}-character QRIS: {len(svg)} bytes, {compressed} gzipped")

    root = parse_svg(svg)
    assert not svg.startswith("<?xml") and root.tag == "svg"
    assert root.get("width") == root.get("height") and 200 <= int(root.get("width")) <= 280
    assert any(p.get("fill") == "#fff" for p in root.iter("path"))
    assert len(svg) < 6_000 and compressed < 2_000  # a fraction of the 14 KB first round trip (DESIGN §7)


def test_the_svg_draws_the_smallest_qr_code_that_holds_the_payload():
    code = segno.make(DYNAMIC_150000, error="m", micro=False)
    version = code.version
    assert code.error in {"M", "Q", "H"}
    assert len(code.matrix) == 17 + 4 * version
    with pytest.raises(segno.DataOverflowError):
        segno.make(DYNAMIC_150000, error="m", version=version - 1)

    drawn = dark_modules_drawn(qris_svg(DYNAMIC_150000), border=4)

    assert drawn == {
        (col, row) for row, bits in enumerate(code.matrix) for col, bit in enumerate(bits) if bit
    }


def test_the_same_payload_gives_the_same_svg_and_another_payload_another():
    assert qris_svg(DYNAMIC_150000) == qris_svg(DYNAMIC_150000)
    assert qris_svg(DYNAMIC_150000) != qris_svg(make_dynamic_qris(STATIC, amount=150_001))
