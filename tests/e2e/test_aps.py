"""APS through the Tandem sync agent: a firm administrator activates APS, the agent sends the
practice's APS export, and a client already in Tandem is linked to its APS record."""

from playwright.sync_api import expect
from tandem_agent.cli import main

from clients.tests.factories import CompanyFactory
from sandbox.aps import aps_exports, export_write
from tests.agent.conftest import credentials_issue


def test_aps_is_activated_fed_by_the_agent_and_a_client_linked(
    page, log_in, live_server, firm, admin_user, tmp_path
):
    exports = aps_exports(clients=30, seed=11)
    company = next(row for row in exports.first if row["Client Type"] == "Company")
    name = company["Client Name"]
    CompanyFactory(firm=firm, display_name=name)
    log_in(admin_user)

    page.get_by_role("link", name="Add-ons").first.click()
    page.get_by_role("button", name="Add add-on").click()
    expect(page.get_by_text("APS is read-only: Tandem does not write to APS.")).to_be_visible()
    page.get_by_role("button", name="APS", exact=True).click()
    expect(page.get_by_role("status")).to_contain_text("APS is activated")
    expect(page.get_by_text(f"tandem-agent login --server {live_server.url}")).to_be_visible()
    expect(page.get_by_text("The Tandem sync agent has not called yet.")).to_be_visible()

    state_dir = tmp_path / "agent"
    state_dir.mkdir()
    credentials_issue(user=admin_user, server=live_server.url, state_dir=state_dir)
    export = tmp_path / "clients.csv"
    export_write(exports.first, export)
    assert main(["--state-dir", str(state_dir), "push", str(export)]) == 0

    page.get_by_role("link", name="Back to Add-ons").click()
    expect(page.get_by_role("row", name="APS: APS database")).to_contain_text("Agent last called")

    page.get_by_role("link", name="Clients", exact=True).first.click()
    page.get_by_role("link", name=name).click()
    page.get_by_role("button", name="Edit").click()
    page.get_by_role("tab", name="Practice Management").click()
    section = page.get_by_role("region", name="APS: APS database")
    section.get_by_role("button", name="Connect Now").click()
    results = page.get_by_role("table", name="APS clients")
    first = results.get_by_role("row").nth(1)
    expect(first.get_by_role("cell").first).to_have_text(name)
    expect(first).to_contain_text(company["Client Code"])
    first.get_by_role("button", name=f"Link {name}").click()

    expect(page.get_by_role("status")).to_contain_text(f"is linked to “{name}”")
    expect(page.get_by_role("region", name="APS: APS database")).to_contain_text("Connected")
