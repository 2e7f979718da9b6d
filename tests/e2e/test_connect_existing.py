"""Linking a client that already exists in the practice-management system: Connect Now, Link,
Connected, Disconnect, against the XPM sandbox."""

from playwright.sync_api import expect

from accounts.models import Role
from accounts.tests.factories import member_create
from clients.tests.factories import CompanyFactory
from integrations.tests.conftest import xpm_connect, xpm_listed_client

# The XPM sandbox fixtures, re-exported so that pytest finds them here.
from integrations.tests.conftest import xpm_sandbox as xpm_sandbox
from integrations.tests.conftest import xpm_sandbox_server as xpm_sandbox_server


def test_a_company_is_linked_to_its_xpm_record_and_disconnected(page, log_in, firm, xpm_sandbox):
    staff = member_create(firm=firm, role=Role.STAFF, email="tama@harbour.example.com")
    xpm_connect(xpm_sandbox, firm=firm, user=staff)
    name = xpm_listed_client(xpm_sandbox, structure="Company")["name"]
    CompanyFactory(firm=firm, display_name=name)
    log_in(staff)

    page.get_by_role("link", name="Clients", exact=True).first.click()
    page.get_by_role("link", name=name).click()
    page.get_by_role("button", name="Edit").click()
    page.get_by_role("tab", name="Practice Management").click()
    expect(page.get_by_text("Not connected")).to_be_visible()

    page.get_by_role("button", name="Connect Now").click()
    expect(page.get_by_label("Search Xero Practice Manager")).to_have_value(name)
    results = page.get_by_role("table", name="Xero Practice Manager clients")
    first = results.get_by_role("row").nth(1)
    expect(first.get_by_role("cell").first).to_have_text(name)
    first.get_by_role("button", name=f"Link {name}").click()

    expect(page.get_by_role("status")).to_contain_text(f"is linked to “{name}”")
    expect(page.get_by_text("Connected to")).to_contain_text(name)
    expect(page.get_by_text("Connected to")).to_contain_text(str(staff))

    page.get_by_role("button", name="Disconnect").click()
    expect(page.get_by_role("heading", name=f"Disconnect {name} from")).to_be_visible()
    page.get_by_role("button", name="Disconnect").click()

    expect(page.get_by_role("status")).to_contain_text("is no longer linked")
    expect(page.get_by_role("button", name="Connect Now")).to_be_visible()
