"""Fixtures every app's tests share: two firms, their people, and signed-in HTTP clients."""

import pytest
from django.conf import settings as django_settings
from django.test import Client as HttpClient

from accounts.models import Role
from accounts.tests.factories import FirmFactory, member_create

pytest_plugins = ["tests.browser"]


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix, tmp_path_factory):
    # SQLite tests run on a file of their own, not in memory: in-memory SQLite shares one cache
    # between threads and refuses a second writer at once instead of making it wait, so the
    # tests that race threads (token refresh, task claims) could not run on it.
    database = django_settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(
            tmp_path_factory.mktemp("db") / "test.sqlite3"
        )


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # Argon2 is the production hasher (see accounts tests); tests only need passwords to work.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def firm(db):
    return FirmFactory(name="Harbour Accounting Limited", slug="harbour")


@pytest.fixture
def other_firm(db):
    return FirmFactory(name="Summit Advisory Limited", slug="summit")


@pytest.fixture
def admin_user(firm):
    return member_create(
        firm=firm,
        role=Role.ADMIN,
        email="admin@harbour.example.com",
        first_name="Aroha",
        last_name="Admin",
    )


@pytest.fixture
def staff_user(firm):
    return member_create(
        firm=firm,
        role=Role.STAFF,
        email="staff@harbour.example.com",
        first_name="Sam",
        last_name="Staff",
    )


@pytest.fixture
def outsider(other_firm):
    """A firm administrator of another firm: must never see or change `firm`'s data."""
    return member_create(
        firm=other_firm,
        role=Role.ADMIN,
        email="admin@summit.example.com",
        first_name="Olivia",
        last_name="Outsider",
    )


def _signed_in(user) -> HttpClient:
    http = HttpClient()
    http.force_login(user)
    return http


@pytest.fixture
def as_admin(admin_user) -> HttpClient:
    return _signed_in(admin_user)


@pytest.fixture
def as_staff(staff_user) -> HttpClient:
    return _signed_in(staff_user)


@pytest.fixture
def as_outsider(outsider) -> HttpClient:
    return _signed_in(outsider)
