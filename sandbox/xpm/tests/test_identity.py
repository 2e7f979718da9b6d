"""Xero identity over HTTP: the sign-in and consent pages, codes, tokens and connections."""

import base64
import hashlib
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from sandbox.xpm import DEFAULT_USER_EMAIL, DEFAULT_USER_PASSWORD
from sandbox.xpm.identity import REFRESH_RETRY_SECONDS, REFRESH_TOKEN_SECONDS
from sandbox.xpm.tests.conftest import (
    CALLBACK,
    CLIENT_ID,
    CLIENT_SECRET,
    SCOPE,
    api_client,
    refresh,
    tokens_get,
)
from sandbox.xpm.tests.spec import assert_identity_response, needs_spec


def authorize_params(**overrides) -> dict:
    return {
        "response_type": "code",
        "client_id": CLIENT_ID,
        "redirect_uri": CALLBACK,
        "scope": SCOPE,
        "state": "st4te",
    } | overrides


def hidden_request_id(html: str) -> str:
    return re.search(r"name='request' value='([^']+)'", html).group(1)


def sign_in_and_consent(xpm, *, tenants: list[str], params: dict | None = None) -> httpx.Response:
    """Walk the pages as a person would; return the final redirect to the app."""
    with httpx.Client(base_url=xpm.base_url) as browser:
        page = browser.get("/identity/connect/authorize", params=params or authorize_params())
        assert page.status_code == 200
        signed_in = browser.post(
            "/identity/connect/authorize/login",
            data={
                "request": hidden_request_id(page.text),
                "email": DEFAULT_USER_EMAIL,
                "password": DEFAULT_USER_PASSWORD,
            },
        )
        assert signed_in.status_code == 303
        consent = browser.get(signed_in.headers["Location"])
        assert "Harbour Accounting Training" in consent.text
        return browser.post(
            "/identity/connect/consent",
            data={"request": hidden_request_id(consent.text), "tenant": tenants, "action": "allow"},
        )


def redirect_query(response: httpx.Response) -> dict[str, str]:
    location = response.headers["Location"]
    assert location.startswith(CALLBACK)
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def code_exchange(xpm, code: str, **extra) -> httpx.Response:
    return httpx.post(
        xpm.token_url,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK} | extra,
        auth=(CLIENT_ID, CLIENT_SECRET),
    )


def test_the_pages_lead_to_a_code_that_buys_tokens_for_the_chosen_organisation(xpm):
    answer = sign_in_and_consent(xpm, tenants=[xpm.training_tenant_id])

    assert answer.status_code == 302
    query = redirect_query(answer)
    assert query["state"] == "st4te"
    assert query["scope"] == SCOPE
    tokens = code_exchange(xpm, query["code"]).json()
    assert tokens["token_type"] == "Bearer"
    assert tokens["expires_in"] == 1800
    assert tokens["scope"] == SCOPE
    assert tokens["refresh_token"]
    connections = httpx.get(
        xpm.connections_url, headers={"Authorization": f"Bearer {tokens['access_token']}"}
    ).json()
    assert [(c["tenantId"], c["tenantName"]) for c in connections] == [
        (xpm.training_tenant_id, "Harbour Accounting Training")
    ]


def test_the_sign_in_page_has_the_labels_a_person_looks_for(xpm):
    page = httpx.get(xpm.authorize_url, params=authorize_params())

    assert "<label for='email'>Email address</label>" in page.text
    assert "<label for='password'>Password</label>" in page.text
    assert ">Log in</button>" in page.text


def test_a_wrong_password_shows_the_form_again_with_a_message(xpm):
    page = httpx.get(xpm.authorize_url, params=authorize_params())

    answer = httpx.post(
        f"{xpm.base_url}/identity/connect/authorize/login",
        data={
            "request": hidden_request_id(page.text),
            "email": DEFAULT_USER_EMAIL,
            "password": "x",
        },
    )

    assert answer.status_code == 401
    assert "Your email address or password is incorrect." in answer.text


def test_consent_without_an_organisation_is_refused_with_a_message(xpm):
    answer = sign_in_and_consent(xpm, tenants=[])

    assert answer.status_code == 400
    assert "Choose at least one organisation." in answer.text


def test_cancel_returns_access_denied_to_the_app(xpm):
    with httpx.Client(base_url=xpm.base_url) as browser:
        page = browser.get("/identity/connect/authorize", params=authorize_params())
        signed_in = browser.post(
            "/identity/connect/authorize/login",
            data={
                "request": hidden_request_id(page.text),
                "email": DEFAULT_USER_EMAIL,
                "password": DEFAULT_USER_PASSWORD,
            },
        )
        consent = browser.get(signed_in.headers["Location"])
        answer = browser.post(
            "/identity/connect/consent",
            data={"request": hidden_request_id(consent.text), "action": "cancel"},
        )

    assert redirect_query(answer) == {"error": "access_denied", "state": "st4te"}


