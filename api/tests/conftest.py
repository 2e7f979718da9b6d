"""API clients holding personal access tokens of the firm's people and of another firm's."""

from collections.abc import Callable

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from accounts.models import User
from api.scopes import Scope
from api.services import personal_access_token_create

ALL_SCOPES = tuple(Scope.values)


@pytest.fixture(autouse=True)
def _fresh_rate_limits():
    # Throttle counts live in the cache, which outlives a test's database.
    cache.clear()


@pytest.fixture
def token_for(db) -> Callable[..., str]:
    def _token_for(user: User, scopes: tuple[str, ...] = ALL_SCOPES, **fields) -> str:
        fields.setdefault("expires_at", None)
        return personal_access_token_create(
            user=user, name="Test script", scopes=list(scopes), **fields
        ).raw

    return _token_for


@pytest.fixture
def bearer() -> Callable[[str], APIClient]:
    def _bearer(raw: str) -> APIClient:
        api = APIClient()
        api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        return api

    return _bearer


@pytest.fixture
def api(admin_user, token_for, bearer) -> APIClient:
    """The firm administrator's token, with every scope."""
    return bearer(token_for(admin_user))


@pytest.fixture
def outsider_api(outsider, token_for, bearer) -> APIClient:
    """A token of another firm's administrator, with every scope."""
    return bearer(token_for(outsider))
