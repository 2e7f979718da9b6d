"""APS through the Tandem sync agent: a firm administrator activates APS, the agent sends the
practice's APS export, a client already in Tandem is linked to its APS record, another is
imported, and a later export's edit comes in with a refresh."""

import re

from django.core.cache import cache
from playwright.sync_api import expect
from tandem_agent.cli import main

from clients.tests.factories import CompanyFactory
from matching.cache import candidate_index_clear
from sandbox.aps import aps_exports, export_write
from sync.models import Link, RecordOutcome, SyncKind, SyncRun
from tests.agent.conftest import credentials_issue
from tests.e2e.test_bulk_refresh import worker_start


def test_aps_is_activated_fed_by_the_agent_and_a_client_linked(
    page, log_in, live_server, firm, admin_user, tmp_path
):
    # The live server shares this process's caches, keyed by ids that repeat across tests.
    cache.clear()
    candidate_index_clear()
    exports = aps_exports(clients=30, seed=11)
    company = next(row for row in exports.first if row["Client Type"] == "Company")
    edited = next(row for row in exports.later if row["Client Code"] in exports.edited)
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

    page.get_by_role("link", name="Clients", exact=True).first.click()
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_role("searchbox", name="Search APS clients").press_sequentially(
        edited["Client Code"]
    )
    # Each keystroke's search replaces the list: tick only once the last one has.
    expect(
        page.get_by_label(
            re.compile(rf"Select all \d+ matching “{re.escape(edited['Client Code'])}”")
        )
    ).to_be_visible()
    to_import = page.get_by_role("table", name="APS clients to import")
    original_name = next(
        row["Client Name"] for row in exports.first if row["Client Code"] == edited["Client Code"]
    )
    to_import.get_by_role("checkbox", name=f"Select {original_name}").check()
    page.get_by_role("button", name="Import", exact=True).click()
    page.wait_for_url(re.compile(r"/clients/sync-runs/\d+/$"))
    worker_start(page).join()
    expect(page.get_by_text("Done", exact=True)).to_be_visible()
    imported = Link.objects.get(connection__provider="aps", external_id=edited["Client Code"])

    export_write(exports.later, export)
    assert main(["--state-dir", str(state_dir), "push", str(export)]) == 0
    page.get_by_role("link", name="Add-ons").first.click()
    page.get_by_text("Refresh…").click()
    page.get_by_role("button", name="Refresh", exact=True).click()
    worker_start(page).join()
    expect(page.get_by_text("Done", exact=True)).to_be_visible()

    refresh = SyncRun.objects.get(kind=SyncKind.REFRESH)
    record = refresh.records.get(external_id=edited["Client Code"])
    assert record.outcome == RecordOutcome.UPDATED
    assert record.client_id == imported.client_id
