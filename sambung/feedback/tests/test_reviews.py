"""Reviews: written once per delivered line by its buyer, moderated, and only then on the product page."""

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from sambung.feedback.models import BuyerPhoto, Review
from sambung.feedback.queries import product_reviews
from sambung.feedback.reviews import moderate_review, write_review
from sambung.feedback.submissions import FeedbackError, check_photo, save_with_photo
from sambung.feedback.tests import (
    S,
    coffee_line,
    delivered_order,
    make_shop,
    media_files,
    order_in,
    photo_bytes,
)
from sambung.feedback.tests import piece_line as the_piece_line
from sambung.tests import helpers


@pytest.fixture(autouse=True)
def english():
    """The writers' messages in English, to match the msgids."""
    with translation.override("en"):
        yield


@pytest.fixture
def shop(cooperative):
    return make_shop(cooperative)


@pytest.fixture
def order(shop):
    return delivered_order(shop)


@pytest.fixture
def staff(cooperative):
    return helpers.make_member(cooperative, "manager", username="moderator")


def test_a_delivered_line_is_reviewed_once_and_leads_to_its_piece_and_maker(order, shop):
    line = the_piece_line(order)
    review = write_review(line=line, stars=5, text="  Tenunnya rapi, warnanya dalam.  ")
    assert (review.status, review.stars, review.text) == (
        Review.Status.PENDING,
        5,
        "Tenunnya rapi, warnanya dalam.",
    )
    assert review.product == shop.sarong.product and review.cooperative == shop.cooperative
    assert review.order_line.piece == shop.piece and review.order_line.piece.maker == shop.piece.maker
    assert review.photo is None


@pytest.mark.parametrize(
    "status", [S.AWAITING_PAYMENT, S.PAID, S.PACKING, S.SHIPPED, S.RETURNED, S.CANCELLED]
)
def test_a_line_of_an_order_not_delivered_cannot_be_reviewed(shop, status):
    order = order_in(shop, status)
    with pytest.raises(FeedbackError, match="once the order has been delivered"):
        write_review(line=order.lines.get(), stars=4, photo=photo_bytes())
    assert Review.objects.count() == 0 and BuyerPhoto.objects.count() == 0 and media_files() == []


def test_a_second_review_of_the_same_line_is_refused_and_the_first_kept(order):
    line = coffee_line(order)
    first = write_review(line=line, stars=4, text="Harum.")
    with pytest.raises(FeedbackError, match="already reviewed"):
        write_review(line=line, stars=1, text="Pahit.")
    assert list(Review.objects.values_list("pk", "stars")) == [(first.pk, 4)]


def test_the_database_keeps_one_review_per_line_even_past_the_writer(order):
    line = coffee_line(order)
    write_review(line=line, stars=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            order_line=line, product=line.sku.product, cooperative=order.cooperative, stars=5
        )


@pytest.mark.parametrize("stars", [0, 6, -1, 3.5, "5", True, None])
def test_stars_outside_one_to_five_are_refused(order, stars):
    with pytest.raises(FeedbackError, match="from 1 to 5 stars"):
        write_review(line=coffee_line(order), stars=stars)
    assert Review.objects.count() == 0


def test_the_database_refuses_stars_outside_one_to_five_too(order):
    line = coffee_line(order)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(
            order_line=line, product=line.sku.product, cooperative=order.cooperative, stars=6
        )


def test_a_text_over_2000_characters_is_refused_and_2000_accepted(order):
    with pytest.raises(FeedbackError, match="2000 characters; it has 2001"):
        write_review(line=coffee_line(order), stars=3, text="a" * 2001)
    assert Review.objects.count() == 0
    assert len(write_review(line=coffee_line(order), stars=3, text="a" * 2000).text) == 2000


def test_a_photo_becomes_webp_renditions_and_its_original_stays_off_the_public_path(order):
    review = write_review(line=the_piece_line(order), stars=5, photo=photo_bytes((1600, 1200)))
    photo = review.photo
    assert photo.thumb.name.startswith("photos/thumb/") and photo.detail.name.startswith("photos/detail/")
    assert photo.thumb.read()[8:12] == b"WEBP" and photo.detail_width <= 1080
    assert photo.original.name.startswith("feedback/original/")


@pytest.mark.parametrize(
    "data", [b"not a photo at all", photo_bytes()[:2000], b"GIF89a" + b"\0" * 100], ids=["text", "cut", "gif"]
)
def test_a_corrupt_or_foreign_file_is_a_clear_error_and_leaves_nothing(order, data):
    with pytest.raises(FeedbackError, match="not a photo we can read|Send a JPEG, PNG or HEIC"):
        write_review(line=the_piece_line(order), stars=5, photo=data)
    assert Review.objects.count() == 0 and BuyerPhoto.objects.count() == 0 and media_files() == []


def test_a_photo_whose_row_cannot_be_saved_leaves_no_files(order):
    line = the_piece_line(order)
    write_review(line=line, stars=5)
    files = media_files()

    def second_review(photo):  # what a double submit that lost the race runs into
        return Review.objects.create(
            order_line=line, product=line.sku.product, cooperative=order.cooperative, stars=1, photo=photo
        )

    with pytest.raises(IntegrityError):
        save_with_photo(check_photo(photo_bytes()), second_review)
    assert Review.objects.count() == 1 and BuyerPhoto.objects.count() == 0 and media_files() == files


def test_only_approved_reviews_reach_the_product_page_with_their_average(shop, staff):
    reviews = []
    for stars in (5, 4, 1):
        order = delivered_order(shop, piece=False, coffee=1)
        reviews.append(write_review(line=order.lines.get(), stars=stars, text=f"{stars} bintang"))
    product = shop.coffee.product
    assert product_reviews(product).count == 0
    moderate_review(review=reviews[0], user=staff, approve=True)
    moderate_review(review=reviews[1], user=staff, approve=True)
    moderate_review(review=reviews[2], user=staff, approve=False, reason="Isi ulasan bukan tentang produk.")
    shown = product_reviews(product)
    assert (shown.count, shown.average, shown.rounded_stars) == (2, 4.5, 4)
    assert [review.stars for review in shown.latest] == [4, 5]  # newest first
    assert product_reviews(shop.sarong.product).count == 0


def test_moderation_records_who_when_and_why_and_happens_once(order, staff):
    review = write_review(line=coffee_line(order), stars=2, text="Telepon saya 0812…")
    with pytest.raises(FeedbackError, match="Say why"):
        moderate_review(review=review, user=staff, approve=False, reason="  ")
    assert Review.objects.get().status == Review.Status.PENDING
    moderate_review(review=review, user=staff, approve=False, reason="Memuat nomor telepon.")
    stored = Review.objects.get()
    assert (stored.status, stored.moderated_by, stored.moderation_note) == (
        Review.Status.REJECTED,
        staff,
        "Memuat nomor telepon.",
    )
    assert stored.moderated_at is not None
    with pytest.raises(FeedbackError, match="already been moderated"):
        moderate_review(review=stored, user=staff, approve=True)
    assert Review.objects.get().status == Review.Status.REJECTED


def test_a_rejected_review_without_a_reason_is_refused_by_the_database(order):
    review = write_review(line=coffee_line(order), stars=2)
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.filter(pk=review.pk).update(status=Review.Status.REJECTED)
