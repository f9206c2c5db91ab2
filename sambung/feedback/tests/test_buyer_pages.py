"""The buyer's side in the browser: review and complaint forms from her order page, and reviews on the product
page. Only a browser that proved the order (code and WhatsApp number) is the buyer; anyone else gets 404."""

import gzip
import json
import re

import pytest
from django.core import signing
from django.test import Client
from django.utils.html import escape

from sambung.feedback.complaints import Resolution, resolve_complaint
from sambung.feedback.models import BuyerPhoto, Complaint, Review
from sambung.feedback.reviews import moderate_review, write_review
from sambung.feedback.tests import (
    S,
    coffee_line,
    delivered_order,
    make_shop,
    media_files,
    order_in,
    photo_bytes,
    piece_line,
    prove_order,
    url,
)
from sambung.storefront.checkout_views import ORDERS_COOKIE
from sambung.tests import helpers

PAGE_BUDGET_BYTES = 30 * 1024


@pytest.fixture
def shop(cooperative):
    return make_shop(cooperative)


@pytest.fixture
def order(shop):
    return delivered_order(shop)


@pytest.fixture
def owner(order):
    """The buyer's browser, after she looked her order up by its code and her WhatsApp number."""
    client = Client()
    prove_order(client, order)
    return client


@pytest.fixture
def staff(cooperative):
    return helpers.make_member(cooperative, "manager", username="staf")


def text_of(response) -> str:
    return response.content.decode()


def photo_upload(name: str = "foto.jpg", data: bytes | None = None):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, data if data is not None else photo_bytes(), content_type="image/jpeg")


def test_after_delivery_the_order_page_offers_a_review_and_a_complaint_for_each_line(owner, order):
    html = text_of(owner.get(url("storefront:order", order.code)))
    for line in order.lines.all():
        assert url("feedback:review_line", order.code, line.pk) in html
        assert url("feedback:complain_line", order.code, line.pk) in html


def test_the_buyer_reviews_a_line_with_a_photo_and_sees_it_waiting_on_her_order_page(owner, order):
    line = piece_line(order)
    form = owner.get(url("feedback:review_line", order.code, line.pk))
    assert (
        form.status_code == 200
        and 'type="radio"' in text_of(form)
        and 'enctype="multipart/form-data"' in text_of(form)
    )
    response = owner.post(
        url("feedback:review_line", order.code, line.pk),
        {"stars": "5", "text": "Warnanya indah.", "photo": photo_upload()},
    )
    assert response.status_code == 302 and response["Location"].endswith(f"/pesanan/{order.code}/")
    review = Review.objects.get()
    assert (review.order_line, review.stars, review.status) == (line, 5, Review.Status.PENDING)
    assert review.photo is not None
    page = text_of(owner.get(url("storefront:order", order.code)))
    assert "★★★★★" in page and "waiting for moderation" in page
    assert url("feedback:review_line", order.code, line.pk) not in page  # reviewed: no second form


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"stars": "6"}, "Give from 1 to 5 stars."),
        ({"stars": "0"}, "Give from 1 to 5 stars."),
        ({"text": "Bagus"}, "Give from 1 to 5 stars."),
        ({"stars": "4", "text": "x" * 2001}, "at most 2000 characters"),
    ],
)
def test_bad_review_input_gets_a_clear_message_and_records_nothing(owner, order, data, message):
    response = owner.post(url("feedback:review_line", order.code, coffee_line(order).pk), data)
    assert response.status_code == 200 and escape(message) in text_of(response)
    assert Review.objects.count() == 0


def test_a_corrupt_photo_gets_a_clear_message_and_records_nothing(owner, order):
    response = owner.post(
        url("feedback:review_line", order.code, coffee_line(order).pk),
        {"stars": "4", "photo": photo_upload("foto.jpg", b"\xff\xd8\xff\xe0 not really a jpeg")},
    )
    assert response.status_code == 200
    assert "This file is not a photo we can read, or it is damaged." in text_of(response)
    assert Review.objects.count() == 0 and BuyerPhoto.objects.count() == 0 and media_files() == []


