"""Who is calling the API: a bearer token (hubs and apps) or a signed-in browser session.

A key reads `sb_<prefix>_<secret>`. The prefix is stored in clear to find the row and to show which key is
which; the key itself is stored only as its SHA-256 hash, compared in constant time. Authenticating never
writes (no last-used stamp): a GET stays read-only however it is authenticated.

A session user must send the CSRF token on unsafe methods, as for any form of the site; a token user need not
(a browser never attaches the Authorization header by itself). A request that presents a token is judged by
the token alone: a wrong or revoked key answers 401 even beside a valid session.
"""

import hashlib
import hmac
import re
import secrets

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from sambung.api.models import ApiToken

KEY_PATTERN = re.compile(r"sb_([0-9a-f]{8})_[\w-]{43}", re.ASCII)


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def create_api_token(*, user, name: str) -> tuple[ApiToken, str]:
    """Create a token for the user; return it with its key, which is never stored and cannot be shown again."""
    name = name.strip()
    if not name:
        raise ValueError("a token needs a name, e.g. the hub or the app that uses it")
    for _attempt in range(5):
        prefix = secrets.token_hex(4)
        key = f"sb_{prefix}_{secrets.token_urlsafe(32)}"
        try:
            with transaction.atomic():
                token = ApiToken.objects.create(user=user, name=name, prefix=prefix, key_hash=hash_key(key))
        except IntegrityError:
            continue  # two tokens drew the same prefix; draw again
        return token, key
    raise RuntimeError("could not draw a free token prefix")


def revoke_api_token(*, token: ApiToken) -> ApiToken:
    """Stop the token from working, from its next request on; revoking twice keeps the first time."""
    ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    token.refresh_from_db(fields=["revoked_at"])
    return token


def user_for_key(key: str):
    """Return the active user an unrevoked key belongs to, or None."""
    match = KEY_PATTERN.fullmatch(key)
    if match is None:
        return None
    token = (
        ApiToken.objects.filter(prefix=match[1], revoked_at__isnull=True, user__is_active=True)
        .select_related("user")
        .first()
    )
    if token is None or not hmac.compare_digest(token.key_hash, hash_key(key)):
        return None
    return token.user


class TokenAuth(HttpBearer):
    """`Authorization: Bearer sb_…`: the user the token was made for."""

    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_key(token.strip())
        if user is None:
            raise HttpError(401, "Invalid or revoked API token.")
        request.user = user
        return user


class SessionAuth(NinjaSessionAuth):
    """The signed-in user of the site, with Django's CSRF check on unsafe methods."""

    def _get_key(self, request: HttpRequest):
        # Without a signed-in user there is nothing for a forged request to ride on: answer 401, not 403.
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)


STAFF_AUTH = [TokenAuth(), SessionAuth()]
