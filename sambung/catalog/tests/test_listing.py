"""Listing quality: photo metrics on generated images, the score and its fixes, the stored measurements."""

import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from PIL import Image, ImageDraw, ImageEnhance, ImageFilter

from sambung.catalog import listing
from sambung.catalog.listing import (
    BRIGHT_ABOVE,
    DARK_BELOW,
    MAX_CLIPPED,
    MIN_LONG_SIDE,
    MIN_SHARPNESS,
    PhotoMetrics,
    listing_report,
    measure_photo,
    score_listing,
)
from sambung.catalog.models import Category, Product
from sambung.catalog.photos import (
    DETAIL_MAX_BYTES,
    DETAIL_WIDTH,
    add_photo,
    delete_photo,
    make_rendition,
    open_photo,
)
from sambung.demo.drawing import draw_coffee, draw_ikat
from sambung.feedback.models import PhotoCheck
from sambung.feedback.photo_checks import measure_photos, unmeasured_photos
from sambung.tests import helpers


@pytest.fixture(autouse=True)
def english():
    """The fixes in English, to match the msgids, whatever language an earlier test left active."""
    with translation.override("en"):
        yield


GOOD = PhotoMetrics(
    long_side=3000, sharpness=800.0, brightness=110.0, shadows_clipped=0.0, highlights_clipped=0.01
)


def woven_pattern(size: tuple[int, int] = (1600, 1200)) -> Image.Image:
    """Warp and weft bands with hard edges: the sharp reference."""
    image = Image.new("RGB", size, (60, 70, 110))
    draw = ImageDraw.Draw(image)
    for x in range(0, size[0], 24):
        draw.rectangle([x, 0, x + 8, size[1]], fill=(210, 180, 140))
    for y in range(0, size[1], 36):
        draw.rectangle([0, y, size[0], y + 6], fill=(150, 50, 30))
    return image


def jpeg(image: Image.Image) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


def measured_as_stored(data: bytes) -> PhotoMetrics:
    """Measure a photo the way the site does: from its detail rendition, with the original's size."""
    image, _format = open_photo(data)
    detail = make_rendition(image, width=DETAIL_WIDTH, max_bytes=DETAIL_MAX_BYTES)
    return measure_photo(Image.open(io.BytesIO(detail.data)), long_side=max(image.size))


@pytest.fixture(scope="module")
def generated() -> dict[str, PhotoMetrics]:
    sharp = woven_pattern()
    return {
        "sharp": measured_as_stored(jpeg(sharp)),
        "blurred": measured_as_stored(jpeg(sharp.filter(ImageFilter.GaussianBlur(6)))),
        "dark": measured_as_stored(jpeg(ImageEnhance.Brightness(sharp).enhance(0.15))),
        "overexposed": measured_as_stored(jpeg(ImageEnhance.Brightness(sharp).enhance(4.0))),
    }


def test_blur_threshold_separates_the_sharp_pattern_from_the_same_blurred_with_a_margin(generated):
    assert generated["sharp"].sharpness >= 3 * MIN_SHARPNESS
    assert generated["blurred"].sharpness <= MIN_SHARPNESS / 1.5
    assert generated["sharp"].is_sharp and not generated["blurred"].is_sharp
    # Blur, not light: the blurred photo is exposed like the sharp one.
    assert not generated["blurred"].is_too_dark and not generated["blurred"].is_overexposed


def test_exposure_thresholds_separate_dark_and_overexposed_from_the_good_with_a_margin(generated):
    good, dark, bright = generated["sharp"], generated["dark"], generated["overexposed"]
    assert dark.brightness <= DARK_BELOW / 2 <= DARK_BELOW * 2 <= good.brightness
    assert good.brightness <= BRIGHT_ABOVE - 50 and bright.brightness >= BRIGHT_ABOVE + 20
    assert bright.highlights_clipped >= 2 * MAX_CLIPPED and good.highlights_clipped <= MAX_CLIPPED / 2
    assert dark.is_too_dark and not dark.is_overexposed
    assert bright.is_overexposed and not bright.is_too_dark
    assert not good.is_too_dark and not good.is_overexposed


def test_pixel_metrics_are_about_the_image_not_the_size_it_was_uploaded_at(generated):
    small = measured_as_stored(jpeg(woven_pattern((800, 600))))
    assert small.long_side == 800 < MIN_LONG_SIDE <= generated["sharp"].long_side
    assert small.is_sharp and not small.is_too_dark and not small.is_overexposed


@pytest.mark.parametrize("palette", ["indigo", "morinda", "black", "turmeric", "synthetic", "coffee"])
def test_the_demo_photos_are_judged_sharp_and_well_exposed(palette):
    data = draw_coffee(3, (1200, 900)) if palette == "coffee" else draw_ikat(3, palette, (1200, 900))
    metrics = measured_as_stored(data)
    assert metrics.is_sharp and metrics.is_large_enough
    assert not metrics.is_too_dark and not metrics.is_overexposed


