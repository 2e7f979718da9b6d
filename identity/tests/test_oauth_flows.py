"""The provider held to RFC 9700, one refusal at a time, through Django's test client."""

import hashlib
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.utils import timezone
from oauth2_provider.models import get_access_token_model, get_grant_model, get_refresh_token_model

from accounts.tests.factories import TEST_PASSWORD
from identity import keys
from identity.tests.conftest import (
    REDIRECT_URI,
    authorise,
    authorization_params,
    code_exchange,
    pkce_pair,
    redirect_query,
    token_request,
)
from identity.tests.factories import ApplicationFactory

AccessToken = get_access_token_model()
RefreshToken = get_refresh_token_model()
Grant = get_grant_model()
FORM = "application/x-www-form-urlencoded"


@pytest.fixture
def tokens(as_staff, cms_app):
    verifier, challenge = pkce_pair()
    code = authorise(as_staff, cms_app, challenge=challenge)["code"]
    response = code_exchange(as_staff, cms_app, code=code, verifier=verifier)
    assert response.status_code == 200, response.content
    return response.json()


def test_authorization_response_names_the_issuer(as_staff, cms_app):
    _verifier, challenge = pkce_pair()

    query = authorise(as_staff, cms_app, challenge=challenge)

    assert query["iss"] == keys.issuer()
    assert query["state"] == "state-123"
    assert query["code"]


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "https://attacker.example.com/oauth/callback",
        f"{REDIRECT_URI}?next=https://attacker.example.com/",
        f"{REDIRECT_URI}/",
        REDIRECT_URI.replace("https://", "http://"),
        REDIRECT_URI.upper(),
    ],
)
def test_unregistered_or_altered_redirect_uri_is_refused_without_redirecting(
    as_staff, cms_app, redirect_uri
):
    _verifier, challenge = pkce_pair()

    response = as_staff.get(
        "/o/authorize/",
        authorization_params(cms_app, challenge=challenge, redirect_uri=redirect_uri),
    )

    assert response.status_code == 400
    assert "Location" not in response
    assert b"This request can't be completed" in response.content


def test_missing_pkce_is_refused(as_staff, cms_app):
    response = as_staff.get(
        "/o/authorize/",
        authorization_params(
            cms_app, challenge=None, code_challenge=None, code_challenge_method=None
        ),
    )

    query = redirect_query(response["Location"])
    assert query["error"] == "invalid_request"
    assert "code" not in query


@pytest.mark.parametrize("method", ["plain", None])
def test_plain_pkce_is_refused_before_consent_is_asked(as_staff, cms_app, method):
    # A challenge without a method is "plain" (RFC 7636 4.3).
    response = as_staff.get(
        "/o/authorize/",
        authorization_params(cms_app, challenge="a" * 43, code_challenge_method=method),
    )

    assert response.status_code == 302
    query = redirect_query(response["Location"])
    assert query["error"] == "invalid_request"
    assert query["iss"] == keys.issuer()
    assert not Grant.objects.exists()


def test_code_exchange_needs_the_matching_verifier(as_staff, cms_app):
    _verifier, challenge = pkce_pair()
    code = authorise(as_staff, cms_app, challenge=challenge)["code"]

    response = code_exchange(as_staff, cms_app, code=code, verifier=pkce_pair()[0])

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_code_is_single_use(as_staff, cms_app):
    verifier, challenge = pkce_pair()
    code = authorise(as_staff, cms_app, challenge=challenge)["code"]
    assert code_exchange(as_staff, cms_app, code=code, verifier=verifier).status_code == 200

    replay = code_exchange(as_staff, cms_app, code=code, verifier=verifier)

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"


def test_replayed_code_revokes_the_tokens_it_obtained(client, as_staff, cms_app):
    verifier, challenge = pkce_pair()
    code = authorise(as_staff, cms_app, challenge=challenge)["code"]
    tokens = code_exchange(as_staff, cms_app, code=code, verifier=verifier).json()

    code_exchange(as_staff, cms_app, code=code, verifier=verifier)

    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    assert client.get("/o/userinfo/", **bearer).status_code == 401
    refresh = token_request(
        as_staff, cms_app, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )
    assert refresh.json()["error"] == "invalid_grant"


def test_code_expires_within_a_minute(as_staff, cms_app, settings):
    assert settings.OAUTH2_PROVIDER["AUTHORIZATION_CODE_EXPIRE_SECONDS"] <= 60
    verifier, challenge = pkce_pair()
    code = authorise(as_staff, cms_app, challenge=challenge)["code"]
    Grant.objects.update(expires=timezone.now() - timedelta(seconds=1))

    response = code_exchange(as_staff, cms_app, code=code, verifier=verifier)

    assert response.json()["error"] == "invalid_grant"


