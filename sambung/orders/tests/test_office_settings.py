"""Payment and shipping settings: good input is saved through the writers; bad input is refused with a message
and saves nothing."""

import binascii

import pytest
from django.test import Client

from sambung.catalog.models import Cooperative
from sambung.demo.cooperative import DEMO_QRIS
from sambung.lib.qris import InvalidQris
from sambung.orders.cart import PricedLine
from sambung.orders.checkout import quote_shipping, start_checkout
from sambung.orders.models import ShippingRate
from sambung.orders.payments import InvalidPaymentDetails, save_payment_details
from sambung.orders.shipping_rates import InvalidShippingRate, save_shipping_rate
from sambung.orders.tests.test_office_orders import flashed, make_shop, shows, url
from sambung.tests import helpers

BANK = {
    "bank_name": "Bank NTT",
    "bank_account_number": "001.02.03.004567-8",
    "bank_account_name": "Kop Nian Tana",
}
RATE = {
    "courier": "SiCepat REG",
    "destination": "53.07",
    "first_kg": "Rp 12.000",
    "next_kg": "9000",
    "days_min": "1",
    "days_max": "3",
    "is_active": "on",
}


def with_crc(body: str) -> str:
    data = body + "6304"
    return data + f"{binascii.crc_hqx(data.encode(), 0xFFFF):04X}"


def payment_details(cooperative: Cooperative) -> tuple:
    cooperative.refresh_from_db()
    return (
        cooperative.qris_static,
        cooperative.bank_name,
        cooperative.bank_account_number,
        cooperative.bank_account_name,
    )


def rates(cooperative) -> list[tuple]:
    return list(
        ShippingRate.objects.filter(cooperative=cooperative)
        .order_by("courier", "destination")
        .values_list("courier", "destination", "first_kg", "next_kg", "days_min", "days_max", "is_active")
    )


# Payments


def test_manager_saves_the_static_qris_and_the_bank_account(manager, cooperative):
    response = manager.post(
        url("payment_settings", cooperative.slug), {"qris_static": f"  {DEMO_QRIS}\n", **BANK}
    )
    assert response.status_code == 302 and response.url == url("payment_settings", cooperative.slug)
    assert flashed(response) == ["Payment details saved."]
    assert payment_details(cooperative) == (DEMO_QRIS, *BANK.values())


def test_payment_settings_show_whose_qris_code_is_saved(manager, cooperative):
    save_payment_details(cooperative=cooperative, qris_static=DEMO_QRIS, **BANK)
    response = manager.get(url("payment_settings", cooperative.slug))
    assert shows(response, "KOP TENUN NIAN TANA, MAUMERE") and "<svg" in response.content.decode()
    assert shows(response, "001.02.03.004567-8")


BAD_QRIS = [
    ("wrong check digits", DEMO_QRIS[:-4] + "0000", "check digits (CRC) do not match"),
    ("cut off", DEMO_QRIS[:60], "cut off"),
    ("a web address", "https://bank.example/qris/12345", "not a QRIS code"),
    ("plain text", "000201 hello", "QRIS"),
    ("a dynamic code", with_crc(DEMO_QRIS[:-8].replace("010211", "010212", 1)), "not a static one"),
]


@pytest.mark.parametrize(("label", "payload", "message"), BAD_QRIS, ids=[case[0] for case in BAD_QRIS])
def test_a_bad_qris_code_is_refused_with_the_reason_and_nothing_is_saved(
    manager, cooperative, label, payload, message
):
    before = payment_details(cooperative)
    response = manager.post(url("payment_settings", cooperative.slug), {"qris_static": payload, **BANK})
    assert response.status_code == 200
    assert shows(response, "Nothing was saved")
    assert shows(response, message), label
    assert payment_details(cooperative) == before


def test_a_half_filled_bank_account_is_refused_and_nothing_is_saved(manager, cooperative):
    before = payment_details(cooperative)
    response = manager.post(
        url("payment_settings", cooperative.slug),
        {
            "qris_static": DEMO_QRIS,
            "bank_name": "Bank NTT",
            "bank_account_number": "",
            "bank_account_name": "",
        },
    )
    assert response.status_code == 200
    assert shows(response, "Fill in the bank, the account number and the account holder together")
    assert payment_details(cooperative) == before