def test_a_flat_backdrop_does_not_read_as_blur():
    image = Image.new("RGB", (1600, 1200), (235, 232, 228))
    ImageDraw.Draw(image).rectangle([500, 300, 1100, 900], fill=(120, 40, 30))
    in_focus = measured_as_stored(jpeg(image))
    out_of_focus = measured_as_stored(jpeg(image.filter(ImageFilter.GaussianBlur(12))))
    assert in_focus.is_sharp and not out_of_focus.is_sharp


# The score


def complete_textile(**overrides) -> Product:
    fields = dict(
        category=Category(slug="sarung-ikat", name_id="Sarung", name_en="Sarong"),
        title_id="Sarung Ikat Mata Manuk",
        title_en="Mata Manuk ikat sarong",
        story_id="Ditenun oleh Maria di Desa Sikka dengan benang pintal tangan, diikat menurut motif Mata Manuk, "
        "dicelup tarum dan akar mengkudu.",
        story_en="Woven by Maria in the village of Sikka from handspun cotton, tied to the Mata Manuk pattern, "
        "dyed with indigo and morinda root.",
        motif="Mata Manuk",
        motif_meaning_id="Mata ayam: kewaspadaan.",
        motif_meaning_en="The chicken's eye: watchfulness.",
        yarn=Product.Yarn.HANDSPUN,
        dye=Product.Dye.NATURAL,
        dyes_used="tarum, mengkudu",
        length_cm=180,
        width_cm=65,
        weight_g=700,
        care_id="Cuci dengan tangan.",
        care_en="Hand wash.",
    )
    fields.update(overrides)
    return Product(**fields)


def test_a_complete_textile_with_three_good_photos_scores_100_and_needs_no_fix():
    result = score_listing(complete_textile(), [GOOD, GOOD, GOOD])
    assert (result.score, result.fixes) == (100, [])


def test_a_textile_without_photos_loses_all_photo_points_in_one_fix():
    result = score_listing(complete_textile(), [])
    assert result.score == 55
    assert len(result.fixes) == 1 and result.fixes[0].points == 45
    assert "at least 3 photos" in result.fixes[0].message


def test_each_photo_problem_names_the_photos_and_costs_its_share():
    blurred = PhotoMetrics(3000, 10.0, 110.0, 0.0, 0.0)
    small_and_dark = PhotoMetrics(900, 800.0, 20.0, 0.4, 0.0)
    result = score_listing(complete_textile(), [GOOD, blurred, small_and_dark])
    messages = " ".join(fix.message for fix in result.fixes)
    assert "Photo 2 looks blurred" in messages
    assert "Photo 3 is smaller than 1200 pixels" in messages and "Photo 3 is too dark" in messages
    assert "overexposed" not in messages
    # A third of the 10 sharpness points, a third of 10 for size and of 5 for darkness.
    assert result.score == round(100 - 10 / 3 - 10 / 3 - 5 / 3)


def test_two_photos_of_a_textile_ask_for_one_more():
    result = score_listing(complete_textile(), [GOOD, GOOD])
    assert [fix.message[:25] for fix in result.fixes] == ["Add 1 more photo: a cloth"]
    assert result.score == 95


def test_missing_description_fields_each_become_a_concrete_fix():
    product = complete_textile(
        title_en="",
        care_en="",
        story_id="Pendek.",
        story_en="",
        motif_meaning_id="",
        motif_meaning_en="",
        dyes_used="",
        length_cm=None,
        weight_g=None,
    )
    fixes = {fix.message for fix in score_listing(product, [GOOD] * 3).fixes}
    assert any(message.startswith("Tell the product's story") for message in fixes)
    assert (
        "Write it in both languages; missing: title in English, story in English, care in English." in fixes
    )
    assert "Enter the size: length and width in cm." in fixes
    assert "Enter the weight in grams (shipping is charged by it)." in fixes
    assert any(message.startswith("Explain what the motif means") for message in fixes)
    assert any(message.startswith("Name the dye plants") for message in fixes)


def coffee(**overrides) -> Product:
    fields = dict(
        category=Category(slug="kopi", name_id="Kopi", name_en="Coffee"),
        title_id="Kopi Arabika 250 g",
        title_en="Arabica coffee 250 g",
        story_id="Biji kopi dari kebun anggota koperasi di Desa Nita, dipetik merah, dijemur dan disangrai di "
        "Maumere.",
        story_en="Beans from members' gardens in the village of Nita, picked ripe, sun-dried and roasted in "
        "Maumere.",
        care_id="Simpan di tempat kering.",
        care_en="Keep dry.",
        length_cm=20,
        width_cm=12,
        height_cm=6,
        weight_g=270,
    )
    fields.update(overrides)
    return Product(**fields)


