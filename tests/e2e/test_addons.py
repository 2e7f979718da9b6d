"""Connecting Xero Practice Manager from the Add-ons page, through the XPM sandbox's sign-in."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from accounts.tests.factories import FirmFactory, member_create
from sandbox.xpm import DEFAULT_USER_EMAIL, DEFAULT_USER_PASSWORD, XpmSandbox

ROW_NAME = "Xero Practice Manager: Harbour Accounting"


@pytest.fixture
def xpm_sandbox(live_server, settings):
    callback = f"{live_server.url}/addons/xpm/callback/"
    with XpmSandbox(clients=40, seed=1, rate_limits=False, redirect_uris=[callback]) as sandbox:
        settings.XERO_AUTHORIZE_URL = sandbox.authorize_url
        settings.XERO_TOKEN_URL = sandbox.token_url
        settings.XERO_CONNECTIONS_URL = sandbox.connections_url
        settings.XPM_API_BASE = sandbox.api_base
        yield sandbox


@pytest.fixture
def firm():
    return FirmFactory(name="Harbour Accounting Limited", slug="harbour")


def test_an_administrator_connects_xpm_and_disconnects_it(page, log_in, firm, xpm_sandbox):
    admin = member_create(
        firm=firm, role=Role.ADMIN, email="aroha@harbour.example.com", first_name="Aroha"
    )
    log_in(admin)

    page.get_by_role("link", name="Add-ons").click()
    page.get_by_role("button", name="Add add-on").click()
    page.get_by_role("button", name="Xero Practice Manager").click()

    expect(page.get_by_role("heading", name="Log in to Xero")).to_be_visible()
    page.get_by_label("Email address").fill(DEFAULT_USER_EMAIL)
    page.get_by_label("Password").fill(DEFAULT_USER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_label("Harbour Accounting", exact=True).check()
    page.get_by_label("Harbour Accounting Training").check()
    page.get_by_role("button", name="Allow access").click()

    expect(page.get_by_role("heading", name="Select an account")).to_be_visible()
    page.get_by_label("Harbour Accounting", exact=True).check()
    page.get_by_role("button", name="Next").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Xero Practice Manager is connected to Harbour Accounting."
    )
    row = page.get_by_role("row", name=ROW_NAME)
    expect(row).to_contain_text("Active")
    expect(row).to_contain_text(str(admin))

    row.get_by_role("button", name="Disconnect").click()
    expect(
        page.get_by_role("heading", name="Disconnect Xero Practice Manager (Harbour Accounting)?")
    ).to_be_visible()
    page.get_by_role("button", name="Disconnect").click()

    expect(page.get_by_role("row", name=ROW_NAME)).to_contain_text("Disconnected")
    still_connected = {c.tenant_name for c in xpm_sandbox.identity.connections.values()}
    assert still_connected == {"Harbour Accounting Training"}


def test_refusing_access_on_the_xpm_page_connects_nothing(page, log_in, firm, xpm_sandbox):
    admin = member_create(firm=firm, role=Role.ADMIN, email="aroha@harbour.example.com")
    log_in(admin)

    page.goto("/addons/add/")
    page.get_by_role("button", name="Xero Practice Manager").click()
    page.get_by_label("Email address").fill(DEFAULT_USER_EMAIL)
    page.get_by_label("Password").fill(DEFAULT_USER_PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("button", name="Cancel").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Access to Xero Practice Manager was not allowed, so nothing was connected."
    )
    expect(page.get_by_role("row", name=ROW_NAME)).to_have_count(0)


def test_staff_see_addons_but_cannot_add_one(page, log_in, firm):
    staff = member_create(firm=firm, role=Role.STAFF, email="sam@harbour.example.com")
    log_in(staff)

    page.get_by_role("link", name="Add-ons").click()

    expect(page.get_by_role("heading", name="Add-ons")).to_be_visible()
    expect(page.get_by_role("button", name="Add add-on")).to_have_count(0)
    assert page.goto("/addons/add/").status == 403