def test_code_issued_to_one_application_is_refused_to_another(as_staff, cms_app):
    verifier, challenge = pkce_pair()
    code = authorise(as_staff, cms_app, challenge=challenge)["code"]
    other = ApplicationFactory(redirect_uris=REDIRECT_URI)

    response = code_exchange(as_staff, other, code=code, verifier=verifier)

    assert response.json()["error"] == "invalid_grant"


def test_access_tokens_are_short_lived(tokens, settings):
    assert 0 < tokens["expires_in"] <= 15 * 60
    assert tokens["expires_in"] == settings.OAUTH2_PROVIDER["ACCESS_TOKEN_EXPIRE_SECONDS"]


def test_expired_access_token_is_refused(client, tokens):
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    assert client.get("/o/userinfo/", **bearer).status_code == 200
    AccessToken.objects.update(expires=timezone.now() - timedelta(seconds=1))

    response = client.get("/o/userinfo/", **bearer)

    assert response.status_code == 401


def test_access_token_in_the_query_string_is_refused(client, tokens):
    response = client.get("/o/userinfo/", {"access_token": tokens["access_token"]})

    assert response.status_code == 400
    assert response.json()["error"] == "invalid_request"


def test_tokens_are_stored_only_as_hashes(tokens, cms_app):
    access = AccessToken.objects.get()
    refresh = RefreshToken.objects.get()

    assert access.token == ""
    assert refresh.token == ""
    assert access.token_checksum == hashlib.sha256(tokens["access_token"].encode()).hexdigest()
    assert tokens["refresh_token"] not in refresh.token_checksum
    assert not cms_app.client_secret.startswith("cms-")


def test_refresh_token_rotates(as_staff, cms_app, tokens):
    response = token_request(
        as_staff, cms_app, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )

    assert response.status_code == 200
    assert response.json()["refresh_token"] != tokens["refresh_token"]


def test_replayed_rotated_refresh_token_is_refused_and_revokes_its_family(
    client, as_staff, cms_app, tokens
):
    rotated = token_request(
        as_staff, cms_app, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    ).json()

    replay = token_request(
        as_staff, cms_app, grant_type="refresh_token", refresh_token=tokens["refresh_token"]
    )

    assert replay.status_code == 400
    assert replay.json()["error"] == "invalid_grant"
    # The legitimate holder's newer tokens die with it: the thief and the client can't be told
    # apart, so both start again from a new authorization.
    successor = token_request(
        as_staff, cms_app, grant_type="refresh_token", refresh_token=rotated["refresh_token"]
    )
    assert successor.json()["error"] == "invalid_grant"
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {rotated['access_token']}"}
    assert client.get("/o/userinfo/", **bearer).status_code == 401


def test_implicit_grant_is_refused(as_staff, cms_app):
    response = as_staff.get(
        "/o/authorize/",
        authorization_params(cms_app, challenge=pkce_pair()[1], response_type="token"),
    )

    assert "access_token" not in response["Location"]
    query = redirect_query(response["Location"])
    assert query["error"] in {"unsupported_response_type", "unauthorized_client"}
    assert not AccessToken.objects.exists()


def test_password_grant_is_refused(client, cms_app, staff_user):
    response = token_request(
        client, cms_app, grant_type="password", username=staff_user.email, password=TEST_PASSWORD
    )

    assert response.status_code in {400, 401}
    assert response.json()["error"] in {"unsupported_grant_type", "unauthorized_client"}
    assert not AccessToken.objects.exists()


def test_no_application_can_be_registered_for_implicit_or_password_grants(db):
    for grant in (ApplicationFactory._meta.model.GRANT_IMPLICIT, "password", "openid-hybrid"):
        application = ApplicationFactory.build(authorization_grant_type=grant)
        with pytest.raises(Exception, match="authorization code or the device code grant"):
            application.full_clean()


def test_device_authorization_grant_is_open_to_applications_that_declare_it(client, db):
    agent = ApplicationFactory(
        client_type="public",
        authorization_grant_type="urn:ietf:params:oauth:grant-type:device_code",
        redirect_uris="",
        client_secret="",
    )

    started = client.post(
        "/o/device-authorization/", f"client_id={agent.client_id}", content_type=FORM
    )

    assert started.status_code == 200, started.content
    device = started.json()
    assert device["verification_uri"].endswith("/agent/device/")
    assert device["user_code"]
    poll = client.post(
        "/o/token/",
        urlencode(
            {
                "grant_type": "urn:ietf:params:oauth:grant-type:device_code",
                "device_code": device["device_code"],
                "client_id": agent.client_id,
            }
        ),
        content_type=FORM,
    )
    assert poll.json()["error"] == "authorization_pending"


def test_device_authorization_is_refused_to_applications_that_do_not_declare_it(client, cms_app):
    response = client.post(
        "/o/device-authorization/", f"client_id={cms_app.client_id}", content_type=FORM
    )

    assert response.status_code in {400, 401}
