"""Django admin for the superuser: orders open read-only; shipping rates are checked by their writer."""

import pytest
from django.test import Client
from django.urls import reverse

from sambung.orders.models import Order, ShippingRate
from sambung.orders.tests.test_office_orders import make_shop, place
from sambung.tests import helpers


@pytest.fixture
def superuser(db):
    client = Client()
    client.force_login(helpers.make_user("admin", is_superuser=True, is_staff=True))
    return client


def test_superuser_reads_orders_with_their_lines_and_events_but_cannot_change_them(superuser, cooperative):
    order = place(make_shop(cooperative), coffee=1)
    assert superuser.get(reverse("admin:orders_order_changelist")).status_code == 200
    response = superuser.get(reverse("admin:orders_order_change", args=[order.pk]))
    assert response.status_code == 200 and order.code in response.content.decode()
    assert superuser.post(reverse("admin:orders_order_change", args=[order.pk]), {}).status_code == 403
    assert superuser.get(reverse("admin:orders_order_add")).status_code == 403
    assert Order.objects.get(pk=order.pk).status == order.status


def test_superuser_adds_a_shipping_rate_through_its_writer(superuser, cooperative):
    data = {
        "cooperative": cooperative.pk,
        "courier": "JNE YES",
        "destination": "53",
        "first_kg": 30_000,
        "next_kg": 20_000,
        "days_min": 1,
        "days_max": 2,
        "is_active": "on",
    }
    response = superuser.post(
        reverse("admin:orders_shippingrate_add"), {**data, "destination": "99"}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 200 and "is not a province or regency" in response.content.decode()
    assert not ShippingRate.objects.exists()
    response = superuser.post(reverse("admin:orders_shippingrate_add"), data)
    assert response.status_code == 302
    assert ShippingRate.objects.get().destination == "53"