def test_a_second_review_and_a_review_before_delivery_are_refused_on_the_page(owner, order, shop):
    line = coffee_line(order)
    write_review(line=line, stars=4)
    again = owner.post(url("feedback:review_line", order.code, line.pk), {"stars": "1"})
    assert again.status_code == 200 and "You have already reviewed this item." in text_of(again)
    assert list(Review.objects.values_list("stars", flat=True)) == [4]

    shipped = order_in(shop, S.SHIPPED, coffee=1, piece=False)
    prove_order(owner, shipped)
    early = owner.post(url("feedback:review_line", shipped.code, shipped.lines.get().pk), {"stars": "5"})
    assert "once the order has been delivered" in text_of(early) and Review.objects.count() == 1
    assert url("feedback:review_line", shipped.code, shipped.lines.get().pk) not in text_of(
        owner.get(url("storefront:order", shipped.code))
    )


def forged_cookie(codes: list[str]) -> str:
    """A cookie that says the browser owns these orders, signed with a key that is not the site's."""
    signer = signing.get_cookie_signer(salt=ORDERS_COOKIE + "sambung.orders")
    signer.key = "not-the-site-key"
    return signer.sign(json.dumps(codes))


@pytest.mark.parametrize("page", ["feedback:review_line", "feedback:complain_line"])
@pytest.mark.parametrize("who", ["no cookie", "forged cookie", "unsigned cookie", "another order's buyer"])
def test_anyone_but_the_buyer_gets_404_like_a_missing_order_and_records_nothing(shop, order, page, who):
    client = Client()
    if who == "forged cookie":
        client.cookies[ORDERS_COOKIE] = forged_cookie([order.code])
    elif who == "unsigned cookie":
        client.cookies[ORDERS_COOKIE] = json.dumps([order.code])
    elif who == "another order's buyer":
        prove_order(client, delivered_order(shop, piece=False, coffee=1))
    line = coffee_line(order)
    data = {"stars": "5", "reason": "defect", "text": "Palsu."}
    assert client.get(url(page, order.code, line.pk)).status_code == 404
    assert client.post(url(page, order.code, line.pk), data).status_code == 404
    assert client.get(url(page, "SB-TIDAKADA", line.pk)).status_code == 404
    assert Review.objects.count() == 0 and Complaint.objects.count() == 0


@pytest.mark.parametrize("page", ["feedback:review_line", "feedback:complain_line"])
def test_a_line_of_another_order_under_the_buyers_order_code_is_missing(owner, shop, order, page):
    others = delivered_order(shop, piece=False, coffee=1)
    response = owner.post(
        url(page, order.code, others.lines.get().pk), {"stars": "5", "reason": "defect", "text": "x"}
    )
    assert response.status_code == 404 and Review.objects.count() == 0 and Complaint.objects.count() == 0


@pytest.mark.parametrize("page", ["feedback:review_line", "feedback:complain_line"])
def test_a_post_without_the_csrf_token_is_refused(order, page):
    client = Client(enforce_csrf_checks=True)
    prove_order_with_token(client, order)
    response = client.post(
        url(page, order.code, coffee_line(order).pk), {"stars": "5", "reason": "defect", "text": "x"}
    )
    assert response.status_code == 403
    assert Review.objects.count() == 0 and Complaint.objects.count() == 0


