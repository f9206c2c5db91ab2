"""save_inspection: the one writer of Inspection rows, for the inspection form and for a hub's synced inspections."""

import datetime

import pytest
from django.utils import translation

from sambung.inventory.models import Position, StockLevel
from sambung.inventory.stock import web_store
from sambung.lib.ids import uuid7
from sambung.quality.inspections import InspectionError, save_inspection
from sambung.quality.models import Inspection
from sambung.quality.standards import current_version
from sambung.sync.exchange import receive_frame
from sambung.sync.models import Event
from sambung.sync.rows import serialize_row
from sambung.sync.tests.remote import RemoteHub
from sambung.tests.helpers import make_inspector, make_maker, make_piece, make_product, make_standard


@pytest.fixture(autouse=True)
def _english_and_own_key(settings, tmp_path):
    settings.DATA_DIR = tmp_path / "data"
    with translation.override("en"):
        yield


@pytest.fixture
def hub(cooperative):
    return RemoteHub(cooperative)


def _hub_inspection(hub, piece, *, effect="pass", outcome="a", release=True, **fields):
    """A hub's inspection of a piece in quality control at the hub, with the move that releases it (if any)."""
    cooperative = hub.node.cooperative
    version = current_version(make_standard(cooperative, piece.sku.product.category))
    move = None
    if release:
        move = hub.move(sku=piece.sku, piece=piece, source=["qc", None],
                        target=["available", str(web_store(cooperative).pk)], reason="release")  # fmt: skip
    inspection = Inspection(
        id=uuid7(), cooperative=cooperative, standard_version=version, sku=piece.sku, piece=piece,
        location=hub.location, quantity=1, outcome=outcome, inspector=make_inspector(cooperative).user,
        inspector_role="hub_operator", release_move_id=move.payload["id"] if move else None,
        results=[{"criterion": version.criteria[0], "value": "pass" if effect == "pass" else "fail", "effect": effect}],
        created_at=datetime.datetime(2026, 11, 1, 9, 0, tzinfo=datetime.UTC), **fields,
    )  # fmt: skip
    recorded = hub.event("inspection.recorded", {"rows": [serialize_row(inspection)]})
    return inspection, [move, recorded] if move else [recorded]


def _piece_in_qc(hub):
    cooperative = hub.node.cooperative
    return make_piece(
        make_product(cooperative), make_maker(cooperative), location=hub.location, sellable=False
    )


def test_a_hubs_inspection_is_saved_through_save_inspection_and_one_whose_outcome_is_forged_is_refused(hub):
    good_piece, forged_piece = _piece_in_qc(hub), _piece_in_qc(hub)
    good, good_events = _hub_inspection(hub, good_piece)
    # Grade A claimed, but a criterion failed: the outcome is computed from the results, never taken as sent.
    forged, forged_events = _hub_inspection(hub, forged_piece, effect="reject", outcome="a")

    receive_frame(hub.frame([*good_events, *forged_events]))

    assert Inspection.objects.get(pk=good.pk).outcome == "a"
    assert not Inspection.objects.filter(pk=forged.pk).exists()
    refused = Event.objects.get(kind="inspection.recorded", payload__rows__0__f__id=str(forged.pk))
    assert refused.state == "review" and "outcome does not follow from its results" in refused.problem
    available = StockLevel.objects.get(piece=good_piece, position=Position.AVAILABLE)
    assert available.quantity == 1


def test_a_recorded_inspection_does_not_change_when_a_later_event_rewrites_it(hub):
    piece = _piece_in_qc(hub)
    inspection, events = _hub_inspection(hub, piece)
    receive_frame(hub.frame(events))
    rewritten = Inspection.objects.get(pk=inspection.pk)
    rewritten.note_en = "Actually grade B"
    again = hub.event("inspection.recorded", {"rows": [serialize_row(rewritten)]})

    receive_frame(hub.frame([again]))

    assert Inspection.objects.get(pk=inspection.pk).note_en == ""
    event = Event.objects.get(pk=again.id)
    assert event.state == "review" and "already recorded and cannot change" in event.problem


def test_save_inspection_refuses_a_pass_that_releases_nothing_and_a_release_of_other_units(cooperative, hub):
    piece, other = _piece_in_qc(hub), _piece_in_qc(hub)
    unreleased, _events = _hub_inspection(hub, piece, release=False)
    with pytest.raises(InspectionError, match="A passed inspection releases its units"):
        save_inspection(inspection=unreleased)

    released = make_piece(make_product(cooperative), make_maker(cooperative), location=hub.location)
    borrowed = Inspection.objects.get(piece=released)  # its release move is of another piece
    inspection, _events = _hub_inspection(hub, other, release=False)
    inspection.release_move_id = borrowed.release_move_id
    with pytest.raises(InspectionError, match="not a release of the units it inspected"):
        save_inspection(inspection=inspection)
    assert not Inspection.objects.filter(pk__in=[unreleased.pk, inspection.pk]).exists()