@pytest.mark.parametrize(
    "redirect_uri",
    [
        "http://127.0.0.1:8000/addons/xpm/callback",
        "http://127.0.0.1:8000/addons/xpm/callback/?next=/",
        "http://evil.example.com/addons/xpm/callback/",
    ],
)
def test_a_redirect_uri_that_is_not_registered_exactly_gets_an_error_page(xpm, redirect_uri):
    answer = httpx.get(xpm.authorize_url, params=authorize_params(redirect_uri=redirect_uri))

    assert answer.status_code == 400
    assert "Location" not in answer.headers
    assert "redirect_uri does not match" in answer.text


def test_an_unknown_client_gets_an_error_page(xpm):
    answer = httpx.get(xpm.authorize_url, params=authorize_params(client_id="someone-else"))

    assert answer.status_code == 400
    assert "Location" not in answer.headers


def test_an_unknown_scope_is_sent_back_as_invalid_scope(xpm):
    answer = httpx.get(xpm.authorize_url, params=authorize_params(scope="accounting.everything"))

    assert redirect_query(answer) == {"error": "invalid_scope", "state": "st4te"}


def test_a_code_works_once(xpm):
    code = xpm.consent_code(redirect_uri=CALLBACK, scope=SCOPE)

    assert code_exchange(xpm, code).status_code == 200
    second = code_exchange(xpm, code)

    assert second.status_code == 400
    assert second.json()["error"] == "invalid_grant"


def test_a_code_expires_after_five_minutes(xpm, clock):
    code = xpm.consent_code(redirect_uri=CALLBACK, scope=SCOPE)
    clock.advance(5 * 60 + 1)

    assert code_exchange(xpm, code).json()["error"] == "invalid_grant"


def test_a_code_needs_the_redirect_uri_of_its_authorize_call(xpm):
    code = xpm.consent_code(redirect_uri=CALLBACK, scope=SCOPE)

    answer = code_exchange(xpm, code, redirect_uri="http://127.0.0.1:8000/other/")

    assert answer.json()["error"] == "invalid_grant"


def test_pkce_needs_the_verifier_of_the_challenge(xpm):
    verifier = "a-long-enough-code-verifier-for-the-sandbox-0123456789"
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    challenge = challenge.decode().rstrip("=")
    wrong = xpm.consent_code(redirect_uri=CALLBACK, scope=SCOPE, code_challenge=challenge)
    right = xpm.consent_code(redirect_uri=CALLBACK, scope=SCOPE, code_challenge=challenge)

    assert code_exchange(xpm, wrong, code_verifier="not-it").json()["error"] == "invalid_grant"
    assert code_exchange(xpm, right, code_verifier=verifier).status_code == 200


def test_client_credentials_may_come_in_the_form(xpm):
    code = xpm.consent_code(redirect_uri=CALLBACK, scope=SCOPE)

    answer = httpx.post(
        xpm.token_url,
        data={
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": CALLBACK,
            "client_id": CLIENT_ID,
            "client_secret": CLIENT_SECRET,
        },
    )

    assert answer.status_code == 200


def test_a_wrong_client_secret_is_invalid_client(xpm):
    code = xpm.consent_code(redirect_uri=CALLBACK, scope=SCOPE)

    answer = httpx.post(
        xpm.token_url,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=(CLIENT_ID, "guess"),
    )

    assert answer.status_code == 400
    assert answer.json()["error"] == "invalid_client"


def test_an_unknown_grant_type_is_refused(xpm):
    answer = httpx.post(
        xpm.token_url, data={"grant_type": "password"}, auth=(CLIENT_ID, CLIENT_SECRET)
    )

    assert answer.json()["error"] == "unsupported_grant_type"


def test_without_offline_access_there_is_no_refresh_token(xpm):
    code = xpm.consent_code(redirect_uri=CALLBACK, scope="practicemanager.client.read")

    assert "refresh_token" not in code_exchange(xpm, code).json()


def test_an_access_token_expires_after_its_lifetime(xpm, clock):
    tokens = tokens_get(xpm)
    with api_client(xpm, tokens["access_token"]) as api:
        assert api.get("clientgroup.api/list").status_code == 200
        clock.advance(1800)

        assert api.get("clientgroup.api/list").status_code == 401


