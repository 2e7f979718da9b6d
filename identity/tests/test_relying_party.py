"""An independent relying party (Authlib and joserfc) signs a person in against live Tandem."""

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.jwk import KeySet

from accounts.tests.factories import TEST_PASSWORD
from identity.selectors import user_subject
from identity.tests.conftest import REDIRECT_URI, consent_form
from identity.tests.factories import CLIENT_SECRET


@pytest.fixture
def issuer(live_server, settings):
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    return live_server.url


@pytest.fixture
def browser_session(issuer, staff_user):
    """The person's browser: signed in through Tandem's own login form."""
    with httpx.Client(base_url=issuer, follow_redirects=False) as session:
        session.get("/accounts/login/")
        response = session.post(
            "/accounts/login/",
            data={
                "username": staff_user.email,
                "password": TEST_PASSWORD,
                "csrfmiddlewaretoken": session.cookies["csrftoken"],
            },
        )
        assert response.status_code == 302
        yield session


def _authorise(session: httpx.Client, authorization_url: str) -> str:
    """Follow the authorization URL, press Authorise, and return where Tandem redirects."""
    page = session.get(authorization_url)
    assert page.status_code == 200, page.text
    response = session.post(
        "/o/authorize/",
        data={**consent_form(page.text), "allow": "Authorise"},
        headers={"Referer": authorization_url},
    )
    assert response.status_code == 302
    return response.headers["Location"]


def _relying_party(cms_app, discovery: dict) -> OAuth2Client:
    return OAuth2Client(
        client_id=cms_app.client_id,
        client_secret=CLIENT_SECRET,
        redirect_uri=REDIRECT_URI,
        scope="openid email profile connect",
        code_challenge_method="S256",
        token_endpoint=discovery["token_endpoint"],
    )


def test_sign_in_with_tandem(issuer, browser_session, cms_app, staff_user):
    discovery = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
    assert discovery["issuer"] == issuer
    relying_party = _relying_party(cms_app, discovery)
    verifier, nonce = generate_token(48), generate_token(20)
    authorization_url, _state = relying_party.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier, nonce=nonce
    )

    callback = _authorise(browser_session, authorization_url)
    assert callback.startswith(f"{REDIRECT_URI}?")
    assert httpx.URL(callback).params["iss"] == issuer  # RFC 9207
    token = relying_party.fetch_token(
        discovery["token_endpoint"], authorization_response=callback, code_verifier=verifier
    )

    jwks = KeySet.import_key_set(httpx.get(discovery["jwks_uri"]).json())
    id_token = jwt.decode(token["id_token"], jwks, algorithms=["RS256"])
    assert id_token.header["kid"] in {key["kid"] for key in jwks.as_dict()["keys"]}
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": issuer},
        aud={"essential": True, "value": cms_app.client_id},
        sub={"essential": True, "value": user_subject(staff_user)},
        nonce={"essential": True, "value": nonce},
        exp={"essential": True},
    ).validate(id_token.claims)
    assert id_token.claims["email"] == staff_user.email
    userinfo = relying_party.get(discovery["userinfo_endpoint"]).json()
    assert userinfo["sub"] == user_subject(staff_user)


def test_refresh_token_rotation_seen_from_the_relying_party(issuer, browser_session, cms_app):
    discovery = httpx.get(f"{issuer}/.well-known/openid-configuration").json()
    relying_party = _relying_party(cms_app, discovery)
    verifier = generate_token(48)
    authorization_url, _state = relying_party.create_authorization_url(
        discovery["authorization_endpoint"], code_verifier=verifier
    )
    first = relying_party.fetch_token(
        discovery["token_endpoint"],
        authorization_response=_authorise(browser_session, authorization_url),
        code_verifier=verifier,
    )

    second = relying_party.refresh_token(
        discovery["token_endpoint"], refresh_token=first["refresh_token"]
    )
    replay = httpx.post(
        discovery["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": first["refresh_token"]},
        auth=(cms_app.client_id, CLIENT_SECRET),
    )

    assert second["refresh_token"] != first["refresh_token"]
    assert replay.json()["error"] == "invalid_grant"
    after_replay = httpx.post(
        discovery["token_endpoint"],
        data={"grant_type": "refresh_token", "refresh_token": second["refresh_token"]},
        auth=(cms_app.client_id, CLIENT_SECRET),
    )
    assert after_replay.json()["error"] == "invalid_grant"
