"""The quality back office on a phone, JavaScript off: the checklist, the standards editor, the queue."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from sambung.catalog.models import Category
from sambung.catalog.tests import page_text
from sambung.inventory.models import StockLevel
from sambung.quality.models import Inspection, Outcome, Standard
from sambung.quality.standards import add_default_standard, criteria_of, current_version
from sambung.quality.tests.test_permissions import quality_url
from sambung.tests import helpers


@pytest.fixture
def sarong(cooperative):
    category = Category.objects.create(slug="sarung-ikat", name_id="Sarung ikat", name_en="Ikat sarong")
    product = helpers.make_product(cooperative, category=category, length_cm=180, width_cm=65)
    standard = add_default_standard(cooperative=cooperative, category=category)
    location = helpers.make_location(cooperative, name="Hub Desa Sikka")
    piece = helpers.make_piece(
        product, helpers.make_maker(cooperative), location=location, sellable=False, code="SKA-2026-014"
    )
    return product, standard, piece


def photo(name="kain.jpg"):
    return SimpleUploadedFile(name, helpers.image_bytes((320, 240)), content_type="image/jpeg")


def answers(standard, **changes) -> dict:
    data = {
        "version": str(current_version(standard).pk),
        "k_yarn": "handspun",
        "k_dye": "natural",
        "k_motif_sharpness": "5",
        "k_weave_evenness": "4",
        "k_edges_fringes": "pass",
        "k_length": "181",
        "k_width": "64,5",
        "k_no_stains_holes": "pass",
        "k_colourfastness": "pass",
        "photos": [photo(), photo("detail.jpg")],
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def qc_units(piece) -> int:
    return sum(StockLevel.objects.filter(piece=piece, position="qc").values_list("quantity", flat=True))


def test_an_operator_inspects_a_piece_on_the_phone_and_it_goes_on_sale(operator, cooperative, sarong):
    _, standard, piece = sarong
    url = quality_url("inspect_piece", cooperative.slug, piece.pk)
    form = operator.get(url)
    assert 'type="radio"' in page_text(form) and 'inputmode="decimal"' in page_text(form)
    assert "Declared 180 cm; accepted 175–185." in page_text(form)
    response = operator.post(url, answers(standard, k_note_id=None, note_en="A faint mark near the fringe."))
    inspection = Inspection.objects.get()
    assert response.status_code == 302
    assert response.url == quality_url("inspection_detail", cooperative.slug, inspection.pk)
    assert inspection.outcome == Outcome.GRADE_A and inspection.photos.count() == 2
    assert inspection.note_en == "A faint mark near the fringe."
    assert qc_units(piece) == 0
    detail = operator.get(response.url)
    assert "Grade A: passed. It is now for sale in the web store." in page_text(detail)
    assert "64.5 cm" in page_text(detail)


def test_the_outcome_comes_from_the_server_not_the_form(operator, cooperative, sarong):
    _, standard, piece = sarong
    url = quality_url("inspect_piece", cooperative.slug, piece.pk)
    operator.post(url, answers(standard, k_yarn="factory", outcome="a"))
    inspection = Inspection.objects.get()
    assert inspection.outcome == Outcome.REJECT and qc_units(piece) == 1
    detail = page_text(operator.get(quality_url("inspection_detail", cooperative.slug, inspection.pk)))
    assert "Factory yarn, but declared Handspun" in detail
    assert "held in quality control, not for sale" in detail


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"k_motif_sharpness": None}, "Answer this: Motif sharpness."),
        ({"photos": None}, "Add at least 1 photo(s): Photo of the whole cloth."),
        ({"k_length": "0"}, "Length cannot be 0 cm: enter a value from 1 to 2000 cm."),
        ({"k_length": "10000"}, "Length cannot be 10000 cm"),
        ({"k_width": "lebar"}, "Enter a number for Width, e.g. 180 or 12,5."),
        ({"photos": [SimpleUploadedFile("x.jpg", b"not a photo")]}, "not a photo we can read"),
    ],
    ids=["answer", "photo", "length-0", "length-10000", "not-a-number", "bad-photo"],
)
def test_a_bad_inspection_shows_a_clear_message_and_records_nothing(
    operator, cooperative, sarong, changes, message
):
    _, standard, piece = sarong
    response = operator.post(
        quality_url("inspect_piece", cooperative.slug, piece.pk), answers(standard, **changes)
    )
    assert response.status_code == 200
    assert message in page_text(response)
    assert "Nothing was recorded." in page_text(response)
    assert not Inspection.objects.exists() and qc_units(piece) == 1


def test_a_standard_changed_meanwhile_asks_again_and_records_nothing(manager, operator, cooperative, sarong):
    _, standard, piece = sarong
    shown = answers(standard)
    manager.post(
        quality_url("criterion_edit", cooperative.slug, standard.pk, "edges_fringes"),
        {
            "based_on": shown["version"],
            "label_id": "Tepi rapi",
            "required": "on",
            "fail_effect": "minor",
        },
    )
    response = operator.post(quality_url("inspect_piece", cooperative.slug, piece.pk), shown, follow=True)
    assert "The standard changed while you were inspecting." in page_text(response)
    assert "Edges and fringes neat" not in page_text(response)  # the checklist of version 2
    assert not Inspection.objects.exists()


def test_a_piece_on_sale_or_not_received_cannot_be_inspected(operator, cooperative, sarong):
    product, standard, piece = sarong
    on_sale = helpers.make_piece(
        product, helpers.make_maker(cooperative), location=piece.stock_levels.get().location
    )
    for target in (on_sale, helpers.make_piece(product, helpers.make_maker(cooperative))):
        url = quality_url("inspect_piece", cooperative.slug, target.pk)
        assert "is not in quality control" in page_text(operator.get(url))
        operator.post(url, answers(standard))
    assert Inspection.objects.count() == 1  # the one that put `on_sale` on sale


def test_a_category_without_a_standard_offers_the_manager_the_default(manager, operator, cooperative):
    product = helpers.make_product(cooperative)
    piece = helpers.make_piece(
        product, helpers.make_maker(cooperative), location=helpers.make_location(cooperative), sellable=False
    )
    url = quality_url("inspect_piece", cooperative.slug, piece.pk)
    assert "Ask the cooperative's manager to add one." in page_text(operator.get(url))
    assert "Add the default standard" in page_text(manager.get(url))
    queue = page_text(manager.get(quality_url("queue", cooperative.slug)))
    assert "has no quality standard" in queue
    added = manager.post(
        quality_url("standard_add_default", cooperative.slug), {"category": product.category_id}
    )
    standard = Standard.objects.get(category=product.category)
    assert added.url == quality_url("standard_detail", cooperative.slug, standard.pk)
    assert [c.key for c in criteria_of(current_version(standard))] == ["no_defects", "photos"]
    again = manager.post(
        quality_url("standard_add_default", cooperative.slug), {"category": product.category_id}
    )
    assert "Choose a category without a standard" in page_text(again)


def test_the_queue_lists_waiting_and_rejected_pieces_and_batches(operator, cooperative, sarong):
    _, standard, piece = sarong
    coffee_category = helpers.make_category(slug="kopi", name_id="Kopi", name_en="Coffee")
    add_default_standard(cooperative=cooperative, category=coffee_category)
    coffee = helpers.make_product(cooperative, category=coffee_category)
    coffee.skus.update(is_unique=False)
    helpers.make_stock(coffee, piece.stock_levels.get().location, 40, sellable=False)
    page = page_text(operator.get(quality_url("queue", cooperative.slug)))
    assert "SKA-2026-014" in page and "To inspect" in page and "40 units at Hub Desa Sikka" in page
    operator.post(
        quality_url("inspect_piece", cooperative.slug, piece.pk), answers(standard, k_colourfastness="fail")
    )
    page = page_text(operator.get(quality_url("queue", cooperative.slug)))
    assert "held out of sale" in page


def test_an_operator_inspects_part_of_a_coffee_batch(operator, cooperative):
    category = helpers.make_category(slug="kopi", name_id="Kopi", name_en="Coffee")
    standard = add_default_standard(cooperative=cooperative, category=category)
    coffee = helpers.make_product(cooperative, category=category)
    coffee.skus.update(is_unique=False)
    location = helpers.make_location(cooperative)
    helpers.make_stock(coffee, location, 40, sellable=False)
    sku = coffee.skus.get()
    url = quality_url("inspect_batch", cooperative.slug, sku.pk, location.pk)
    data = {
        "version": str(current_version(standard).pk),
        "quantity": "41",
        "k_moisture": "11,8",
        "k_foreign_matter": "0.2",
        "k_defect_points": "30",
        "k_no_live_insects": "pass",
        "k_no_rotten_smell": "pass",
        "photos": [photo()],
    }
    refused = operator.post(url, data)
    assert "Only 40 units are in quality control here." in page_text(refused)
    assert operator.post(url, {**data, "quantity": "25", "photos": [photo()]}).status_code == 302
    inspection = Inspection.objects.get()
    assert (inspection.quantity, inspection.outcome) == (25, Outcome.GRADE_B)
    levels = dict(StockLevel.objects.filter(sku=sku).values_list("position", "quantity"))
    assert levels == {"qc": 15, "available": 25}
    assert "Grade 3" in page_text(
        operator.get(quality_url("inspection_detail", cooperative.slug, inspection.pk))
    )


# The standards editor


def test_a_manager_edits_a_criterion_and_gets_a_new_version_while_the_old_one_stays(
    manager, operator, cooperative, sarong
):
    _, standard, piece = sarong
    operator.post(quality_url("inspect_piece", cooperative.slug, piece.pk), answers(standard, k_length="183"))
    inspection = Inspection.objects.get()
    first = current_version(standard)
    edit = quality_url("criterion_edit", cooperative.slug, standard.pk, "length")
    form = page_text(manager.get(edit))
    assert 'value="5"' in form and 'value="2000"' in form
    response = manager.post(
        edit,
        {
            "based_on": first.pk,
            "label_id": "Panjang",
            "label_en": "Length",
            "required": "on",
            "unit": "cm",
            "physical_min": "1",
            "physical_max": "2000",
            "relative_to": "length_cm",
            "tolerance": "2",
            "outside_effect": "reject",
        },
    )
    assert response.status_code == 302
    second = current_version(standard)
    assert second.number == 2
    length = {c.key: c for c in criteria_of(second)}["length"]
    assert (str(length.tolerance), length.outside_effect) == ("2", "reject")
    inspection.refresh_from_db()
    assert inspection.standard_version == first and inspection.outcome == Outcome.GRADE_A
    recorded = next(r for r in inspection.results if r["criterion"]["key"] == "length")
    assert recorded["criterion"]["tolerance"] == "5"
    old = page_text(
        manager.get(quality_url("standard_detail", cooperative.slug, standard.pk, query="versi=1"))
    )
    assert "an earlier version" in old and "± 5 cm" in old
    # An edit sent from the page of version 1 is now stale.
    stale = manager.post(
        edit,
        {
            "based_on": first.pk,
            "label_id": "Panjang",
            "physical_min": "1",
            "physical_max": "2",
            "outside_effect": "minor",
        },
    )
    assert "Someone else changed this standard meanwhile." in page_text(stale)
    assert current_version(standard).number == 2


def test_a_manager_adds_a_grade_scale_and_removes_a_criterion(manager, cooperative, sarong):
    _, standard, _ = sarong
    version = current_version(standard)
    create = quality_url("criterion_create", cooperative.slug, standard.pk, "grade")
    response = manager.post(
        create,
        {
            "based_on": version.pk,
            "label_id": "Kerapatan",
            "label_en": "Density",
            "required": "on",
            "choice_1_label_id": "Rapat",
            "choice_1_label_en": "Dense",
            "choice_1_effect": "pass",
            "choice_2_label_id": "Jarang",
            "choice_2_label_en": "Loose",
            "choice_2_effect": "minor",
        },
    )
    assert response.status_code == 302
    density = {c.key: c for c in criteria_of(current_version(standard))}["density"]
    assert [(c.value, c.effect) for c in density.choices] == [("dense", "pass"), ("loose", "minor")]
    delete = quality_url("criterion_delete", cooperative.slug, standard.pk, "density")
    assert manager.post(delete, {"based_on": current_version(standard).pk}).status_code == 302
    assert current_version(standard).number == 3
    assert "density" not in [c.key for c in criteria_of(current_version(standard))]


@pytest.mark.parametrize(
    ("kind", "data", "message"),
    [
        ("grade", {"choice_1_label_id": "Satu"}, "A grade scale needs at least two choices"),
        ("measurement", {"physical_min": "10", "physical_max": "1"}, "smallest and largest values"),
        ("measurement", {"physical_min": "0", "physical_max": "x"}, "Enter a number"),
        ("measurement", {"physical_min": "0", "physical_max": "9", "band_1_label_id": "A"}, "upper limit"),
    ],
)
def test_a_criterion_that_cannot_work_is_refused(manager, cooperative, sarong, kind, data, message):
    _, standard, _ = sarong
    version = current_version(standard)
    response = manager.post(
        quality_url("criterion_create", cooperative.slug, standard.pk, kind),
        {"based_on": version.pk, "label_id": "Baru", "outside_effect": "reject", **data},
    )
    assert message in page_text(response)
    assert current_version(standard) == version


def test_the_last_criterion_cannot_be_removed(manager, cooperative):
    category = helpers.make_category()
    helpers.make_product(cooperative, category=category)
    standard = helpers.make_standard(cooperative, category)
    response = manager.post(
        quality_url("criterion_delete", cooperative.slug, standard.pk, "no_defects"),
        {"based_on": current_version(standard).pk},
    )
    assert "A standard needs at least one criterion." in page_text(response)
