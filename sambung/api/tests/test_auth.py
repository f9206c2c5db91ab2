"""API tokens (stored hashed, revocable, never written on use) and CSRF for session users."""

import io

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.middleware.csrf import CSRF_SECRET_LENGTH
from django.test import Client

from sambung.accounts.models import Role
from sambung.api.auth import create_api_token, hash_key, revoke_api_token
from sambung.api.management.commands import create_api_token as create_command
from sambung.api.management.commands import revoke_api_token as revoke_command
from sambung.api.models import ApiToken
from sambung.orders.fulfilment import confirm_payment
from sambung.orders.models import OrderEvent
from sambung.tests import helpers

STOCK = "/api/v1/cooperatives/nian-tana/stock"


def bearer(key: str, **kwargs) -> Client:
    return Client(headers={"authorization": f"Bearer {key}"}, **kwargs)


def test_a_token_is_kept_only_as_a_hash_and_its_prefix(hub_token):
    token, key = hub_token
    assert key.startswith(f"sb_{token.prefix}_") and len(key) == 3 + 8 + 1 + 43
    assert token.key_hash == hash_key(key) and len(token.key_hash) == 64
    stored = ApiToken.objects.filter(pk=token.pk).values().get()
    assert key not in {str(value) for value in stored.values()}


def test_a_valid_token_acts_as_its_user(hub_token, shop):
    response = bearer(hub_token[1]).get(STOCK)
    assert response.status_code == 200
    assert response.json()["cooperative"] == "nian-tana"


@pytest.mark.parametrize(
    "mangle",
    [
        lambda key: key[:-1] + ("A" if key[-1] != "A" else "B"),  # the right prefix, a wrong secret
        lambda key: "sb_00000000_" + key[12:],  # an unknown prefix
        lambda key: key[:20],  # cut short
        lambda key: "",
        lambda key: "not a key at all",
    ],
    ids=["wrong-secret", "unknown-prefix", "truncated", "empty", "garbage"],
)
def test_a_wrong_key_is_refused_with_401(hub_token, shop, mangle):
    response = bearer(mangle(hub_token[1])).get(STOCK)
    assert response.status_code == 401


def test_a_revoked_token_stops_working_and_revoking_again_keeps_the_first_time(hub_token, shop):
    token, key = hub_token
    revoke_api_token(token=token)
    first = token.revoked_at
    assert bearer(key).get(STOCK).status_code == 401
    assert revoke_api_token(token=token).revoked_at == first


def test_the_token_of_a_deactivated_user_stops_working(hub_token, shop):
    token, key = hub_token
    token.user.is_active = False
    token.user.save()
    assert bearer(key).get(STOCK).status_code == 401


def test_a_wrong_token_is_refused_even_beside_a_valid_session(manager, shop):
    manager.defaults["HTTP_AUTHORIZATION"] = "Bearer sb_00000000_" + "x" * 43
    assert manager.get(STOCK).status_code == 401


def test_a_token_works_only_within_its_users_cooperatives(other_cooperative, shop):
    _token, key = create_api_token(
        user=helpers.make_member(other_cooperative, Role.HUB_OPERATOR), name="hub lain"
    )
    assert bearer(key).get(STOCK).status_code == 404
    assert bearer(key).get("/api/v1/cooperatives/lain/stock").status_code == 200


def test_a_session_post_without_the_csrf_token_is_refused_and_changes_nothing(shop):
    client = Client(enforce_csrf_checks=True)
    client.force_login(helpers.make_member(shop["coffee"].cooperative, Role.MANAGER, username="m2"))
    path = f"/api/v1/cooperatives/nian-tana/orders/{shop['order'].code}/events"

    response = client.post(path, {"kind": "paid"}, content_type="application/json")

    assert response.status_code == 403
    assert response.json() == {"detail": "CSRF check Failed"}
    assert list(shop["order"].events.values_list("kind", flat=True)) == ["placed"]
    # The same session with its CSRF cookie and header is heard.
    secret = "k" * CSRF_SECRET_LENGTH
    client.cookies[settings.CSRF_COOKIE_NAME] = secret
    response = client.post(
        path, {"kind": "paid"}, content_type="application/json", headers={"x-csrftoken": secret}
    )
    assert response.status_code == 201


def test_a_token_post_needs_no_csrf_token(token_user, shop):
    confirm_payment(order=shop["order"])
    path = f"/api/v1/cooperatives/nian-tana/orders/{shop['order'].code}/events"
    response = token_user.post(path, {"kind": "packing"}, content_type="application/json")
    assert response.status_code == 201
    assert OrderEvent.objects.filter(order=shop["order"], kind="packing").get().actor.username == "hub-sikka"


def test_an_anonymous_post_is_told_to_authenticate_not_csrf(shop):
    path = f"/api/v1/cooperatives/nian-tana/orders/{shop['order'].code}/events"
    response = Client(enforce_csrf_checks=True).post(path, {"kind": "paid"}, content_type="application/json")
    assert response.status_code == 401


def test_the_command_prints_the_key_once_and_the_key_works(cooperative, shop):
    helpers.make_member(cooperative, Role.HUB_OPERATOR, username="hub-nita")
    out, err = io.StringIO(), io.StringIO()
    call_command(create_command.Command(), "hub-nita", "Laptop hub Nita", stdout=out, stderr=err)
    key = out.getvalue().strip()
    token = ApiToken.objects.get(user__username="hub-nita")
    assert token.name == "Laptop hub Nita" and token.key_hash == hash_key(key)
    assert key not in err.getvalue() and token.prefix in err.getvalue()
    assert bearer(key).get(STOCK).status_code == 200

    call_command(revoke_command.Command(), token.prefix, stdout=io.StringIO())
    assert bearer(key).get(STOCK).status_code == 401


def test_the_command_refuses_an_unknown_user_and_a_blank_name(db):
    helpers.make_user("ada")
    with pytest.raises(CommandError, match="No active user"):
        call_command(create_command.Command(), "tidak-ada", "x", stdout=io.StringIO())
    with pytest.raises(CommandError, match="needs a name"):
        call_command(create_command.Command(), "ada", "  ", stdout=io.StringIO())
    assert ApiToken.objects.count() == 0
