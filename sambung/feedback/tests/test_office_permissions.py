"""Every back-office page and step of reviews, complaints and listing quality, asked by every persona: allowed,
404 (forbidden looks missing) or sign-in; and a POST without its CSRF token is refused."""

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace

import pytest
from django.test import Client

from sambung.catalog.tests import login_url
from sambung.feedback.complaints import open_complaint
from sambung.feedback.models import Complaint, ComplaintEvent, PhotoCheck, Review
from sambung.feedback.reviews import write_review
from sambung.feedback.tests import coffee_line, delivered_order, make_shop, piece_line, url
from sambung.tests import helpers

MANAGER, OPERATOR, MAKER, VIEWER = "manager", "operator", "maker_user", "viewer"
PERSONAS = [MANAGER, OPERATOR, MAKER, VIEWER, "outsider", "buyer"]
NOBODY: frozenset[str] = frozenset()
MANAGERS = frozenset({MANAGER})
READERS = frozenset({MANAGER, OPERATOR, VIEWER})
APPROVE = {"decision": "approve"}
MESSAGE = {"note": "Boleh kirim fotonya?"}
REFUND = {"resolution": "refund", "amount": "50000", "note": "Maaf."}


@dataclass(frozen=True)
class Route:
    label: str
    name: str
    args: Callable[[SimpleNamespace], tuple]
    method: str
    allowed: frozenset[str]
    data: dict = field(default_factory=dict)
    allowed_status: int = 200  # a page; a step that worked redirects (302)

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.label}"


def here(*names: str) -> Callable[[SimpleNamespace], tuple]:
    return lambda world: (world.slug, *(world.rows[name].pk for name in names))


def elsewhere(*names: str) -> Callable[[SimpleNamespace], tuple]:
    return lambda world: (world.other_slug, *(world.rows[name].pk for name in names))


ROUTES = [
    Route("review queue", "review_list", here(), "get", MANAGERS),
    Route("moderate", "review_moderate", here("review"), "post", MANAGERS, APPROVE, 302),
    Route("complaint list", "complaint_list", here(), "get", MANAGERS),
    Route("complaint", "complaint_detail", here("complaint"), "get", MANAGERS),
    Route("message to the buyer", "complaint_message", here("complaint"), "post", MANAGERS, MESSAGE, 302),
    Route("resolve", "complaint_resolve", here("complaint"), "post", MANAGERS, REFUND, 302),
    Route("listing quality", "listing_quality", here(), "get", READERS),
    # Rows of another cooperative under this cooperative's address: missing, for everyone.
    Route("another cooperative's review", "review_moderate", here("other_review"), "post", NOBODY, APPROVE),
    Route("another cooperative's complaint", "complaint_detail", here("other_complaint"), "get", NOBODY),
    Route("another's message", "complaint_message", here("other_complaint"), "post", NOBODY, MESSAGE),
    Route("another's resolve", "complaint_resolve", here("other_complaint"), "post", NOBODY, REFUND),
    # This cooperative's rows under the other cooperative's address (where only the outsider is a member).
    Route("a review under another address", "review_moderate", elsewhere("review"), "post", NOBODY, APPROVE),
    Route("a complaint under another address", "complaint_detail", elsewhere("complaint"), "get", NOBODY),
    Route(
        "a resolve under another address", "complaint_resolve", elsewhere("complaint"), "post", NOBODY, REFUND
    ),
    Route("an unknown cooperative", "listing_quality", lambda world: ("tidak-ada",), "get", NOBODY),
]


@pytest.fixture
def world(cooperative, other_cooperative):
    """A waiting review and an open complaint in the tested cooperative, and the same in another one."""
    rows = {}
    for key, coop in (("", cooperative), ("other_", other_cooperative)):
        order = delivered_order(make_shop(coop, piece_code=f"{key}PC-1"))
        rows[f"{key}review"] = write_review(line=coffee_line(order), stars=4, text="Harum.")
        rows[f"{key}complaint"] = open_complaint(
            line=piece_line(order), reason="defect", text="Benang putus."
        )
        helpers.make_product(coop)  # listing quality has something to score
    return SimpleNamespace(slug=cooperative.slug, other_slug=other_cooperative.slug, rows=rows)


def snapshot() -> tuple:
    """Everything a moderation or a complaint step could change."""
    return (
        sorted(Review.objects.values_list("pk", "status")),
        sorted(Complaint.objects.values_list("pk", "status")),
        ComplaintEvent.objects.count(),
    )


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("route", ROUTES, ids=str)
def test_the_feedback_back_office_answers_each_persona_as_its_role_allows(request, world, route, persona):
    client = request.getfixturevalue(persona)
    before = snapshot()
    response = getattr(client, route.method)(url(f"feedback:{route.name}", *route.args(world)), route.data)
    if persona == "buyer":
        assert response.status_code == 302 and response.url.startswith(login_url())
    elif persona in route.allowed:
        assert response.status_code == route.allowed_status
        if route.method == "post":
            assert snapshot() != before, "an allowed step changes something"
    else:
        assert response.status_code == 404
    if persona not in route.allowed:
        assert snapshot() == before, "a refused request writes nothing"


@pytest.mark.parametrize("route", [r for r in ROUTES if r.method == "post" and r.allowed], ids=str)
def test_a_step_posted_without_its_csrf_token_is_refused(world, cooperative, route):
    client = Client(enforce_csrf_checks=True)
    client.force_login(helpers.make_member(cooperative, "manager", username="manajer-csrf"))
    before = snapshot()
    response = client.post(url(f"feedback:{route.name}", *route.args(world)), route.data)
    assert response.status_code == 403 and snapshot() == before


def test_the_listing_page_only_reads_for_a_program_viewer_except_measuring_new_photos(
    viewer, world, cooperative
):
    product = cooperative.products.first()
    from sambung.catalog.photos import add_photo

    add_photo(upload=helpers.image_bytes((64, 48)), product=product)
    before = snapshot()
    assert viewer.get(url("feedback:listing_quality", cooperative.slug)).status_code == 200
    assert snapshot() == before and PhotoCheck.objects.count() == 1
