"""Importing clients from XPM: Link instead where one is in Tandem already, import the rest."""

import re

from django.core.cache import cache
from playwright.sync_api import expect

from accounts.models import Role
from accounts.tests.factories import member_create
from clients.tests.factories import CompanyFactory
from integrations.tests.conftest import xpm_connect, xpm_listed_client

# The XPM sandbox fixtures, re-exported so that pytest finds them here.
from integrations.tests.conftest import xpm_sandbox as xpm_sandbox
from integrations.tests.conftest import xpm_sandbox_server as xpm_sandbox_server
from integrations.tests.factories import ConnectionFactory
from matching.cache import candidate_index_clear
from sync.models import Link, SyncRun


def test_link_one_instead_and_import_two(page, log_in, firm, xpm_sandbox):
    # The live server shares this process's caches, keyed by ids that repeat across tests.
    cache.clear()
    candidate_index_clear()
    staff = member_create(firm=firm, role=Role.STAFF, email="tama@harbour.example.com")
    connection = xpm_connect(xpm_sandbox, firm=firm, user=staff)
    ConnectionFactory(firm=firm, external_account_name="Harbour Accounting Training")
    known = xpm_listed_client(xpm_sandbox, structure="Company")["name"]
    client = CompanyFactory(firm=firm, display_name=known, email="")
    log_in(staff)

    page.get_by_role("link", name="Clients", exact=True).first.click()
    page.get_by_role("button", name="Import", exact=True).click()
    page.get_by_role("link", name="Xero Practice Manager: Harbour Accounting", exact=True).click()
    search = page.get_by_role("searchbox", name="Search Xero Practice Manager clients")
    search.press_sequentially(known)
    # Each keystroke's search replaces the list: act only once the last one has.
    expect(
        page.get_by_label(re.compile(rf"Select all \d+ matching “{re.escape(known)}”"))
    ).to_be_visible()
    to_import = page.get_by_role("table", name="Xero Practice Manager clients to import")
    row = to_import.get_by_role("row").filter(has_text=known)
    expect(row).to_contain_text(f"Looks like {known}")

    row.get_by_role("button", name="Link instead").click()
    expect(page.get_by_role("status")).to_contain_text(f"{known} linked to “{known}”")
    expect(to_import.get_by_role("checkbox", name=f"Select {known}")).to_have_count(0)
    assert Link.objects.get(connection=connection).client == client

    search.press("Control+a")
    search.press_sequentially("trust")
    expect(page.get_by_label(re.compile(r"Select all \d+ matching “trust”"))).to_be_visible()
    first_two = to_import.get_by_role("checkbox", name=re.compile(r"^Select (?!all)"))
    chosen = [first_two.nth(0), first_two.nth(1)]
    for box in chosen:
        box.check()
    names = [box.get_attribute("aria-label").removeprefix("Select ") for box in chosen]
    page.get_by_role("button", name="Import", exact=True).click()

    page.wait_for_url(re.compile(r"/clients/sync-runs/\d+/$"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Import")
    run = SyncRun.objects.get()
    assert (run.kind, run.dry_run, run.started_by) == ("import", False, staff)
    assert sorted(run.external_ids) == sorted(
        connection.directory_entries.filter(display_name__in=names).values_list(
            "external_id", flat=True
        )
    )
