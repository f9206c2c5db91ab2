"""The manager's side: the moderation queue, complaints and their resolution, the listing-quality page."""

from io import StringIO

import pytest
from django.contrib.messages import get_messages
from django.core.management import call_command
from django.test import Client
from django.utils.html import escape

from sambung.catalog.photos import add_photo
from sambung.feedback import views
from sambung.feedback.complaints import open_complaint
from sambung.feedback.models import Complaint, ComplaintEvent, PhotoCheck, Review
from sambung.feedback.reviews import write_review
from sambung.feedback.tests import coffee_line, delivered_order, make_shop, piece_line, prove_order, url
from sambung.tests import helpers


@pytest.fixture
def shop(cooperative):
    return make_shop(cooperative)


@pytest.fixture
def order(shop):
    return delivered_order(shop)


def text_of(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def test_the_queue_shows_waiting_reviews_oldest_first_with_their_piece_and_maker(
    manager, cooperative, order, shop
):
    first = write_review(line=piece_line(order), stars=5, text="Pertama.")
    write_review(line=coffee_line(order), stars=3, text="Kedua.")
    html = text_of(manager.get(url("feedback:review_list", cooperative.slug)))
    assert html.index("Pertama.") < html.index("Kedua.")
    assert escape(shop.piece.maker.name) in html and order.code in html
    assert url("feedback:review_moderate", cooperative.slug, first.pk) in html


def test_publishing_puts_the_review_on_the_product_page(manager, buyer, cooperative, order, shop):
    review = write_review(line=piece_line(order), stars=4, text="Rapi sekali.")
    product_page = f"/en/produk/{shop.sarong.product.slug}/"
    assert "Rapi sekali." not in text_of(buyer.get(product_page))
    response = manager.post(
        url("feedback:review_moderate", cooperative.slug, review.pk), {"decision": "approve"}
    )
    assert response.status_code == 302 and messages_of(response) == ["Review published."]
    assert Review.objects.get().status == Review.Status.APPROVED
    assert "Rapi sekali." in text_of(buyer.get(product_page))
    published = text_of(manager.get(url("feedback:review_list", cooperative.slug) + "?status=approved"))
    assert "Rapi sekali." in published and 'name="decision"' not in published


def test_keeping_a_review_off_needs_a_reason_which_the_buyer_then_reads(manager, cooperative, order):
    review = write_review(line=coffee_line(order), stars=1, text="Hubungi saya di 0812…")
    response = manager.post(
        url("feedback:review_moderate", cooperative.slug, review.pk), {"decision": "reject"}
    )
    assert messages_of(response) == ["Say why the review is not published; the buyer sees the reason."]
    assert Review.objects.get().status == Review.Status.PENDING
    manager.post(
        url("feedback:review_moderate", cooperative.slug, review.pk),
        {"decision": "reject", "reason": "Ulasan tidak boleh memuat nomor telepon."},
        follow=True,
    )
    assert Review.objects.get().status == Review.Status.REJECTED
    again = manager.post(
        url("feedback:review_moderate", cooperative.slug, review.pk), {"decision": "approve"}
    )
    assert messages_of(again) == ["This review has already been moderated; reload the page."]
    buyer = Client()
    prove_order(buyer, order)
    assert "Ulasan tidak boleh memuat nomor telepon." in text_of(
        buyer.get(url("storefront:order", order.code))
    )


def test_complaints_are_listed_open_first_and_resolved_ones_on_their_own_tab(manager, cooperative, order):
    complaint = open_complaint(line=piece_line(order), reason="damaged_in_transit", text="Basah kena hujan.")
    listing = text_of(manager.get(url("feedback:complaint_list", cooperative.slug)))
    assert (
        url("feedback:complaint_detail", cooperative.slug, complaint.pk) in listing
        and "Damaged in transit" in listing
    )
    refunded = text_of(manager.get(url("feedback:complaint_list", cooperative.slug) + "?status=refunded"))
    assert "No complaints here." in refunded
    assert "Damaged in transit" in text_of(
        manager.get(url("feedback:complaint_list", cooperative.slug) + "?status=all")
    )


def test_a_refund_above_what_was_paid_is_refused_on_the_page_and_nothing_changes(manager, cooperative, order):
    complaint = open_complaint(line=coffee_line(order), reason="defect", text="Kemasan sobek.")
    detail = url("feedback:complaint_detail", cooperative.slug, complaint.pk)
    page = text_of(manager.get(detail))
    assert "Kemasan sobek." in page and "At most Rp 85.000" in page and order.buyer_name in page
    resolve = url("feedback:complaint_resolve", cooperative.slug, complaint.pk)
    too_much = manager.post(resolve, {"resolution": "refund", "amount": "85001"})
    assert too_much.status_code == 200
    assert "The refund can be at most Rp 85.000" in text_of(too_much)
    no_reason = manager.post(resolve, {"resolution": "refusal", "note": ""})
    assert "Explain to the buyer why the complaint is refused." in text_of(no_reason)
    no_amount = manager.post(resolve, {"resolution": "refund", "amount": ""})
    assert "Enter the amount to refund, in whole rupiah." in text_of(no_amount)
    assert Complaint.objects.get().status == Complaint.Status.OPEN and ComplaintEvent.objects.count() == 1

    done = manager.post(resolve, {"resolution": "refund", "amount": "Rp 85.000", "note": "Maaf."})
    assert done.status_code == 302
    stored = Complaint.objects.get()
    assert (stored.status, stored.refund_amount) == (Complaint.Status.REFUNDED, 85_000)
    resolved_page = text_of(manager.get(detail))
    assert "Resolve the complaint" not in resolved_page and "Rp 85.000" in resolved_page


def test_a_message_to_the_buyer_is_a_step_of_the_history(manager, cooperative, order):
    complaint = open_complaint(line=coffee_line(order), reason="late", text="Lama sekali.")
    message = url("feedback:complaint_message", cooperative.slug, complaint.pk)
    empty = manager.post(message, {"note": ""})
    assert empty.status_code == 200 and "Write the message to the buyer." in text_of(empty)
    assert manager.post(message, {"note": "Paket sudah di Kupang."}).status_code == 302
    event = ComplaintEvent.objects.get(kind="note")
    assert event.note == "Paket sudah di Kupang." and event.actor.username == "manajer"


# Listing quality


def test_the_listing_page_lists_products_worst_first_with_their_fixes(manager, cooperative):
    complete = helpers.make_product(
        cooperative,
        title_id="Sarung lengkap",
        title_en="Complete sarong",
        story_id="Ditenun di Desa Sikka oleh penenun koperasi dengan benang pintal tangan dan pewarna alam.",
        story_en="Woven in the village of Sikka by the cooperative's weavers from handspun cotton and natural dyes.",
        motif="Jentu",
        motif_meaning_id="Bunga mekar.",
        motif_meaning_en="A flower in bloom.",
        dyes_used="tarum",
        length_cm=180,
        width_cm=65,
        weight_g=700,
        care_id="Cuci tangan.",
        care_en="Hand wash.",
    )
    for _ in range(3):
        add_photo(upload=helpers.image_bytes((1600, 1200), color=(90, 60, 40)), product=complete)
    bare = helpers.make_product(cooperative, title_id="Sarung kosong", title_en="", is_published=False)
    response = manager.get(url("feedback:listing_quality", cooperative.slug))
    html = text_of(response)
    assert html.index("Sarung kosong") < html.index("Complete sarong")
    assert "Add at least 3 photos" in html and "Enter the weight in grams" in html
    assert url("office:product_photos", cooperative.slug, bare.pk) in html
    assert PhotoCheck.objects.count() == 3
    scores = {row.product: row.score for row in response.context["page"]}
    assert scores[bare] < 50 <= scores[complete]


def test_the_listing_page_measures_a_few_photos_per_visit_and_says_how_many_are_left(
    manager, cooperative, monkeypatch
):
    monkeypatch.setattr(views, "MEASURE_PER_REQUEST", 2)
    product = helpers.make_product(cooperative)
    for _ in range(3):
        add_photo(upload=helpers.image_bytes((64, 48)), product=product)
    PhotoCheck.objects.all().delete()  # as photos stored before they were measured at upload
    first = text_of(manager.get(url("feedback:listing_quality", cooperative.slug)))
    assert PhotoCheck.objects.count() == 2 and "1 photo is not checked yet" in first
    second = text_of(manager.get(url("feedback:listing_quality", cooperative.slug)))
    assert PhotoCheck.objects.count() == 3 and "not checked yet" not in second


def test_the_dashboard_links_to_the_new_pages_by_role(manager, operator, maker_user, cooperative):
    slug = cooperative.slug
    links = [url(f"feedback:{name}", slug) for name in ("review_list", "complaint_list", "listing_quality")]
    for_manager = text_of(manager.get(url("office:dashboard", slug)))
    assert all(link in for_manager for link in links)
    for_operator = text_of(operator.get(url("office:dashboard", slug)))
    assert links[2] in for_operator and links[0] not in for_operator and links[1] not in for_operator
    for_maker = text_of(maker_user.get(url("office:dashboard", slug)))
    assert not any(link in for_maker for link in links)


def test_the_command_measures_every_photo_left(cooperative, other_cooperative):
    for coop in (cooperative, other_cooperative):
        add_photo(upload=helpers.image_bytes((64, 48)), product=helpers.make_product(coop))
    PhotoCheck.objects.all().delete()  # as photos stored before they were measured at upload
    out = StringIO()
    call_command("measure_listing_photos", stdout=out)
    assert out.getvalue().strip() == "2 of 2 photos measured." and PhotoCheck.objects.count() == 2


def test_a_complaint_leads_to_the_piece_its_maker_and_the_inspection_that_put_it_on_sale(
    manager, cooperative, order, shop
):
    complaint = open_complaint(line=piece_line(order), reason="defect", text="Benang putus.")
    page = text_of(manager.get(url("feedback:complaint_detail", cooperative.slug, complaint.pk)))
    assert url("office:piece_detail", cooperative.slug, shop.piece.pk) in page
    assert url("office:maker_detail", cooperative.slug, shop.piece.maker_id) in page
    assert "grade A on" in page and "(hub operator)" in page
    # Counted goods: the batch inspection of the SKU where the units were sold from.
    bag = open_complaint(line=coffee_line(order), reason="defect", text="Kemasan sobek.")
    assert "grade A on" in text_of(manager.get(url("feedback:complaint_detail", cooperative.slug, bag.pk)))
