from decimal import Decimal

import pytest
from django.utils import translation

from sambung.accounts.models import Membership, Role
from sambung.catalog.models import Category
from sambung.catalog.tests import media_files
from sambung.inventory.models import StockLevel, StockMove
from sambung.quality.inspections import InspectionError, record_inspection
from sambung.quality.models import Inspection, InspectionPhoto, Outcome, StandardVersion
from sambung.quality.standards import (
    COFFEE_BEANS,
    Criterion,
    Kind,
    add_default_standard,
    criteria_of,
    current_version,
    passing_value,
    revise_standard,
    with_criterion,
)
from sambung.tests import helpers

PHOTO = helpers.image_bytes((64, 48))


@pytest.fixture(autouse=True)
def english():
    """Read the messages in English, the msgids."""
    with translation.override("en"):
        yield


@pytest.fixture
def ikat(cooperative):
    """A sarong design declared handspun and naturally dyed, 180 × 65 cm, under the default ikat standard."""
    category = Category.objects.create(slug="sarung-ikat", name_id="Sarung tenun ikat", name_en="Ikat sarong")
    product = helpers.make_product(cooperative, category=category, length_cm=180, width_cm=65)
    standard = add_default_standard(cooperative=cooperative, category=category)
    return product, standard


@pytest.fixture
def location(cooperative):
    return helpers.make_location(cooperative, name="Hub Desa Sikka")


@pytest.fixture
def inspector(cooperative):
    return helpers.make_inspector(cooperative)


def good_answers(version, product) -> dict:
    return {c.key: passing_value(c, product) for c in criteria_of(version) if c.kind != Kind.PHOTO}


def levels(piece) -> dict:
    return {
        (level.position, level.channel.kind if level.channel else None): level.quantity
        for level in StockLevel.objects.filter(piece=piece)
    }


def inspect(piece, standard, inspector, **changes):
    version = current_version(standard)
    answers = {**good_answers(version, piece.sku.product), **changes.pop("answers", {})}
    fields = dict(standard_version=version, results=answers, photos=[PHOTO], inspector=inspector)
    fields.update(changes)
    return record_inspection(piece=piece, **fields)


def test_a_received_piece_waits_in_quality_control(cooperative, ikat, location):
    product, _ = ikat
    piece = helpers.make_piece(product, helpers.make_maker(cooperative), location=location, sellable=False)
    assert levels(piece) == {("qc", None): 1}


def test_a_passed_inspection_releases_the_piece_to_the_web_store(cooperative, ikat, location, inspector):
    product, standard = ikat
    piece = helpers.make_piece(product, helpers.make_maker(cooperative), location=location, sellable=False)
    inspection = inspect(piece, standard, inspector)
    assert inspection.outcome == Outcome.GRADE_A
    assert levels(piece) == {("qc", None): 0, ("available", "web"): 1}
    assert inspection.release_move.reason == StockMove.Reason.RELEASE
    assert inspection.inspector_role == Role.HUB_OPERATOR
    assert inspection.photos.count() == 1
    assert {r["criterion"]["key"] for r in inspection.results} >= {"yarn", "dye", "length", "photos"}


def test_minor_flaws_pass_as_grade_b_and_are_recorded_for_buyers(cooperative, ikat, location, inspector):
    product, standard = ikat
    piece = helpers.make_piece(product, helpers.make_maker(cooperative), location=location, sellable=False)
    inspection = inspect(
        piece, standard, inspector, answers={"edges_fringes": "fail", "weave_evenness": "3", "length": "172"}
    )
    assert inspection.outcome == Outcome.GRADE_B
    minor = {r["criterion"]["key"]: r for r in inspection.results if r["effect"] == "minor"}
    assert set(minor) == {"edges_fringes", "weave_evenness", "length"}
    assert minor["length"]["declared"] == "180" and (minor["length"]["low"], minor["length"]["high"]) == (
        "175",
        "185",
    )
    assert levels(piece)[("available", "web")] == 1


