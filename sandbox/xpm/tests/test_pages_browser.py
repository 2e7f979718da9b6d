"""The sign-in and consent pages in headless Chromium, found by their labels as a person would."""

from urllib.parse import parse_qs, urlsplit

import pytest

from sandbox.xpm import DEFAULT_USER_EMAIL, DEFAULT_USER_PASSWORD
from sandbox.xpm.tests.conftest import CALLBACK, CLIENT_ID, SCOPE

pytestmark = pytest.mark.e2e


@pytest.fixture
def page(xpm, browser):
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(10_000)
    # Tandem is not running here: the redirect back to it is answered in the browser.
    page.route(f"{CALLBACK}**", lambda route: route.fulfill(body="Back in Tandem"))
    yield page
    context.close()


def authorize_url(xpm) -> str:
    query = f"response_type=code&client_id={CLIENT_ID}&redirect_uri={CALLBACK}&state=s1"
    return f"{xpm.authorize_url}?{query}&scope={SCOPE.replace(' ', '%20')}"


def sign_in(page) -> None:
    page.get_by_label("Email address").fill(DEFAULT_USER_EMAIL)
    page.get_by_label("Password").fill(DEFAULT_USER_PASSWORD)
    page.get_by_role("button", name="Log in").click()


def test_a_person_signs_in_picks_an_organisation_and_returns_with_a_code(xpm, page):
    page.goto(authorize_url(xpm))
    sign_in(page)
    page.get_by_label("Harbour Accounting", exact=True).check()
    page.get_by_role("button", name="Allow access").click()
    page.wait_for_url(f"{CALLBACK}**")

    query = parse_qs(urlsplit(page.url).query)
    assert query["state"] == ["s1"]
    assert query["code"][0] in xpm.identity.codes
    assert xpm.identity.codes[query["code"][0]].grant.tenant_ids == (xpm.tenant_id,)


def test_cancel_returns_access_denied(xpm, page):
    page.goto(authorize_url(xpm))
    sign_in(page)
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(f"{CALLBACK}**")

    assert parse_qs(urlsplit(page.url).query)["error"] == ["access_denied"]


def test_a_wrong_password_is_explained(xpm, page):
    page.goto(authorize_url(xpm))
    page.get_by_label("Email address").fill(DEFAULT_USER_EMAIL)
    page.get_by_label("Password").fill("not-the-password")
    page.get_by_role("button", name="Log in").click()

    assert page.get_by_role("alert").inner_text() == "Your email address or password is incorrect."
