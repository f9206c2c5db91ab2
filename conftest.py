"""Named personas shared by every test: a manager, a hub operator, a maker, a program viewer, an outsider."""

import pytest
from django.test import Client

from sambung.accounts.models import Role
from sambung.tests import helpers


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    # The real hasher costs ~0.3 s per persona; tests do not need it to be slow.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # The hashed-name manifest exists only after collectstatic; tests render templates without it.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def cooperative(db):
    return helpers.make_cooperative(slug="nian-tana", name="Koperasi Tenun Nian Tana")


@pytest.fixture
def other_cooperative(db):
    return helpers.make_cooperative(slug="lain", name="Koperasi Lain")


def _member_client(cooperative, role: str, username: str) -> Client:
    client = Client()
    client.force_login(helpers.make_member(cooperative, role, username=username))
    return client


@pytest.fixture
def manager(cooperative):
    return _member_client(cooperative, Role.MANAGER, "manajer")


@pytest.fixture
def operator(cooperative):
    return _member_client(cooperative, Role.HUB_OPERATOR, "operator")


@pytest.fixture
def maker_user(cooperative):
    return _member_client(cooperative, Role.MAKER, "penenun")


@pytest.fixture
def viewer(cooperative):
    return _member_client(cooperative, Role.PROGRAM_VIEWER, "pemantau")


@pytest.fixture
def outsider(other_cooperative):
    """A manager, but of another cooperative."""
    return _member_client(other_cooperative, Role.MANAGER, "orang-luar")


@pytest.fixture(scope="session")
def browser():
    from sambung.tests.browser import launch_browser

    yield from launch_browser()


@pytest.fixture
def buyer(db):
    return Client()
