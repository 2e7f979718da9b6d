"""A person signs in to a CMS with Tandem: log in, read the consent, Cancel, then Authorise."""

from urllib.parse import parse_qs, urlencode, urlsplit

from accounts.models import Role
from accounts.tests.factories import TEST_PASSWORD, FirmFactory, member_create
from identity.tests.conftest import REDIRECT_URI, authorization_params, pkce_pair
from identity.tests.factories import ApplicationFactory


def test_log_in_consent_cancel_then_authorise(page):
    firm = FirmFactory()
    person = member_create(firm=firm, role=Role.STAFF, email="mere@harbour.example.com")
    cms = ApplicationFactory(name="Ledgerly CMS", redirect_uris=REDIRECT_URI)
    # The CMS is not on this machine: its callback page is answered here, in the browser.
    page.route(f"{REDIRECT_URI}?*", lambda route: route.fulfill(body="Back at Ledgerly CMS"))
    authorization_url = (
        f"/o/authorize/?{urlencode(authorization_params(cms, challenge=pkce_pair()[1]))}"
    )

    page.goto(authorization_url)
    page.get_by_label("Email").fill(person.email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in").click()

    page.get_by_role("heading", name="Ledgerly CMS wants to use your Tandem account").wait_for()
    assert page.get_by_text("See your email address").is_visible()
    page.get_by_role("button", name="Cancel").click()
    page.wait_for_url(f"{REDIRECT_URI}?*")
    assert parse_qs(urlsplit(page.url).query)["error"] == ["access_denied"]

    page.goto(authorization_url)
    page.get_by_role("button", name="Authorise").click()
    page.wait_for_url(f"{REDIRECT_URI}?*")
    query = parse_qs(urlsplit(page.url).query)
    assert query["code"]
    assert query["state"] == ["state-123"]
