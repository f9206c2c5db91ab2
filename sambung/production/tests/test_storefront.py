"""What buyers see: honest availability on cards and product pages, and the waitlist form."""

import datetime
import gzip

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import formats, timezone, translation

from sambung.production.models import WaitlistEntry
from sambung.storefront.tests.test_pages import PAGE_BUDGET_BYTES
from sambung.tests import helpers


def product_url(product) -> str:
    with translation.override("en"):
        return reverse("storefront:product_detail", args=[product.slug])


def waitlist_url(product) -> str:
    with translation.override("en"):
        return reverse("production:waitlist_join", args=[product.slug])


def text(response) -> str:
    return response.content.decode()


def short(day: datetime.date) -> str:
    with translation.override("en"):
        return formats.date_format(day, "j M")


def test_cards_say_ready_made_to_order_with_a_date_or_not_within_the_limit(buyer, weaver, sarong, shawl, hub):
    ready = helpers.make_product(sarong.cooperative, category=sarong.category, title_en="Ready sarong")
    helpers.make_stock(ready, hub, 2)
    page = text(buyer.get("/en/produk/"))
    ships_by = timezone.localdate() + datetime.timedelta(days=13 + 2)
    assert f"Made to order — ships by {short(ships_by)}" in page
    assert "Not within 30 days" in page
    assert "Ready to ship (2 available)" in page


def test_product_page_explains_the_date_and_offers_the_waitlist(buyer, weaver, sarong, shawl):
    page = text(buyer.get(product_url(shawl)))
    assert "A maker of the cooperative can weave one for you" in page
    page = text(buyer.get(product_url(sarong)))
    assert "cannot finish one within 30 days" in page
    assert f'action="{waitlist_url(sarong)}"' in page


def test_buyer_joins_the_waitlist_once_and_a_bad_number_gets_a_clear_message(buyer, weaver, sarong):
    response = buyer.post(waitlist_url(sarong), {"contact": "0812 3456 7890"}, follow=True)
    assert "We will tell you as soon as" in text(response)
    response = buyer.post(waitlist_url(sarong), {"contact": "+62 812-3456-7890"}, follow=True)
    assert "already on the list" in text(response)
    response = buyer.post(waitlist_url(sarong), {"contact": "12"}, follow=True)
    assert "WhatsApp" in text(response)
    assert WaitlistEntry.objects.count() == 1


def test_waitlist_needs_a_post_with_a_csrf_token(weaver, sarong):
    client = Client(enforce_csrf_checks=True)
    assert client.get(waitlist_url(sarong)).status_code == 405
    assert client.post(waitlist_url(sarong), {"contact": "0812 3456 7890"}).status_code == 403
    assert not WaitlistEntry.objects.exists()


def test_waitlist_of_an_unpublished_product_is_not_found(buyer, sarong):
    sarong.is_published = False
    sarong.save()
    assert buyer.post(waitlist_url(sarong), {"contact": "0812 3456 7890"}).status_code == 404


@pytest.mark.parametrize("path", ["/", "/en/produk/"])
def test_storefront_lists_compute_promises_without_writing(
    buyer, weaver, sarong, shawl, path, django_assert_max_num_queries
):
    with django_assert_max_num_queries(40):
        assert buyer.get(path).status_code == 200


def test_pages_with_promises_and_the_waitlist_form_stay_within_the_page_budget(buyer, weaver, sarong, shawl):
    for path in ("/", "/produk/", product_url(sarong), product_url(shawl)):
        response = buyer.get(path)
        assert response.status_code == 200
        assert len(gzip.compress(response.content, 9)) <= PAGE_BUDGET_BYTES, path