@pytest.mark.parametrize(
    "answers",
    [
        {"yarn": "factory"},  # declared handspun
        {"dye": "synthetic"},  # declared natural
        {"no_stains_holes": "fail"},
        {"colourfastness": "fail"},
        {"motif_sharpness": "2"},
    ],
    ids=["yarn", "dye", "holes", "colours-run", "blurred-motif"],
)
def test_a_rejected_piece_stays_in_quality_control(cooperative, ikat, location, inspector, answers):
    product, standard = ikat
    piece = helpers.make_piece(product, helpers.make_maker(cooperative), location=location, sellable=False)
    inspection = inspect(piece, standard, inspector, answers=answers)
    assert inspection.outcome == Outcome.REJECT and inspection.release_move is None
    assert [r["criterion"]["key"] for r in inspection.results if r["effect"] == "reject"] == list(answers)
    assert levels(piece) == {("qc", None): 1}
    assert not StockMove.objects.filter(piece=piece, reason=StockMove.Reason.RELEASE).exists()


def test_a_rejected_piece_can_pass_after_a_repair(cooperative, ikat, location, inspector):
    product, standard = ikat
    piece = helpers.make_piece(product, helpers.make_maker(cooperative), location=location, sellable=False)
    inspect(piece, standard, inspector, answers={"no_stains_holes": "fail"})
    assert inspect(piece, standard, inspector).outcome == Outcome.GRADE_A
    assert levels(piece)[("available", "web")] == 1


@pytest.mark.parametrize(
    ("answers", "photos", "field", "message"),
    [
        ({"motif_sharpness": ""}, [PHOTO], "motif_sharpness", "Answer this: Motif sharpness."),
        ({"colourfastness": None}, [PHOTO], "colourfastness", "Answer this"),
        ({}, [], "photos", "Add at least 1 photo(s)"),
        ({"length": "0"}, [PHOTO], "length", "Length cannot be 0 cm: enter a value from 1 to 2000 cm."),
        ({"length": "10000"}, [PHOTO], "length", "cannot be 10000 cm"),
        ({"width": "-3"}, [PHOTO], "width", "cannot be -3 cm"),
        ({"length": "panjang"}, [PHOTO], "length", "Enter a number for Length"),
        ({"motif_sharpness": "7"}, [PHOTO], "motif_sharpness", "Choose one of the listed values"),
        ({"edges_fringes": "maybe"}, [PHOTO], "edges_fringes", "Choose pass or fail"),
        ({}, [b"not a photo"], "photos", "not a photo we can read"),
    ],
    ids=[
        "missing",
        "none",
        "no-photo",
        "length-0",
        "length-10000",
        "negative",
        "not-a-number",
        "off-scale",
        "neither",
        "bad-file",
    ],
)
def test_bad_input_is_refused_with_a_clear_message_and_records_nothing(
    settings, cooperative, ikat, location, inspector, answers, photos, field, message
):
    settings.LANGUAGE_CODE = "en"
    product, standard = ikat
    piece = helpers.make_piece(product, helpers.make_maker(cooperative), location=location, sellable=False)
    files_before = media_files()
    with pytest.raises(InspectionError) as refused:
        inspect(piece, standard, inspector, answers=answers, photos=photos)
    assert any(message in text for text in refused.value.errors[field]), refused.value.errors
    assert not Inspection.objects.exists() and not InspectionPhoto.objects.exists()
    assert levels(piece) == {("qc", None): 1}
    assert media_files() == files_before


def test_a_piece_not_in_quality_control_cannot_be_inspected(cooperative, ikat, location, inspector):
    product, standard = ikat
    maker = helpers.make_maker(cooperative)
    on_sale = helpers.make_piece(product, maker, location=location, sellable=False)
    inspect(on_sale, standard, inspector)
    never_received = helpers.make_piece(product, maker)
    for piece in (on_sale, never_received):
        with pytest.raises(InspectionError, match="not in quality control"):
            inspect(piece, standard, inspector)
    assert Inspection.objects.count() == 1


