"""Makers in the back office: the manager records them; a maker sees her own record only."""

import pytest

from sambung.catalog.models import Maker
from sambung.catalog.tests import maker_of, office_url, page_text, shows
from sambung.tests.helpers import NITA_VILLAGE, SIKKA_VILLAGE, make_maker

JAKARTA_VILLAGE = "31.71.01.1001"  # Gambir, Jakarta Pusat: a real village, but not in Kabupaten Sikka


def maker_data(**overrides) -> dict:
    data = {
        "name": "Maria Goreti Nona",
        "village_code": SIKKA_VILLAGE,
        "phone": "081234567890",
        "skills": "memintal, menenun",
        "bio_id": "Menenun sejak umur dua belas.",
        "bio_en": "Weaving since she was twelve.",
        "shows_name": "on",
        "is_active": "on",
    }
    data.update(overrides)
    return data


def test_manager_records_a_maker_of_a_village_of_the_regency(manager, cooperative):
    response = manager.post(office_url("maker_create", cooperative.slug), maker_data(), follow=True)

    maker = Maker.objects.get(name="Maria Goreti Nona")
    assert maker.cooperative == cooperative
    assert maker.village_code == SIKKA_VILLAGE
    assert (maker.phone, maker.skills) == ("081234567890", "memintal, menenun")
    assert (maker.bio_id, maker.bio_en) == ("Menenun sejak umur dua belas.", "Weaving since she was twelve.")
    assert maker.shows_name and not maker.shows_photo and maker.is_active
    assert response.redirect_chain == [(office_url("maker_detail", cooperative.slug, maker.pk), 302)]
    assert shows(response, "Maker Maria Goreti Nona saved.")


def test_manager_edits_a_maker(manager, cooperative):
    maker = make_maker(cooperative, name="Yosefina Dua")
    data = maker_data(name="Yosefina Dua Lero", village_code=NITA_VILLAGE, shows_name="", shows_photo="on")

    response = manager.post(office_url("maker_edit", cooperative.slug, maker.pk), data)

    assert response.status_code == 302
    maker.refresh_from_db()
    assert (maker.name, maker.village_code) == ("Yosefina Dua Lero", NITA_VILLAGE)
    assert not maker.shows_name and maker.shows_photo
    assert Maker.objects.count() == 1


def test_maker_form_offers_the_villages_of_the_regency_grouped_by_district(manager, cooperative):
    html = page_text(manager.get(office_url("maker_create", cooperative.slug)))
    assert '<optgroup label="Lela">' in html
    assert f'<option value="{SIKKA_VILLAGE}">Sikka</option>' in html
    assert JAKARTA_VILLAGE not in html


@pytest.mark.parametrize("village_code", [JAKARTA_VILLAGE, "99.99.99.9999", "53.07", "desa sikka"])
def test_maker_of_a_village_outside_the_regency_is_refused(manager, cooperative, village_code):
    response = manager.post(
        office_url("maker_create", cooperative.slug), maker_data(village_code=village_code)
    )

    assert response.status_code == 200
    assert shows(
        response, f"Choose a village from the list: {village_code} is not a village of this regency."
    )
    assert shows(response, "Nothing was saved.")
    assert not Maker.objects.exists()


def test_maker_without_a_name_is_refused(manager, cooperative):
    response = manager.post(office_url("maker_create", cooperative.slug), maker_data(name="   "))

    assert shows(response, "Enter the maker's name.")
    assert not Maker.objects.filter(cooperative=cooperative).exists()


def test_edit_refused_for_bad_input_leaves_the_maker_unchanged(manager, cooperative):
    maker = make_maker(cooperative, name="Theresia Bura")

    response = manager.post(
        office_url("maker_edit", cooperative.slug, maker.pk),
        maker_data(name="", village_code=JAKARTA_VILLAGE),
    )

    assert response.status_code == 200
    maker.refresh_from_db()
    assert (maker.name, maker.village_code) == ("Theresia Bura", SIKKA_VILLAGE)
    assert shows(response, "Edit Theresia Bura")


def test_maker_sees_her_own_record_and_her_pieces_only(maker_user, cooperative):
    own = maker_of("penenun")
    other = make_maker(cooperative, name="Agustina Moa")

    assert maker_user.get(office_url("maker_detail", cooperative.slug, own.pk)).status_code == 200
    assert maker_user.get(office_url("maker_detail", cooperative.slug, other.pk)).status_code == 404
    assert maker_user.get(office_url("maker_list", cooperative.slug)).status_code == 404
    dashboard = maker_user.get(office_url("dashboard", cooperative.slug))
    assert office_url("maker_detail", cooperative.slug, own.pk) in page_text(dashboard)
    assert "Add a maker" not in page_text(dashboard)


def test_viewer_sees_makers_without_buttons_to_change_them(viewer, cooperative):
    maker = make_maker(cooperative, name="Katarina Sega")

    listing = viewer.get(office_url("maker_list", cooperative.slug))
    detail = viewer.get(office_url("maker_detail", cooperative.slug, maker.pk))

    assert shows(listing, "Katarina Sega")
    assert office_url("maker_create", cooperative.slug) not in page_text(listing)
    assert office_url("maker_edit", cooperative.slug, maker.pk) not in page_text(detail)
