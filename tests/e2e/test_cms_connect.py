"""A CMS connects its accounts to Tandem, across both servers: "Log in with Tandem" by a person
with the same email in both, and "Connect to Tandem" by one whose emails differ."""

from playwright.sync_api import expect

from accounts.models import Role
from accounts.tests.factories import TEST_PASSWORD, FirmFactory, member_create

# The live CMS sandbox fixture, re-exported so that pytest finds it here.
from integrations.connectors.cms.tests.conftest import cms_live as cms_live
from integrations.models import Connection
from sandbox.cms import CARER_EMAIL, SANDBOX_PASSWORD, TANDEM_DEMO_ADMIN_EMAIL


def sign_in_to_tandem_and_authorise(page, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(TEST_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    page.get_by_role("button", name="Authorise").click()


def test_log_in_with_tandem_connects_the_persons_cms_accounts(page, cms_live):
    firm = FirmFactory(name="Demo Practice Limited")
    member_create(
        firm=firm,
        role=Role.ADMIN,
        email=TANDEM_DEMO_ADMIN_EMAIL,
        first_name="Demo",
        last_name="Admin",
    )
    own_accounts = cms_live.accounts[:2]

    page.goto(f"{cms_live.url}/login")
    page.get_by_role("button", name="Log in with Tandem").click()
    sign_in_to_tandem_and_authorise(page, TANDEM_DEMO_ADMIN_EMAIL)

    expect(page.get_by_text("Your account is connected to Tandem.")).to_be_visible()
    for account in own_accounts:
        expect(page.get_by_role("row", name=account.name)).to_contain_text("Connected since")

    page.goto("/cms/connected-accounts/")
    accounts = page.get_by_role("table", name="Connected accounts")
    for account in own_accounts:
        row = accounts.get_by_role("row", name=account.name)
        expect(row).to_contain_text("CareCloud")
        expect(row).to_contain_text("Demo Admin")
        expect(row).to_contain_text("Connected")
    assert Connection.objects.filter(firm=firm, provider="cms").count() == 2


def test_connect_to_tandem_with_another_email_connects_the_account(page, cms_live):
    firm = FirmFactory(name="Harbour Accounting Limited")
    member_create(
        firm=firm,
        role=Role.ADMIN,
        email="mere@harbour.example.com",
        first_name="Mere",
        last_name="Tipene",
    )
    (carers_account,) = [a for a in cms_live.accounts if a not in cms_live.accounts[:2]]

    page.goto(f"{cms_live.url}/login")
    page.get_by_label("Email").fill(CARER_EMAIL)
    page.get_by_label("Password").fill(SANDBOX_PASSWORD)
    page.get_by_role("button", name="Log in", exact=True).click()
    expect(page.get_by_role("row", name=carers_account.name)).to_contain_text("Not connected")
    page.get_by_role("button", name="Connect to Tandem").click()
    sign_in_to_tandem_and_authorise(page, "mere@harbour.example.com")

    expect(page.get_by_text("Your account is connected to Tandem.")).to_be_visible()
    page.goto("/cms/connected-accounts/")
    row = page.get_by_role("table", name="Connected accounts").get_by_role(
        "row", name=carers_account.name
    )
    expect(row).to_contain_text("CareCloud")
    expect(row).to_contain_text("Mere Tipene")
    expect(row).to_contain_text("Connected")