def test_only_a_manager_or_hub_operator_of_the_cooperative_may_inspect(
    cooperative, other_cooperative, ikat, location
):
    product, standard = ikat
    piece = helpers.make_piece(product, helpers.make_maker(cooperative), location=location, sellable=False)
    outsider = helpers.make_inspector(other_cooperative)
    viewer = Membership.objects.get(user=helpers.make_member(cooperative, Role.PROGRAM_VIEWER))
    for membership in (outsider, viewer):
        with pytest.raises(InspectionError):
            inspect(piece, standard, membership)
    assert not Inspection.objects.exists()


def test_an_inspection_uses_the_current_version_of_its_own_category_standard(
    cooperative, ikat, location, inspector
):
    product, standard = ikat
    piece = helpers.make_piece(product, helpers.make_maker(cooperative), location=location, sellable=False)
    old = current_version(standard)
    revise_standard(
        standard=standard,
        criteria=with_criterion(criteria_of(old), Criterion("smell", Kind.PASS_FAIL, "Tidak berbau")),
    )
    with pytest.raises(InspectionError, match="standard changed"):
        inspect(piece, standard, inspector, standard_version=old)
    coffee = add_default_standard(cooperative=cooperative, category=helpers.make_category(slug="kopi"))
    with pytest.raises(InspectionError, match="not the one for"):
        inspect(piece, standard, inspector, standard_version=current_version(coffee))
    assert not Inspection.objects.exists()


def test_editing_a_standard_never_changes_what_a_past_inspection_recorded(
    cooperative, ikat, location, inspector
):
    product, standard = ikat
    piece = helpers.make_piece(product, helpers.make_maker(cooperative), location=location, sellable=False)
    inspection = inspect(piece, standard, inspector, answers={"length": "183"})
    recorded = Inspection.objects.get(pk=inspection.pk).results
    first = current_version(standard)
    stricter = [
        Criterion.from_json({**c.as_json(), "tolerance": "1"}) if c.key == "length" else c
        for c in criteria_of(first)
    ]
    second = revise_standard(standard=standard, criteria=stricter)
    assert (first.number, second.number) == (1, 2)
    again = Inspection.objects.get(pk=inspection.pk)
    assert again.standard_version_id == first.pk and again.results == recorded
    length = next(r for r in again.results if r["criterion"]["key"] == "length")
    assert (length["criterion"]["tolerance"], length["effect"]) == ("5", "pass")
    assert StandardVersion.objects.get(pk=first.pk).criteria == [c.as_json() for c in criteria_of(first)]
    # The same measurement under the new version is a flaw.
    other = helpers.make_piece(product, helpers.make_maker(cooperative), location=location, sellable=False)
    assert inspect(other, standard, inspector, answers={"length": "183"}).outcome == Outcome.GRADE_B


@pytest.fixture
def coffee(cooperative, location):
    category = helpers.make_category(slug="kopi", name_id="Kopi", name_en="Coffee")
    product = helpers.make_product(cooperative, category=category, price=85_000)
    product.skus.update(is_unique=False)
    standard = add_default_standard(cooperative=cooperative, category=category)
    helpers.make_stock(product, location, 40, sellable=False)
    return product.skus.get(), standard


def inspect_coffee(coffee, location, inspector, quantity=40, **answers):
    sku, standard = coffee
    results = {"moisture": "11.8", "foreign_matter": "0.2", "defect_points": "9", "no_live_insects": "pass"}
    results.update(no_rotten_smell="pass")
    results.update(answers)
    return record_inspection(
        sku=sku,
        location=location,
        quantity=quantity,
        standard_version=current_version(standard),
        results=results,
        photos=[PHOTO],
        inspector=inspector,
    )


def coffee_levels(sku, location) -> dict:
    return {level.position: level.quantity for level in StockLevel.objects.filter(sku=sku, location=location)}