def test_an_account_number_with_letters_is_refused(manager, cooperative):
    response = manager.post(
        url("payment_settings", cooperative.slug), {**BANK, "bank_account_number": "nomor rekening"}
    )
    assert response.status_code == 200 and shows(response, "only digits, dots, dashes and spaces")
    assert payment_details(cooperative) == ("", "", "", "")


def test_emptying_the_qris_code_leaves_bank_transfer_only(manager, cooperative):
    save_payment_details(cooperative=cooperative, qris_static=DEMO_QRIS, **BANK)
    manager.post(url("payment_settings", cooperative.slug), {"qris_static": "", **BANK})
    assert payment_details(cooperative) == ("", *BANK.values())


def test_the_payment_writer_refuses_bad_input_itself(cooperative):
    with pytest.raises(InvalidQris):
        save_payment_details(cooperative=cooperative, qris_static=DEMO_QRIS[:-1] + "0", **BANK)
    with pytest.raises(InvalidPaymentDetails):
        save_payment_details(cooperative=cooperative, qris_static="", **{**BANK, "bank_account_name": " "})
    with pytest.raises(InvalidPaymentDetails):
        save_payment_details(cooperative=cooperative, qris_static="", **{**BANK, "bank_name": "B" * 61})
    assert payment_details(cooperative) == ("", "", "", "")


def test_payment_settings_post_without_csrf_token_is_refused(cooperative):
    client = Client(enforce_csrf_checks=True)
    client.force_login(helpers.make_member(cooperative, "manager", username="manajer"))
    response = client.post(url("payment_settings", cooperative.slug), {"qris_static": DEMO_QRIS, **BANK})
    assert response.status_code == 403
    assert payment_details(cooperative) == ("", "", "", "")


# Shipping rates


def test_manager_adds_a_rate_and_checkout_quotes_it(manager, cooperative):
    response = manager.post(url("shipping_rate_create", cooperative.slug), RATE)
    assert response.status_code == 302 and response.url == url("shipping_rate_list", cooperative.slug)
    assert rates(cooperative) == [("SiCepat REG", "53.07", 12_000, 9_000, 1, 3, True)]
    shop = make_shop(cooperative)
    checkout = start_checkout(cooperative=cooperative, lines=[PricedLine(shop.coffee, None, 1)])
    quoted = {
        rate.courier for rate, _kg, _price in quote_shipping(checkout=checkout, village_code="53.07.04.2001")
    }
    assert "SiCepat REG" in quoted


def test_the_rate_list_names_each_zone(manager, cooperative):
    helpers.make_shipping_rate(cooperative, courier="POS", destination="53")
    helpers.make_shipping_rate(cooperative, courier="POS", destination="")
    response = manager.get(url("shipping_rate_list", cooperative.slug))
    assert shows(response, "Nusa Tenggara Timur (53)") and shows(response, "anywhere")
    assert shows(response, "Rp 50.000")


def test_manager_edits_a_rate(manager, cooperative):
    rate = helpers.make_shipping_rate(cooperative, destination="53.07")
    manager.post(url("shipping_rate_edit", cooperative.slug, rate.pk), {**RATE, "courier": "JNE REG"})
    assert rates(cooperative) == [("JNE REG", "53.07", 12_000, 9_000, 1, 3, True)]


def test_a_deactivated_rate_is_no_longer_quoted_at_checkout(manager, cooperative):
    shop = make_shop(cooperative)
    response = manager.post(url("shipping_rate_deactivate", cooperative.slug, shop.rate.pk))
    assert response.status_code == 302
    shop.rate.refresh_from_db()
    assert shop.rate.is_active is False
    checkout = start_checkout(cooperative=cooperative, lines=[PricedLine(shop.coffee, None, 1)])
    assert quote_shipping(checkout=checkout, village_code="53.07.04.2001") == []
    # It stays listed, to be switched on again from its form.
    assert shows(manager.get(url("shipping_rate_list", cooperative.slug)), "inactive")