def test_coffee_is_not_asked_for_yarn_motif_or_three_photos():
    assert not listing.is_textile(coffee())
    result = score_listing(coffee(), [GOOD])
    assert (result.score, result.fixes) == (100, [])
    without_height = score_listing(coffee(height_cm=None), [GOOD])
    assert [fix.message for fix in without_height.fixes] == [
        "Enter the packed size: length, width and height in cm (couriers charge by volume)."
    ]


def test_photos_not_measured_yet_are_left_out_and_counted():
    result = score_listing(complete_textile(), [GOOD, None, None])
    assert (result.score, result.unmeasured_photos) == (100, 2)


# Stored measurements and the report


def test_photos_are_measured_once_from_their_renditions_and_go_with_the_photo(cooperative):
    product = helpers.make_product(cooperative)
    sharp = add_photo(upload=jpeg(woven_pattern()), product=product)
    blurred = add_photo(
        upload=jpeg(woven_pattern((800, 600)).filter(ImageFilter.GaussianBlur(4))), product=product
    )
    helpers.make_piece(product, helpers.make_maker(cooperative))  # piece photos are not the listing's
    at_upload = {check.photo_id: check.sharpness for check in PhotoCheck.objects.all()}
    PhotoCheck.objects.all().delete()  # as photos stored before they were measured at upload
    assert unmeasured_photos(cooperative).count() == 2

    assert measure_photos(photos=unmeasured_photos(cooperative)) == 2
    assert measure_photos(photos=unmeasured_photos(cooperative)) == 0
    checks = {check.photo_id: check for check in PhotoCheck.objects.all()}
    assert checks[sharp.pk].long_side == 1600 and checks[sharp.pk].sharpness >= MIN_SHARPNESS
    assert checks[blurred.pk].long_side == 800 and checks[blurred.pk].sharpness < MIN_SHARPNESS
    # From the files or from the rendition in memory at upload: the same bytes, the same figures.
    assert at_upload == {photo_id: check.sharpness for photo_id, check in checks.items()}

    delete_photo(photo=blurred)
    assert list(PhotoCheck.objects.values_list("photo_id", flat=True)) == [sharp.pk]


def test_a_product_photo_is_measured_once_when_it_is_uploaded_and_a_piece_photo_is_not(cooperative):
    product = helpers.make_product(cooperative)
    dark = add_photo(upload=jpeg(ImageEnhance.Brightness(woven_pattern()).enhance(0.15)), product=product)
    check = PhotoCheck.objects.get(photo=dark)
    assert check.long_side == 1600 and check.brightness < DARK_BELOW
    piece = helpers.make_piece(product, helpers.make_maker(cooperative))
    add_photo(upload=jpeg(woven_pattern()), piece=piece)
    assert PhotoCheck.objects.count() == 1 and unmeasured_photos(cooperative).count() == 0
    assert measure_photos(photos=unmeasured_photos(cooperative)) == 0


def test_measuring_stops_at_the_limit(cooperative):
    product = helpers.make_product(cooperative)
    for _ in range(3):
        add_photo(upload=helpers.image_bytes((64, 48)), product=product)
    PhotoCheck.objects.all().delete()  # as photos stored before they were measured at upload
    assert measure_photos(photos=unmeasured_photos(cooperative), limit=2) == 2
    assert unmeasured_photos(cooperative).count() == 1


def test_the_report_lists_the_cooperatives_products_worst_first_in_a_fixed_number_of_queries(
    cooperative, other_cooperative
):
    good = helpers.make_product(
        cooperative, **{k: v for k, v in complete_textile().__dict__.items() if k in COMPLETE_FIELDS}
    )
    for _ in range(3):
        add_photo(upload=jpeg(woven_pattern()), product=good)
    bare = helpers.make_product(cooperative, title_en="", yarn="", dye="")
    helpers.make_product(other_cooperative)
    measure_photos(photos=unmeasured_photos(cooperative))

    with CaptureQueriesContext(connection) as queries:
        report = listing_report(cooperative)
    assert [row.product for row in report] == [bare, good]
    assert report[1].score == 100 and report[0].score < 50
    for _ in range(5):
        helpers.make_product(cooperative)
    with CaptureQueriesContext(connection) as more:
        assert len(listing_report(cooperative)) == 7
    assert len(more) == len(queries) <= 3


COMPLETE_FIELDS = {
    "title_id",
    "title_en",
    "story_id",
    "story_en",
    "motif",
    "motif_meaning_id",
    "motif_meaning_en",
    "yarn",
    "dye",
    "dyes_used",
    "length_cm",
    "width_cm",
    "weight_g",
    "care_id",
    "care_en",
}
