"""Who may call what: tokens, their scopes, their firm, and the rate limit per token."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_application_model
from rest_framework.test import APIClient

from api.models import PersonalAccessToken
from api.scopes import Scope
from clients.tests.factories import CompanyFactory
from integrations.tests.factories import ConnectionFactory

READ, WRITE, SYNC = Scope.CLIENTS_READ, Scope.CLIENTS_WRITE, Scope.SYNC_RUN

# (scopes of the token, method, path template, status expected); `{client}`, `{connection}`.
SCOPE_MATRIX = [
    ((READ,), "get", "/api/v1/clients/", 200),
    ((WRITE,), "get", "/api/v1/clients/", 403),
    ((SYNC,), "get", "/api/v1/clients/{client}/", 403),
    ((READ,), "patch", "/api/v1/clients/{client}/", 403),
    ((WRITE,), "patch", "/api/v1/clients/{client}/", 200),
    ((READ,), "post", "/api/v1/clients/{client}/archive/", 403),
    ((WRITE,), "post", "/api/v1/clients/{client}/archive/", 200),
    ((READ, WRITE), "get", "/api/v1/connections/{connection}/sync-runs/", 403),
    ((SYNC,), "get", "/api/v1/connections/{connection}/sync-runs/", 200),
    ((READ, WRITE), "post", "/api/v1/connections/{connection}/sync-runs/", 403),
    ((SYNC,), "get", "/api/v1/connections/", 403),
]


@pytest.mark.parametrize(("scopes", "method", "path", "expected"), SCOPE_MATRIX)
def test_each_call_needs_its_scope(
    scopes, method, path, expected, firm, admin_user, token_for, bearer
):
    client = CompanyFactory(firm=firm)
    connection = ConnectionFactory(firm=firm)
    api = bearer(token_for(admin_user, scopes=scopes))

    response = getattr(api, method)(
        path.format(client=client.pk, connection=connection.pk), {}, format="json"
    )

    assert response.status_code == expected, response.content
    if expected == 403:
        assert response.json()["code"] == "insufficient_scope"


def test_a_call_without_a_token_is_asked_for_one(firm):
    response = APIClient().get("/api/v1/clients/")

    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["code"] == "not_authenticated"


def test_the_browser_session_is_not_a_token(as_admin):
    assert as_admin.get("/api/v1/clients/").status_code == 401


@pytest.mark.parametrize(
    "change",
    [
        {"revoked_at": timezone.now()},
        {"expires_at": timezone.now() - timedelta(seconds=1)},
    ],
    ids=["revoked", "expired"],
)
def test_a_revoked_or_expired_token_is_refused(change, admin_user, token_for, bearer):
    raw = token_for(admin_user)
    PersonalAccessToken.objects.update(**change)

    response = bearer(raw).get("/api/v1/clients/")

    assert response.status_code == 401
    assert response.json()["code"] == "token_invalid"


def test_an_unknown_token_is_refused(firm, bearer):
    response = bearer("tnd_not-a-token-anyone-made").get("/api/v1/clients/")

    assert response.status_code == 401


def test_a_token_stops_working_when_its_owner_leaves_the_firm(admin_user, token_for, bearer):
    raw = token_for(admin_user)
    admin_user.is_active = False
    admin_user.save()

    assert bearer(raw).get("/api/v1/clients/").status_code == 401


def test_a_token_sees_only_its_firms_clients(firm, other_firm, admin_user, token_for, bearer):
    ours = CompanyFactory(firm=firm, display_name="Harbour Client")
    CompanyFactory(firm=other_firm, display_name="Summit Client")

    response = bearer(token_for(admin_user)).get("/api/v1/clients/")

    assert [row["id"] for row in response.json()["results"]] == [ours.pk]


def test_using_a_token_records_when_it_was_last_used(admin_user, token_for, bearer):
    raw = token_for(admin_user)

    bearer(raw).get("/api/v1/clients/")

    assert PersonalAccessToken.objects.get().last_used_at is not None


def oauth_bearer(user, scope: str) -> APIClient:
    """A client holding an OAuth access token that Tandem's provider issued to an application
    for `user` with `scope`."""
    application = get_application_model().objects.create(
        name="Ledgerly CMS",
        client_type="confidential",
        authorization_grant_type="authorization-code",
        redirect_uris="https://cms.example.com/callback",
    )
    raw = f"oauth-access-token-of-{user.pk}"
    get_access_token_model().objects.create(
        user=user,
        application=application,
        token=raw,
        scope=scope,
        expires=timezone.now() + timedelta(minutes=10),
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return api


def test_an_oauth_access_token_acts_for_its_user_with_its_scopes(firm, admin_user):
    company = CompanyFactory(firm=firm)
    api = oauth_bearer(admin_user, "openid clients:read")

    read = api.get(f"/api/v1/clients/{company.pk}/")
    write = api.patch(f"/api/v1/clients/{company.pk}/", {"notes": "x"}, format="json")

    assert read.status_code == 200
    assert write.status_code == 403
    assert write.json()["code"] == "insufficient_scope"


def test_an_oauth_access_token_reaches_only_its_users_firm(firm, outsider):
    company = CompanyFactory(firm=firm)

    response = oauth_bearer(outsider, "clients:read").get(f"/api/v1/clients/{company.pk}/")

    assert response.status_code == 404


def test_a_token_over_its_rate_is_told_when_to_come_back(settings, admin_user, token_for, bearer):
    settings.TANDEM_API_RATE = "2/minute"
    api = bearer(token_for(admin_user))
    other_token = bearer(token_for(admin_user))

    statuses = [api.get("/api/v1/clients/").status_code for _ in range(3)]
    refused = api.get("/api/v1/clients/")

    assert statuses == [200, 200, 429]
    assert refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "throttled"
    assert 0 < int(refused["Retry-After"]) <= 60
    assert other_token.get("/api/v1/clients/").status_code == 200, "the limit is per token"
