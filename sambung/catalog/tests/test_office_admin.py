"""Django admin for the superuser: every registered model opens; catalogue saves go through the writers."""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from sambung.accounts.models import Membership, Role
from sambung.catalog.models import Product
from sambung.catalog.photos import add_photo
from sambung.tests.helpers import (
    SIKKA_VILLAGE,
    image_bytes,
    make_category,
    make_location,
    make_maker,
    make_member,
    make_piece,
    make_product,
    make_user,
)


@pytest.fixture
def superuser(cooperative):
    client = Client()
    client.force_login(make_user("admin", is_superuser=True, is_staff=True))
    return client


@pytest.fixture
def rows(cooperative):
    product = make_product(cooperative)
    piece = make_piece(product, make_maker(cooperative), location=make_location(cooperative))
    add_photo(upload=image_bytes((64, 48)), piece=piece)
    make_member(cooperative, Role.MAKER)


def test_superuser_opens_the_list_and_each_row_of_every_registered_model(superuser, rows):
    for model in admin.site._registry:
        meta = model._meta
        changelist = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
        assert superuser.get(changelist).status_code == 200, changelist
        row = model.objects.first()
        if row is not None:
            change = reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[row.pk])
            assert superuser.get(change).status_code == 200, change


def test_product_saved_in_the_admin_gets_its_search_text(superuser, cooperative):
    category = make_category()
    data = {
        "cooperative": cooperative.pk,
        "category": category.pk,
        "slug": "sarung-okukirei",
        "title_id": "Sarung Okukirei",
        "village_code": SIKKA_VILLAGE,
    }

    response = superuser.post(reverse("admin:catalog_product_add"), data)

    assert response.status_code == 302
    assert "okukirei" in Product.objects.get(slug="sarung-okukirei").search_text


def test_admin_refuses_a_membership_naming_another_cooperatives_maker(
    superuser, cooperative, other_cooperative
):
    user = make_user()
    data = {
        "user": user.pk,
        "cooperative": cooperative.pk,
        "role": Role.MAKER,
        "maker": make_maker(other_cooperative).pk,
    }

    response = superuser.post(reverse("admin:accounts_membership_add"), data)

    assert response.status_code == 200
    assert not Membership.objects.filter(user=user).exists()
