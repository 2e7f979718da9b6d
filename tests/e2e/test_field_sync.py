"""Field-level sync of a linked client: the Connections panel shows what differs and which
side changed it, and the Sync screen syncs both ways in one go, against the XPM sandbox."""

from playwright.sync_api import expect

from accounts.models import Role
from accounts.tests.factories import member_create
from clients.services import client_update
from integrations.tests.conftest import xpm_connect

# The XPM sandbox fixtures, re-exported so that pytest finds them here.
from integrations.tests.conftest import xpm_sandbox as xpm_sandbox
from integrations.tests.conftest import xpm_sandbox_server as xpm_sandbox_server
from sync.tests.test_field_sync import xpm_linked_company


def field_row(table, label):
    return table.get_by_role("row").filter(has=table.page.get_by_role("rowheader", name=label))


def test_a_difference_on_each_side_is_synced_both_ways(page, log_in, firm, xpm_sandbox):
    staff = member_create(firm=firm, role=Role.STAFF, email="mere@harbour.example.com")
    link = xpm_linked_company(xpm_sandbox, xpm_connect(xpm_sandbox, firm=firm, user=staff))
    client_update(client=link.client, acting_user=staff, email="accounts@tandem-side.example")
    xpm_sandbox.store.client_update(
        link.external_id, {"website": "https://xpm-side.example"}, xpm_sandbox.now()
    )
    log_in(staff)

    page.goto(f"/clients/{link.client_id}/edit/")
    page.get_by_role("tab", name="Practice Management").click()
    fields = page.get_by_role("table", name="Fields in Tandem and XPM")
    email, website = field_row(fields, "Email"), field_row(fields, "Website")
    expect(email).to_contain_text("accounts@tandem-side.example")
    expect(email).to_contain_text("Changed in Tandem")
    expect(email).to_have_class("differs")
    expect(website).to_contain_text("https://xpm-side.example")
    expect(website).to_contain_text("Changed in XPM")
    expect(website).to_have_class("differs")

    page.get_by_role("button", name="Sync").click()
    expect(page.get_by_role("heading", name="Sync")).to_contain_text(link.external_name)
    expect(page.get_by_label("Sync Email")).to_be_checked()
    page.get_by_role("group", name="Direction for Email").get_by_label("Tandem → XPM").check()
    page.get_by_label("Sync Website").check()
    page.get_by_role("group", name="Direction for Website").get_by_label("XPM → Tandem").check()
    page.get_by_role("button", name="Sync").click()

    expect(page.get_by_role("status")).to_contain_text(
        "Synced with XPM: Tandem took Website from XPM; XPM took Email from Tandem."
    )
    expect(page.get_by_text("Every field is the same in Tandem and XPM.")).to_be_visible()
    fields = page.get_by_role("table", name="Fields in Tandem and XPM")
    expect(field_row(fields, "Email")).to_contain_text("In step")
    expect(field_row(fields, "Website")).to_contain_text("In step")
    stored = xpm_sandbox.store.client_get(link.external_id).fields
    assert stored["email"] == "accounts@tandem-side.example"
