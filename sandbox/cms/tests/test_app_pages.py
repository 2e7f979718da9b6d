"""Signing in and connecting to Tandem, through the pages, against a fake Tandem on loopback."""

import httpx
import pytest

from sandbox.cms import (
    CARER_EMAIL,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    SANDBOX_PASSWORD,
    TANDEM_DEMO_ADMIN_EMAIL,
    CmsSandbox,
)
from sandbox.cms.tests.fake_tandem import FakeTandem

CONNECTED = "Your account is connected to Tandem."


@pytest.fixture
def tandem(signing_key):
    with FakeTandem(
        key=signing_key,
        client_id=DEFAULT_CLIENT_ID,
        client_secret=DEFAULT_CLIENT_SECRET,
        redirect_uri="",  # the sandbox's, once it has a port
        email=CARER_EMAIL,
    ) as tandem:
        yield tandem


@pytest.fixture
def cms(tandem):
    with CmsSandbox(tandem_url=tandem.url) as sandbox:
        tandem.redirect_uri = sandbox.redirect_uri
        yield sandbox


@pytest.fixture
def browser(cms):
    with httpx.Client(base_url=cms.url, follow_redirects=True) as client:
        yield client


def log_in(browser: httpx.Client, email: str, password: str = SANDBOX_PASSWORD) -> httpx.Response:
    return browser.post("/login", data={"email": email, "password": password})


def test_a_wrong_password_is_refused_on_the_form(browser):
    response = log_in(browser, CARER_EMAIL, "wrong")

    assert response.status_code == 401
    assert "Your email or password is incorrect." in response.text
    assert browser.get("/account").url.path == "/login"


def test_a_user_connects_from_connected_accounts(cms, tandem, browser):
    before = log_in(browser, CARER_EMAIL)

    after = browser.post("/account/connect")

    assert "Your account is not connected to Tandem." in before.text
    assert after.url.path == "/account/connected"
    assert CONNECTED in after.text
    [account] = [a for a in cms.accounts if a.name == "Harbourside Disability Support"]
    assert tandem.registered == {account.id: account.name}
    connection = cms.connections[account.id]
    assert (connection.tandem_sub, connection.connected_by) == (tandem.sub, CARER_EMAIL)
    assert connection.connection_id == f"conn-{account.id[:8]}"


def test_log_in_with_tandem_signs_in_by_verified_email_and_connects(cms, tandem, browser):
    tandem.email = TANDEM_DEMO_ADMIN_EMAIL

    response = browser.post("/oauth/login")

    assert response.url.path == "/account/connected"
    assert CONNECTED in response.text
    assert "Demo Admin" in response.text
    assert set(tandem.registered.values()) == {
        "Kauri Home Care",
        "Southern Cross Support Services",
    }
    assert {c.tandem_sub for c in cms.connections.values()} == {tandem.sub}


@pytest.mark.parametrize(
    ("email", "verified", "message"),
    [
        ("someone@else.example", True, "Tandem matches no user with the email someone@else"),
        (CARER_EMAIL, False, f"Tandem has not verified the email {CARER_EMAIL}"),
    ],
)
def test_log_in_with_tandem_needs_a_verified_known_email(
    cms, tandem, browser, email, verified, message
):
    tandem.email, tandem.email_verified = email, verified

    response = browser.post("/oauth/login")

    assert response.url.path == "/login"
    assert message in response.text
    assert cms.connections == {}
    assert browser.get("/account").url.path == "/login"


def test_refusing_at_tandem_connects_nothing(cms, tandem, browser):
    tandem.deny = True
    log_in(browser, CARER_EMAIL)

    response = browser.post("/account/connect")

    assert "Tandem did not connect: access_denied." in response.text
    assert cms.connections == {}


def test_a_callback_this_browser_did_not_start_is_refused(cms, tandem, browser):
    log_in(browser, CARER_EMAIL)
    started = browser.post("/account/connect", follow_redirects=False)
    authorize = httpx.get(started.headers["Location"])

    with httpx.Client(follow_redirects=True) as other_browser:
        response = other_browser.get(authorize.headers["Location"])

    assert "That sign-in with Tandem expired; start again." in response.text
    assert cms.connections == {}


def test_disconnect_tells_tandem_and_closes_the_feed(cms, tandem, browser):
    log_in(browser, CARER_EMAIL)
    browser.post("/account/connect")
    [account_id] = cms.connections

    response = browser.post(f"/account/connected/{account_id}/disconnect")

    assert "Harbourside Disability Support is disconnected from Tandem." in response.text
    assert tandem.unregistered == [account_id]
    assert cms.connections == {}


def test_disconnect_days_later_refreshes_the_access_token_once_for_all_accounts(
    cms, tandem, browser
):
    tandem.email = TANDEM_DEMO_ADMIN_EMAIL
    browser.post("/oauth/login")
    tandem.access_tokens.clear()  # expired
    first, second = cms.connections

    browser.post(f"/account/connected/{first}/disconnect")
    response = browser.post(f"/account/connected/{second}/disconnect")

    assert "Southern Cross Support Services is disconnected from Tandem." in response.text
    assert tandem.unregistered == [first, second]
    assert len(tandem.refresh_tokens) == 1


def test_another_users_account_cannot_be_disconnected(cms, browser):
    cms.connection_record(account_id=cms.accounts[0].id, tandem_sub="someone")
    log_in(browser, CARER_EMAIL)

    response = browser.post(f"/account/connected/{cms.accounts[0].id}/disconnect")

    assert response.status_code == 404
    assert cms.accounts[0].id in cms.connections


def test_tandem_unreachable_is_said_plainly():
    with (
        CmsSandbox(tandem_url="http://127.0.0.1:1") as cms,
        httpx.Client(base_url=cms.url, follow_redirects=True) as browser,
    ):
        log_in(browser, CARER_EMAIL)

        response = browser.post("/account/connect")

    assert "Tandem could not be reached at http://127.0.0.1:1/" in response.text
