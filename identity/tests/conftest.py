"""An OAuth client's side of the conversation, for tests that drive Tandem's provider."""

import base64
import hashlib
import secrets
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit

import pytest

from identity.tests.factories import CLIENT_SECRET, ApplicationFactory

REDIRECT_URI = "https://cms.example.com/oauth/callback"


@pytest.fixture
def cms_app(db):
    return ApplicationFactory(name="Ledgerly CMS", redirect_uris=REDIRECT_URI)


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.rstrip(b"=").decode()


def authorization_params(application, *, challenge: str, **overrides) -> dict:
    params = {
        "response_type": "code",
        "client_id": application.client_id,
        "redirect_uri": REDIRECT_URI,
        "scope": "openid email connect",
        "state": "state-123",
        "nonce": "nonce-456",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    params.update(overrides)
    return {key: value for key, value in params.items() if value is not None}


class _HiddenInputs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.values: dict[str, str] = {}

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "input" and attributes.get("type") == "hidden" and attributes.get("name"):
            self.values[attributes["name"]] = attributes.get("value") or ""


def consent_form(html: str) -> dict[str, str]:
    """The hidden fields of the consent form, as a browser would post them back."""
    parser = _HiddenInputs()
    parser.feed(html)
    return parser.values


def redirect_query(location: str) -> dict[str, str]:
    return {key: values[0] for key, values in parse_qs(urlsplit(location).query).items()}


def authorise(http, application, *, challenge: str, **overrides) -> dict[str, str]:
    """Ask for a code as `http`'s signed-in user and press Authorise; the redirect's query."""
    params = authorization_params(application, challenge=challenge, **overrides)
    page = http.get("/o/authorize/", params)
    assert page.status_code == 200, page.content
    response = http.post(
        "/o/authorize/", {**consent_form(page.content.decode()), "allow": "Authorise"}
    )
    assert response.status_code == 302
    return redirect_query(response["Location"])


def token_request(http, application, **data):
    credentials = base64.b64encode(f"{application.client_id}:{CLIENT_SECRET}".encode()).decode()
    return http.post("/o/token/", data, HTTP_AUTHORIZATION=f"Basic {credentials}")


def code_exchange(http, application, *, code: str, verifier: str):
    return token_request(
        http,
        application,
        grant_type="authorization_code",
        code=code,
        redirect_uri=REDIRECT_URI,
        code_verifier=verifier,
    )