@pytest.mark.parametrize(
    ("answers", "outcome", "grade"),
    [
        ({"defect_points": "11"}, Outcome.GRADE_A, "Grade 1"),
        ({"defect_points": "12"}, Outcome.GRADE_A, "Grade 2"),
        ({"defect_points": "30"}, Outcome.GRADE_B, "Grade 3"),
        ({"defect_points": "45"}, Outcome.GRADE_B, "Grade 4a"),
        ({"defect_points": "80"}, Outcome.GRADE_B, "Grade 4b"),
        ({"defect_points": "150"}, Outcome.GRADE_B, "Grade 5"),
        ({"defect_points": "225"}, Outcome.GRADE_B, "Grade 6"),
        ({"defect_points": "226"}, Outcome.REJECT, None),
        ({"moisture": "12,5"}, Outcome.GRADE_A, "Grade 1"),
        ({"moisture": "12.6"}, Outcome.REJECT, "Grade 1"),
        ({"foreign_matter": "0.6"}, Outcome.REJECT, "Grade 1"),
        ({"no_live_insects": "fail"}, Outcome.REJECT, "Grade 1"),
    ],
)
def test_coffee_is_graded_after_sni_01_2907_2008(coffee, location, inspector, answers, outcome, grade):
    inspection = inspect_coffee(coffee, location, inspector, **answers)
    assert inspection.outcome == outcome
    defects = next(r for r in inspection.results if r["criterion"]["key"] == "defect_points")
    assert defects.get("band", {}).get("label_en") == grade
    sku, _ = coffee
    if outcome == Outcome.REJECT:
        assert coffee_levels(sku, location) == {"qc": 40}
    else:
        assert coffee_levels(sku, location) == {"qc": 0, "available": 40}


def test_a_batch_releases_only_the_units_inspected(coffee, location, inspector):
    sku, _ = coffee
    inspect_coffee(coffee, location, inspector, quantity=15)
    assert coffee_levels(sku, location) == {"qc": 25, "available": 15}


@pytest.mark.parametrize(
    ("quantity", "answers", "message"),
    [
        (41, {}, "Only 40 units"),
        (0, {}, "whole number of at least 1"),
        (40, {"moisture": "150"}, "Moisture cannot be 150 %"),
        (40, {"foreign_matter": "-1"}, "cannot be -1 %"),
    ],
)
def test_a_bad_batch_is_refused_and_records_nothing(
    settings, coffee, location, inspector, quantity, answers, message
):
    settings.LANGUAGE_CODE = "en"
    sku, _ = coffee
    with pytest.raises(InspectionError, match=message):
        inspect_coffee(coffee, location, inspector, quantity=quantity, **answers)
    assert not Inspection.objects.exists()
    assert coffee_levels(sku, location) == {"qc": 40}


def test_the_coffee_default_follows_sni_limits():
    criteria = {c.key: c for c in COFFEE_BEANS.criteria}
    assert criteria["moisture"].maximum == Decimal("12.5")
    assert criteria["foreign_matter"].maximum == Decimal("0.5")
    assert [(b.maximum, b.label_en) for b in criteria["defect_points"].bands][-1] == (Decimal(225), "Grade 6")


@pytest.mark.django_db(transaction=True)
def test_two_inspectors_racing_for_one_piece_release_it_once():
    """Two phones send an inspection of the same piece at once: one records it, the other is told; one release."""
    import threading

    from django.db import connection

    cooperative = helpers.make_cooperative()
    product = helpers.make_product(cooperative)
    location = helpers.make_location(cooperative)
    piece = helpers.make_piece(product, helpers.make_maker(cooperative), location=location, sellable=False)
    standard = helpers.make_standard(cooperative, product.category)
    inspectors = [
        helpers.make_inspector(cooperative),
        Membership.objects.get(user=helpers.make_member(cooperative, Role.MANAGER)),
    ]
    outcomes: list[str] = []
    barrier = threading.Barrier(2)

    def send(inspector, answer):
        try:
            barrier.wait()
            record_inspection(
                piece=piece,
                standard_version=current_version(standard),
                results={"no_defects": answer},
                inspector=inspector,
            )
            outcomes.append(answer)
        except InspectionError:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=send, args=(inspectors[0], "pass")),
        threading.Thread(target=send, args=(inspectors[1], "pass")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["pass", "refused"]
    assert StockMove.objects.filter(piece=piece, reason=StockMove.Reason.RELEASE).count() == 1
    assert Inspection.objects.filter(piece=piece).count() == 1
