"""access_cooperative: a membership with the capability, or 404 for everything else alike."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.http import Http404

from sambung.accounts.access import ROLE_CAPABILITIES, Can, access_cooperative, memberships_of
from sambung.accounts.models import Role
from sambung.tests.helpers import make_cooperative, make_member, make_user


@pytest.mark.parametrize("role", list(Role))
@pytest.mark.parametrize("can", list(Can))
def test_member_gets_her_membership_only_for_the_capabilities_of_her_role(db, role, can):
    cooperative = make_cooperative()
    user = make_member(cooperative, role)

    if can in ROLE_CAPABILITIES[role]:
        membership = access_cooperative(user, cooperative.slug, can)
        assert (membership.cooperative, membership.role) == (cooperative, role)
    else:
        with pytest.raises(Http404):
            access_cooperative(user, cooperative.slug, can)


def test_maker_membership_names_her_maker_record(db):
    cooperative = make_cooperative()
    user = make_member(cooperative, Role.MAKER)
    membership = access_cooperative(user, cooperative.slug)
    assert membership.maker.cooperative == cooperative


def test_member_of_another_cooperative_and_an_unknown_cooperative_look_the_same(db):
    ours, theirs = make_cooperative(), make_cooperative()
    user = make_member(theirs, Role.MANAGER)
    for slug in (ours.slug, "tidak-ada"):
        with pytest.raises(Http404):
            access_cooperative(user, slug, Can.VIEW_OFFICE)


def test_anonymous_user_gets_no_cooperative(db):
    cooperative = make_cooperative()
    with pytest.raises(Http404):
        access_cooperative(AnonymousUser(), cooperative.slug)
    assert memberships_of(AnonymousUser()) == []


def test_superuser_manages_every_cooperative_but_not_a_missing_one(db):
    first, second = make_cooperative(), make_cooperative()
    admin = make_user(is_superuser=True)

    assert access_cooperative(admin, second.slug, Can.CHANGE_CATALOG).role == Role.MANAGER
    assert {m.cooperative for m in memberships_of(admin)} == {first, second}
    with pytest.raises(Http404):
        access_cooperative(admin, "tidak-ada")