def prove_order_with_token(client: Client, order) -> None:
    page = client.get("/pesanan/")
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', text_of(page)).group(1)
    response = client.post(
        "/pesanan/", {"code": order.code, "phone": order.buyer_phone, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302


def test_the_buyer_opens_a_complaint_and_follows_it_to_its_resolution_on_her_order_page(owner, order, staff):
    line = piece_line(order)
    form = owner.get(url("feedback:complain_line", order.code, line.pk))
    assert all(f'value="{reason}"' in text_of(form) for reason in ("defect", "late", "wrong_item"))
    response = owner.post(
        url("feedback:complain_line", order.code, line.pk),
        {"reason": "defect", "text": "Ada benang putus di tengah.", "photo": photo_upload()},
    )
    assert response.status_code == 302
    complaint = Complaint.objects.get()
    assert (complaint.order_line, complaint.reason, complaint.status) == (line, "defect", "open")
    page = text_of(owner.get(url("storefront:order", order.code)))
    assert "Complaint (defect): open" in page and "Ada benang putus di tengah." in page
    assert url("feedback:complain_line", order.code, line.pk) not in page  # one open complaint per line

    again = owner.post(
        url("feedback:complain_line", order.code, line.pk), {"reason": "late", "text": "Lagi."}
    )
    assert "already have an open complaint" in text_of(again) and Complaint.objects.count() == 1

    resolve_complaint(
        complaint=complaint, user=staff, resolution=Resolution.REFUND, amount=200_000, note="Maaf."
    )
    page = text_of(owner.get(url("storefront:order", order.code)))
    assert "Complaint (defect): refunded" in page and "Rp 200.000" in page and "Maaf." in page


def test_before_delivery_only_lateness_can_be_reported(owner, shop):
    shipped = order_in(shop, S.SHIPPED, coffee=1, piece=False)
    prove_order(owner, shipped)
    line = shipped.lines.get()
    form = text_of(owner.get(url("feedback:complain_line", shipped.code, line.pk)))
    assert 'value="late"' in form and 'value="defect"' not in form
    refused = owner.post(
        url("feedback:complain_line", shipped.code, line.pk), {"reason": "defect", "text": "x"}
    )
    assert refused.status_code == 200 and Complaint.objects.count() == 0
    assert (
        owner.post(
            url("feedback:complain_line", shipped.code, line.pk), {"reason": "late", "text": "Sudah lama."}
        ).status_code
        == 302
    )


def test_an_unpaid_order_page_has_no_feedback_section(owner, shop):
    unpaid = order_in(shop, S.AWAITING_PAYMENT, coffee=1, piece=False)
    prove_order(owner, unpaid)
    assert "/keluhan/" not in text_of(owner.get(url("storefront:order", unpaid.code)))
    page = owner.get(url("feedback:complain_line", unpaid.code, unpaid.lines.get().pk))
    assert "once the order is paid" in text_of(page) and "<form" not in text_of(page).split("<main>")[1]


def test_the_product_page_shows_approved_reviews_with_their_stars_average_and_maker(buyer, shop, staff):
    approved = write_review(line=piece_line(delivered_order(shop, coffee=0)), stars=5, text="Tenunan halus.")
    moderate_review(review=approved, user=staff, approve=True)
    product = shop.sarong.product
    hidden = Review.objects.create(  # a pending review never shows, however it got there
        order_line=coffee_line(delivered_order(shop, piece=False, coffee=1)),
        product=product,
        cooperative=shop.cooperative,
        stars=1,
        text="Belum dimoderasi.",
    )
    html = text_of(buyer.get(f"/en/produk/{product.slug}/"))
    assert "Tenunan halus." in html and "★★★★★" in html and "5.0 of 5, from 1 review" in html
    reviews = html.split('id="ulasan"')[1]
    assert "<strong>Maria</strong>" in reviews and "Goreti" not in reviews  # the buyer's first name only
    assert f"piece {shop.piece.code}, made by {shop.piece.maker.name}" in reviews
    assert hidden.text not in html


def test_a_product_page_full_of_long_reviews_stays_within_the_page_budget(buyer, shop, staff):
    product = shop.coffee.product
    for number in range(12):
        review = write_review(
            line=delivered_order(shop, piece=False, coffee=1).lines.get(),
            stars=1 + number % 5,
            text=f"Ulasan {number}: " + "kopi harum, sangrai pas, kemasan rapi. " * 50,
            photo=photo_bytes((320, 240)) if number % 2 else None,
        )
        moderate_review(review=review, user=staff, approve=True)
        helpers.make_stock(product, shop.location, 1)
    html = buyer.get(f"/produk/{product.slug}/").content
    assert html.count(b'class="stars"') == 1 + 10  # the summary and the ten newest
    assert len(gzip.compress(html, 9)) <= PAGE_BUDGET_BYTES