BAD_RATES = [
    ("unknown province", {"destination": "99"}, "is not a province or regency"),
    ("unknown regency", {"destination": "53.99"}, "is not a province or regency"),
    ("a village code", {"destination": "53.07.04.2001"}, "Enter a province code such as 53"),
    ("no dot", {"destination": "5307"}, "Enter a province code such as 53"),
    ("letters", {"destination": "NTT"}, "Enter a province code such as 53"),
    ("days the wrong way round", {"days_min": "5", "days_max": "2"}, "cannot be fewer than the least"),
    ("negative days", {"days_min": "-1"}, "from 0 to 60"),
    ("a year in transit", {"days_max": "365"}, "from 0 to 60"),
    ("negative price", {"first_kg": "-5000"}, "from Rp 0 to Rp 10.000.000"),
    ("absurd price", {"next_kg": "10000001"}, "from Rp 0 to Rp 10.000.000"),
    ("absurd price with dots", {"first_kg": "Rp 250.000.000"}, "from Rp 0 to Rp 10.000.000"),
    ("price in words", {"first_kg": "dua puluh ribu"}, "whole rupiah"),
    ("no courier", {"courier": "  "}, "Enter the courier service"),
]


@pytest.mark.parametrize(("label", "change", "message"), BAD_RATES, ids=[case[0] for case in BAD_RATES])
def test_a_bad_rate_is_refused_with_the_reason_and_nothing_is_saved(
    manager, cooperative, label, change, message
):
    existing = helpers.make_shipping_rate(cooperative, courier="JNE REG", destination="53")
    before = rates(cooperative)
    for address in (
        url("shipping_rate_create", cooperative.slug),
        url("shipping_rate_edit", cooperative.slug, existing.pk),
    ):
        response = manager.post(address, {**RATE, **change})
        assert response.status_code == 200, label
        assert shows(response, "Nothing was saved") and shows(response, message), label
    assert rates(cooperative) == before


def test_a_second_rate_for_the_same_courier_and_zone_is_refused(manager, cooperative):
    helpers.make_shipping_rate(cooperative, courier="SiCepat REG", destination="53.07")
    before = rates(cooperative)
    response = manager.post(url("shipping_rate_create", cooperative.slug), RATE)
    assert response.status_code == 200 and shows(response, "already has a rate for this destination")
    assert rates(cooperative) == before


def test_the_shipping_rate_writer_refuses_bad_input_itself(cooperative):
    for fields in [
        {"destination": "99"},
        {"first_kg": -1},
        {"next_kg": 10_000_001},
        {"days_min": 4, "days_max": 3},
        {"courier": ""},
    ]:
        rate = ShippingRate(
            cooperative=cooperative,
            **{"courier": "JNE", "destination": "53", "first_kg": 1, "next_kg": 1, **fields},
        )
        with pytest.raises(InvalidShippingRate):
            save_shipping_rate(rate=rate)
    assert rates(cooperative) == []


def test_shipping_rate_post_without_csrf_token_is_refused(cooperative):
    client = Client(enforce_csrf_checks=True)
    client.force_login(helpers.make_member(cooperative, "manager", username="manajer"))
    assert client.post(url("shipping_rate_create", cooperative.slug), RATE).status_code == 403
    assert rates(cooperative) == []


def test_every_post_form_on_the_settings_pages_carries_a_csrf_token(manager, cooperative):
    rate = helpers.make_shipping_rate(cooperative)
    for page in [
        url("payment_settings", cooperative.slug),
        url("shipping_rate_list", cooperative.slug),
        url("shipping_rate_create", cooperative.slug),
        url("shipping_rate_edit", cooperative.slug, rate.pk),
    ]:
        html = manager.get(page).content.decode()
        assert html.count('method="post"') == html.count('name="csrfmiddlewaretoken"') >= 2, page
