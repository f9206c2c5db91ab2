"""Pieces in the back office: recorded by the hub operator or manager, received into stock at a location."""

import datetime

import pytest

from sambung.catalog.models import Piece
from sambung.catalog.products import save_sku
from sambung.catalog.tests import maker_of, office_url, page_text, shows
from sambung.inventory.models import StockMove
from sambung.tests.helpers import make_location, make_maker, make_piece, make_product


@pytest.fixture
def product(cooperative):
    return make_product(cooperative, title_id="Sarung Jentu", title_en="Jentu sarong")


@pytest.fixture
def maker(cooperative):
    return make_maker(cooperative, name="Bernadete Lero")


@pytest.fixture
def location(cooperative):
    return make_location(cooperative, name="Hub Desa Sikka")


def piece_data(product, maker, **overrides) -> dict:
    data = {
        "sku": str(product.skus.get().pk),
        "maker": str(maker.pk),
        "code": "SKA-2026-014",
        "started_on": "2026-08-01",
        "finished_on": "2026-10-12",
        "length_cm": "182",
        "width_cm": "64",
        "notes_id": "Motif jentu, pewarna tarum.",
        "notes_en": "Jentu motif, indigo dye.",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize("persona", ["manager", "operator"])
def test_piece_recorded_at_a_location_is_received_into_stock(
    request, persona, cooperative, product, maker, location
):
    client = request.getfixturevalue(persona)

    response = client.post(
        office_url("piece_create", cooperative.slug),
        piece_data(product, maker, received_at=str(location.pk)),
        follow=True,
    )

    piece = Piece.objects.get(code="SKA-2026-014")
    assert (piece.sku, piece.maker) == (product.skus.get(), maker)
    assert (piece.started_on, piece.finished_on) == (datetime.date(2026, 8, 1), datetime.date(2026, 10, 12))
    assert (piece.length_cm, piece.width_cm, piece.notes_en) == (182, 64, "Jentu motif, indigo dye.")
    move = StockMove.objects.get(piece=piece)
    assert (move.reason, move.location, move.quantity) == (StockMove.Reason.RECEIPT, location, 1)
    assert move.created_by.username == {"manager": "manajer", "operator": "operator"}[persona]
    assert response.redirect_chain == [(office_url("piece_detail", cooperative.slug, piece.pk), 302)]
    assert shows(response, "Piece SKA-2026-014 saved and received at Hub Desa Sikka.")


def test_piece_recorded_without_a_location_is_not_in_stock(operator, cooperative, product, maker):
    response = operator.post(office_url("piece_create", cooperative.slug), piece_data(product, maker))

    assert response.status_code == 302
    assert Piece.objects.filter(code="SKA-2026-014").exists()
    assert not StockMove.objects.exists()


def test_piece_form_preselects_the_sku_from_the_address(operator, cooperative, product):
    sku = product.skus.get()
    html = page_text(operator.get(office_url("piece_create", cooperative.slug, query=f"sku={sku.pk}")))
    assert f'<option value="{sku.pk}" selected>' in html


def test_operator_edits_a_piece(operator, cooperative, product, maker):
    piece = make_piece(product, maker, code="SKA-1")
    other_maker = make_maker(cooperative)

    response = operator.post(
        office_url("piece_edit", cooperative.slug, piece.pk),
        piece_data(product, other_maker, code="SKA-1", started_on="", finished_on="2026-10-01"),
    )

    assert response.status_code == 302
    piece.refresh_from_db()
    assert (piece.maker, piece.started_on, piece.finished_on) == (
        other_maker,
        None,
        datetime.date(2026, 10, 1),
    )


def test_a_piece_in_stock_keeps_its_sku(manager, cooperative, product, maker, location):
    piece = make_piece(product, maker, location=location)
    other_sku = make_product(cooperative).skus.get()

    manager.post(
        office_url("piece_edit", cooperative.slug, piece.pk),
        piece_data(product, maker, sku=str(other_sku.pk), code=piece.code),
    )

    piece.refresh_from_db()
    assert piece.sku == product.skus.get()


def test_piece_finished_before_it_was_started_is_refused(operator, cooperative, product, maker, location):
    data = piece_data(
        product, maker, started_on="2026-10-12", finished_on="2026-08-01", received_at=location.pk
    )

    response = operator.post(office_url("piece_create", cooperative.slug), data)

    assert response.status_code == 200
    assert shows(response, "The finished date cannot be before the started date.")
    assert not Piece.objects.exists()
    assert not StockMove.objects.exists()


def test_edit_to_finish_before_the_start_is_refused(operator, cooperative, product, maker):
    piece = make_piece(product, maker, started_on=datetime.date(2026, 8, 1))

    response = operator.post(
        office_url("piece_edit", cooperative.slug, piece.pk),
        piece_data(product, maker, code=piece.code, started_on="2026-08-01", finished_on="2026-07-31"),
    )

    assert shows(response, "The finished date cannot be before the started date.")
    piece.refresh_from_db()
    assert piece.finished_on is None


def test_piece_code_already_used_is_refused(operator, cooperative, product, maker, location):
    make_piece(product, maker, code="SKA-2026-014")

    response = operator.post(
        office_url("piece_create", cooperative.slug), piece_data(product, maker, received_at=location.pk)
    )

    assert shows(response, "This code is already used by another piece. Give each piece its own code.")
    assert Piece.objects.count() == 1
    assert not StockMove.objects.exists()


@pytest.mark.parametrize(
    ("field", "message"),
    [
        ("sku", "Choose a SKU of this cooperative."),
        ("maker", "Choose a maker of this cooperative."),
        ("received_at", "Choose a location of this cooperative."),
    ],
)
def test_piece_naming_another_cooperatives_row_is_refused(
    operator, cooperative, other_cooperative, product, maker, location, field, message
):
    theirs = {
        "sku": lambda: make_product(other_cooperative).skus.get(),
        "maker": lambda: make_maker(other_cooperative),
        "received_at": lambda: make_location(other_cooperative),
    }[field]()
    data = piece_data(product, maker, received_at=location.pk)
    data[field] = str(theirs.pk)

    response = operator.post(office_url("piece_create", cooperative.slug), data)

    assert response.status_code == 200
    assert shows(response, message)
    assert not Piece.objects.exists()
    assert not StockMove.objects.exists()


def test_piece_of_an_inactive_sku_is_refused(operator, cooperative, maker):
    product = make_product(cooperative)
    sku = product.skus.get()
    sku.is_active = False
    save_sku(sku=sku)

    response = operator.post(office_url("piece_create", cooperative.slug), piece_data(product, maker))

    assert shows(response, "Choose a SKU of this cooperative.")
    assert not Piece.objects.exists()


def test_maker_lists_only_her_own_pieces(maker_user, cooperative, product, maker):
    own = make_piece(product, maker_of("penenun"), code="MILIKNYA-1")
    make_piece(product, maker, code="ORANG-LAIN-1")

    response = maker_user.get(office_url("piece_list", cooperative.slug))

    assert shows(response, "MILIKNYA-1")
    assert not shows(response, "ORANG-LAIN-1")
    assert office_url("piece_create", cooperative.slug) not in page_text(response)
    detail = maker_user.get(office_url("piece_detail", cooperative.slug, own.pk))
    assert office_url("piece_edit", cooperative.slug, own.pk) not in page_text(detail)


def test_piece_list_filters_by_product(viewer, cooperative, product, maker):
    other_product = make_product(cooperative)
    make_piece(product, maker, code="JENTU-1")
    make_piece(other_product, maker, code="LAIN-1")

    response = viewer.get(office_url("piece_list", cooperative.slug, query=f"produk={product.pk}"))

    assert shows(response, "JENTU-1")
    assert not shows(response, "LAIN-1")


def test_piece_list_ignores_a_product_of_another_cooperative(viewer, cooperative, other_cooperative, maker):
    theirs = make_product(other_cooperative)
    make_piece(theirs, make_maker(other_cooperative), code="MEREKA-1")
    make_piece(make_product(cooperative), maker, code="KAMI-1")

    response = viewer.get(office_url("piece_list", cooperative.slug, query=f"produk={theirs.pk}"))

    assert response.status_code == 200
    assert shows(response, "Choose a product from the list.")
    assert shows(response, "KAMI-1")
    assert not shows(response, "MEREKA-1")


def test_dashboard_counts_what_the_role_may_see(manager, maker_user, cooperative, product, maker):
    make_piece(product, maker)
    make_piece(product, maker_of("penenun"))

    manager_page = manager.get(office_url("dashboard", cooperative.slug))
    maker_page = maker_user.get(office_url("dashboard", cooperative.slug))

    assert manager_page.context["piece_count"] == 2
    assert manager_page.context["product_count"] == 1
    assert manager_page.context["maker_count"] == 2
    assert maker_page.context["piece_count"] == 1
    assert "product_count" not in maker_page.context and "maker_count" not in maker_page.context
