"""The manager's hubs page and a hub's Sync page, per persona."""

import pytest

from sambung.catalog.models import Node
from sambung.sync.enrolment import create_hub
from sambung.sync.frames import encode_bundle, encode_frame
from sambung.sync.models import EnrolmentCode, LocalNode, Peer
from sambung.sync.node import private_key, public_bytes, this_node
from sambung.tests.helpers import SIKKA_VILLAGE


def hubs_url(cooperative) -> str:
    return f"/kelola/{cooperative.slug}/hub/"


def sync_url(cooperative, tail: str = "") -> str:
    return f"/kelola/{cooperative.slug}/sinkron/{tail}"


def test_the_manager_sees_the_hubs_page(cooperative, manager):
    create_hub(cooperative=cooperative, name="Hub Nita", village_code=SIKKA_VILLAGE)
    response = manager.get(hubs_url(cooperative))
    assert response.status_code == 200
    assert "Hub Nita" in response.content.decode()


@pytest.mark.parametrize("persona", ["operator", "maker_user", "viewer", "outsider", "buyer"])
def test_other_personas_cannot_see_the_hubs_page(cooperative, persona, request):
    client = request.getfixturevalue(persona)
    response = client.get(hubs_url(cooperative))
    assert response.status_code in (404, 302)
    if persona != "buyer":
        assert response.status_code == 404


def test_creating_a_hub_shows_its_code_once_and_keeps_only_its_hash(cooperative, manager):
    response = manager.post(hubs_url(cooperative), {"name": "Hub Watublapi", "village_code": SIKKA_VILLAGE})
    assert response.status_code == 200
    hub = Node.objects.get(name="Hub Watublapi")
    code = response.context["new_code"]
    assert code in response.content.decode()
    assert EnrolmentCode.objects.get(node=hub).code_hash != code
    assert code not in manager.get(hubs_url(cooperative)).content.decode()


def test_a_hub_form_with_a_missing_village_creates_nothing(cooperative, manager):
    response = manager.post(hubs_url(cooperative), {"name": "Hub Tanpa Desa"})
    assert response.status_code == 200
    assert not Node.objects.filter(name="Hub Tanpa Desa").exists()


def test_the_manager_revokes_an_enrolled_hub(cooperative, manager):
    hub = create_hub(cooperative=cooperative, name="Hub Nita", village_code=SIKKA_VILLAGE)
    Peer.objects.create(node=hub, public_key=b"\x01" * 32)
    response = manager.post(hubs_url(cooperative) + f"{hub.pk}/cabut/")
    assert response.status_code == 302
    assert Peer.objects.get(pk=hub.pk).is_revoked


def test_another_cooperatives_manager_cannot_revoke_or_issue_codes(cooperative, outsider):
    hub = create_hub(cooperative=cooperative, name="Hub Nita", village_code=SIKKA_VILLAGE)
    Peer.objects.create(node=hub, public_key=b"\x01" * 32)
    assert outsider.post(hubs_url(cooperative) + f"{hub.pk}/cabut/").status_code == 404
    assert outsider.post(hubs_url(cooperative) + f"{hub.pk}/kode/").status_code == 404
    assert not Peer.objects.get(pk=hub.pk).is_revoked
    assert not EnrolmentCode.objects.exists()


def test_a_new_code_is_issued_on_request(cooperative, manager):
    hub = create_hub(cooperative=cooperative, name="Hub Nita", village_code=SIKKA_VILLAGE)
    response = manager.post(hubs_url(cooperative) + f"{hub.pk}/kode/")
    assert response.status_code == 200 and response.context["new_code"]
    assert EnrolmentCode.objects.filter(node=hub).count() == 1


@pytest.mark.parametrize("persona", ["manager", "operator"])
def test_on_the_centre_the_sync_page_says_there_is_nothing_to_sync(cooperative, persona, request):
    response = request.getfixturevalue(persona).get(sync_url(cooperative))
    assert response.status_code == 200
    assert response.context["local"] is None


@pytest.mark.parametrize("persona", ["maker_user", "viewer", "outsider"])
def test_the_sync_page_is_for_managers_and_hub_operators_only(cooperative, persona, request):
    assert request.getfixturevalue(persona).get(sync_url(cooperative)).status_code == 404


@pytest.fixture
def as_hub(cooperative):
    """Make this installation a hub of the cooperative, whose centre is the node it was before."""
    centre = this_node()
    hub = create_hub(cooperative=cooperative, name="Hub Nita", village_code=SIKKA_VILLAGE)
    Peer.objects.create(node=centre, public_key=public_bytes(private_key()), url="http://127.0.0.1:9")
    LocalNode.objects.create(node=hub)
    return centre, hub


def test_a_hub_operator_downloads_a_bundle(cooperative, operator, as_hub):
    response = operator.post(sync_url(cooperative, "ekspor/"))
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith('.sambung"')
    assert response.content.startswith(b"\x89SAMBUNG")


def test_a_hub_operator_imports_the_centres_bundle_and_sees_each_frame(cooperative, operator, as_hub):
    centre, hub = as_hub
    frame = encode_frame(sender=centre.pk, key=private_key(), vector={})
    bundle = encode_bundle(sender=centre.pk, recipient=hub.pk, frames=[frame])
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = operator.post(
        sync_url(cooperative, "impor/"), {"bundle": SimpleUploadedFile("b.sambung", bundle)}
    )
    assert response.status_code == 200
    assert [step.direction for step in response.context["steps"]] == ["import"]


def test_a_broken_bundle_upload_says_nothing_was_imported(cooperative, operator, as_hub):
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = operator.post(
        sync_url(cooperative, "impor/"), {"bundle": SimpleUploadedFile("b.sambung", b"rusak")}
    )
    assert response.status_code == 200
    assert (
        response.context["error"].startswith("Nothing was imported") or "impor" in response.context["error"]
    )


def test_sync_with_an_unreachable_centre_shows_the_reason(cooperative, operator, as_hub):
    response = operator.post(sync_url(cooperative))
    assert response.status_code == 200
    assert "127.0.0.1:9" in response.context["error"]


def test_a_hub_of_another_cooperative_does_not_serve_this_cooperatives_sync_page(
    cooperative, other_cooperative, outsider
):
    hub = create_hub(cooperative=cooperative, name="Hub Nita", village_code=SIKKA_VILLAGE)
    LocalNode.objects.create(node=hub)
    assert outsider.get(sync_url(other_cooperative)).status_code == 404
