from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from accounts.models import AuditEvent
from identity import keys
from identity.models import Consent
from identity.tests.conftest import (
    authorise,
    authorization_params,
    code_exchange,
    consent_form,
    pkce_pair,
    redirect_query,
)


def test_authorization_asks_an_anonymous_visitor_to_log_in_first(client, cms_app):
    params = authorization_params(cms_app, challenge=pkce_pair()[1])

    response = client.get("/o/authorize/", params)

    assert response.status_code == 302
    login = urlsplit(response["Location"])
    assert login.path == "/accounts/login/"
    assert parse_qs(login.query)["next"] == [f"/o/authorize/?{urlencode(params)}"]


def test_consent_page_names_the_application_and_what_it_asks_for(as_staff, cms_app):
    response = as_staff.get(
        "/o/authorize/", authorization_params(cms_app, challenge=pkce_pair()[1])
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Ledgerly CMS wants to use your Tandem account" in page
    assert "See your email address" in page
    assert "Connect an account of its own to your firm in Tandem" in page
    assert ">Authorise</button>" in page
    assert ">Cancel</button>" in page


def test_consent_page_cannot_be_framed_or_cached(as_staff, cms_app, settings):
    # Whatever the site-wide policy allows, this page refuses every frame.
    settings.CONTENT_SECURITY_POLICY = {
        "DIRECTIVES": {"default-src": ["'self'"], "frame-ancestors": ["'self'"]}
    }
    settings.X_FRAME_OPTIONS = "SAMEORIGIN"

    response = as_staff.get(
        "/o/authorize/", authorization_params(cms_app, challenge=pkce_pair()[1])
    )

    assert response["X-Frame-Options"] == "DENY"
    policy = [directive.strip() for directive in response["Content-Security-Policy"].split(";")]
    assert "frame-ancestors 'none'" in policy
    assert "default-src 'self'" in policy
    assert "no-store" in response["Cache-Control"]


def test_consent_page_may_load_the_suppliers_logo_and_nothing_else_from_its_origin(
    as_staff, cms_app
):
    cms_app.logo_url = "https://cdn.ledgerly.example/brand/logo.png"
    cms_app.save()

    response = as_staff.get(
        "/o/authorize/", authorization_params(cms_app, challenge=pkce_pair()[1])
    )

    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert "https://cdn.ledgerly.example" in policy["img-src"]
    assert "https://cdn.ledgerly.example" not in policy.get("script-src", [])
    assert 'src="https://cdn.ledgerly.example/brand/logo.png"' in response.content.decode()


def test_cancel_refuses_access_and_remembers_nothing(as_staff, cms_app):
    page = as_staff.get("/o/authorize/", authorization_params(cms_app, challenge=pkce_pair()[1]))

    response = as_staff.post("/o/authorize/", consent_form(page.content.decode()))

    query = redirect_query(response["Location"])
    assert query["error"] == "access_denied"
    assert query["state"] == "state-123"
    assert query["iss"] == keys.issuer()
    assert not Consent.objects.exists()


def test_consent_is_asked_once_per_application_and_scopes(as_staff, cms_app, firm):
    authorise(as_staff, cms_app, challenge=pkce_pair()[1])
    assert AuditEvent.objects.filter(firm=firm, action="oauth_application.authorise").exists()

    again = as_staff.get("/o/authorize/", authorization_params(cms_app, challenge=pkce_pair()[1]))
    fewer = as_staff.get(
        "/o/authorize/", authorization_params(cms_app, challenge=pkce_pair()[1], scope="openid")
    )
    more = as_staff.get(
        "/o/authorize/",
        authorization_params(cms_app, challenge=pkce_pair()[1], scope="openid clients:read"),
    )

    assert redirect_query(again["Location"])["code"]
    assert redirect_query(fewer["Location"])["code"]
    assert more.status_code == 200
    assert "Read your firm&#x27;s clients" in more.content.decode()


def test_consent_given_by_one_person_is_asked_of_another(as_staff, as_admin, cms_app):
    authorise(as_staff, cms_app, challenge=pkce_pair()[1])

    response = as_admin.get(
        "/o/authorize/", authorization_params(cms_app, challenge=pkce_pair()[1])
    )

    assert response.status_code == 200


def test_prompt_consent_asks_again(as_staff, cms_app):
    authorise(as_staff, cms_app, challenge=pkce_pair()[1])

    response = as_staff.get(
        "/o/authorize/",
        authorization_params(cms_app, challenge=pkce_pair()[1], prompt="consent"),
    )

    assert response.status_code == 200


def test_prompt_none_without_consent_answers_consent_required(as_staff, cms_app):
    response = as_staff.get(
        "/o/authorize/", authorization_params(cms_app, challenge=pkce_pair()[1], prompt="none")
    )

    query = redirect_query(response["Location"])
    assert query["error"] == "consent_required"
    assert query["state"] == "state-123"
    assert query["iss"] == keys.issuer()


def test_prompt_none_with_consent_answers_with_a_code(as_staff, cms_app):
    authorise(as_staff, cms_app, challenge=pkce_pair()[1])

    response = as_staff.get(
        "/o/authorize/", authorization_params(cms_app, challenge=pkce_pair()[1], prompt="none")
    )

    assert redirect_query(response["Location"])["code"]


def test_prompt_none_for_an_anonymous_visitor_answers_login_required(client, cms_app):
    response = client.get(
        "/o/authorize/", authorization_params(cms_app, challenge=pkce_pair()[1], prompt="none")
    )

    query = redirect_query(response["Location"])
    assert query["error"] == "login_required"
    assert query["state"] == "state-123"


def test_connected_applications_lists_what_the_person_authorised(as_staff, as_admin, cms_app):
    authorise(as_staff, cms_app, challenge=pkce_pair()[1])

    mine = as_staff.get("/connected-applications/").content.decode()
    theirs = as_admin.get("/connected-applications/").content.decode()

    assert "Ledgerly CMS" in mine
    assert "See your email address" in mine
    assert "Ledgerly CMS" not in theirs
    assert "No application uses your Tandem account." in theirs


def test_revoking_an_application_ends_its_tokens_and_asks_consent_again(
    as_staff, cms_app, client, firm
):
    verifier, challenge = pkce_pair()
    code = authorise(as_staff, cms_app, challenge=challenge)["code"]
    tokens = code_exchange(as_staff, cms_app, code=code, verifier=verifier).json()

    response = as_staff.post(
        "/connected-applications/revoke/", {"client_id": cms_app.client_id}, follow=True
    )

    assert "Ledgerly CMS can no longer use your Tandem account." in response.content.decode()
    assert not get_access_token_model().objects.exists()
    assert not get_refresh_token_model().objects.filter(revoked__isnull=True).exists()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {tokens['access_token']}"}
    assert client.get("/o/userinfo/", **bearer).status_code == 401
    assert AuditEvent.objects.filter(firm=firm, action="oauth_application.revoke").exists()
    again = as_staff.get("/o/authorize/", authorization_params(cms_app, challenge=challenge))
    assert again.status_code == 200


def test_revoking_an_application_someone_else_authorised_is_not_found(
    as_staff, as_outsider, cms_app
):
    authorise(as_staff, cms_app, challenge=pkce_pair()[1])

    response = as_outsider.post("/connected-applications/revoke/", {"client_id": cms_app.client_id})

    assert response.status_code == 404
    assert Consent.objects.filter(application=cms_app).exists()


def test_discovery_publishes_the_configured_issuer_and_only_what_is_accepted(client, settings):
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_ISS_ENDPOINT": "https://tandem.example.com",
    }

    document = client.get("/.well-known/openid-configuration").json()

    assert document["issuer"] == "https://tandem.example.com"
    assert document["authorization_endpoint"] == "https://tandem.example.com/o/authorize/"
    assert document["token_endpoint"] == "https://tandem.example.com/o/token/"
    assert document["jwks_uri"] == "https://tandem.example.com/.well-known/jwks.json"
    assert document["device_authorization_endpoint"] == (
        "https://tandem.example.com/o/device-authorization/"
    )
    assert document["response_types_supported"] == ["code"]
    assert document["code_challenge_methods_supported"] == ["S256"]
    assert document["id_token_signing_alg_values_supported"] == ["RS256"]
    assert document["authorization_response_iss_parameter_supported"] is True
    assert "implicit" not in document["grant_types_supported"]
    assert "password" not in document["grant_types_supported"]
    assert {"openid", "connect", "clients:read", "sync:run", "aps:push"} <= set(
        document["scopes_supported"]
    )


def test_oauth_server_metadata_agrees_with_discovery(client):
    metadata = client.get("/.well-known/oauth-authorization-server").json()
    discovery = client.get("/.well-known/openid-configuration").json()

    for key in ("issuer", "authorization_endpoint", "token_endpoint", "response_types_supported"):
        assert metadata[key] == discovery[key]
    assert metadata["code_challenge_methods_supported"] == ["S256"]


def test_jwks_publishes_the_public_key_only(client):
    response = client.get("/.well-known/jwks.json")

    [key] = response.json()["keys"]
    assert key["kty"] == "RSA"
    assert key["alg"] == "RS256"
    assert key["kid"] == keys.key_id(keys.signing_key())
    assert "d" not in key
    assert "max-age=3600" in response["Cache-Control"]


@pytest.mark.parametrize("path", ["/connected-applications/"])
def test_connected_applications_needs_a_signed_in_person(client, path):
    response = client.get(path)

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")