def test_refresh_rotates_and_the_old_token_stops_working_once_the_new_one_is_used(xpm):
    first = tokens_get(xpm)
    second = refresh(xpm, first["refresh_token"]).json()
    assert second["refresh_token"] != first["refresh_token"]
    third = refresh(xpm, second["refresh_token"])
    assert third.status_code == 200

    again = refresh(xpm, first["refresh_token"])

    assert again.status_code == 400
    assert again.json() == {
        "error": "invalid_grant",
        "error_description": "The refresh token was already used.",
    }


def test_a_rotated_token_retried_within_30_minutes_replaces_the_lost_pair(xpm, clock):
    first = tokens_get(xpm)
    lost = refresh(xpm, first["refresh_token"]).json()
    clock.advance(REFRESH_RETRY_SECONDS - 1)

    retried = refresh(xpm, first["refresh_token"])

    assert retried.status_code == 200
    fresh = retried.json()
    assert refresh(xpm, lost["refresh_token"]).json()["error"] == "invalid_grant"
    with api_client(xpm, lost["access_token"]) as api:
        assert api.get("clientgroup.api/list").status_code == 401
    with api_client(xpm, fresh["access_token"]) as api:
        assert api.get("clientgroup.api/list").status_code == 200


def test_a_rotated_token_is_refused_after_the_30_minute_window(xpm, clock):
    first = tokens_get(xpm)
    refresh(xpm, first["refresh_token"])
    clock.advance(REFRESH_RETRY_SECONDS + 1)

    assert refresh(xpm, first["refresh_token"]).json()["error"] == "invalid_grant"


def test_a_refresh_token_expires_after_60_days_unused(xpm, clock):
    tokens = tokens_get(xpm)
    clock.advance(REFRESH_TOKEN_SECONDS)

    assert refresh(xpm, tokens["refresh_token"]).json()["error"] == "invalid_grant"


def test_an_unknown_refresh_token_is_invalid_grant(xpm):
    assert refresh(xpm, "made-up").json()["error"] == "invalid_grant"


def test_connections_need_a_valid_bearer_token(xpm):
    answer = httpx.get(xpm.connections_url, headers={"Authorization": "Bearer nope"})

    assert answer.status_code == 401
    assert answer.json()["title"] == "Unauthorized"


def test_deleting_a_connection_takes_that_organisation_out_of_reach(xpm):
    both = [xpm.tenant_id, xpm.training_tenant_id]
    tokens = tokens_get(xpm, tenant_ids=both)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    connections = httpx.get(xpm.connections_url, headers=bearer).json()
    training = next(c for c in connections if c["tenantId"] == xpm.training_tenant_id)

    deleted = httpx.delete(f"{xpm.connections_url}/{training['id']}", headers=bearer)

    assert deleted.status_code == 204
    remaining = httpx.get(xpm.connections_url, headers=bearer).json()
    assert [c["tenantId"] for c in remaining] == [xpm.tenant_id]
    with api_client(xpm, tokens["access_token"], xpm.training_tenant_id) as api:
        assert api.get("clientgroup.api/list").status_code == 403
    assert (
        httpx.delete(f"{xpm.connections_url}/{training['id']}", headers=bearer).status_code == 404
    )


def test_connections_filter_by_auth_event(xpm):
    tokens = tokens_get(xpm)
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    [connection] = httpx.get(xpm.connections_url, headers=bearer).json()

    same = httpx.get(
        xpm.connections_url, headers=bearer, params={"authEventId": connection["authEventId"]}
    )
    other = httpx.get(
        xpm.connections_url,
        headers=bearer,
        params={"authEventId": "00000000-0000-0000-0000-000000000000"},
    )

    assert len(same.json()) == 1
    assert other.json() == []


@needs_spec
def test_connections_match_the_identity_spec(xpm):
    tokens = tokens_get(xpm, tenant_ids=[xpm.tenant_id, xpm.training_tenant_id])
    bearer = {"Authorization": f"Bearer {tokens['access_token']}"}
    listed = httpx.get(xpm.connections_url, headers=bearer)
    assert_identity_response(listed)
    assert {c["tenantType"] for c in listed.json()} == {"PRACTICEMANAGER"}

    deleted = httpx.delete(f"{xpm.connections_url}/{listed.json()[0]['id']}", headers=bearer)
    assert_identity_response(deleted)
    missing = httpx.delete(f"{xpm.connections_url}/{listed.json()[0]['id']}", headers=bearer)
    assert_identity_response(missing)


def test_tenant_ids_are_stable_for_a_seed(xpm):
    from sandbox.xpm.seed import tenant_id_for

    assert xpm.tenant_id == tenant_id_for(1, 0)
    assert tenant_id_for(1, 0) != tenant_id_for(2, 0)
