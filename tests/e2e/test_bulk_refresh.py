"""A bulk refresh of an XPM connection, previewed then applied, against the XPM sandbox."""

import re
import threading
from datetime import timedelta

import pytest
from django.db import connection as database
from playwright.sync_api import Page, expect

from accounts.models import Role
from accounts.tests.factories import FirmFactory, member_create
from integrations.tests.conftest import xpm_connect

# The XPM sandbox fixtures, re-exported so that pytest finds them here.
from integrations.tests.conftest import xpm_sandbox as xpm_sandbox
from integrations.tests.conftest import xpm_sandbox_server as xpm_sandbox_server
from sync.models import Link, SyncKind
from sync.runs import sync_run_execute, sync_run_start


@pytest.fixture
def firm():
    return FirmFactory(name="Harbour Accounting Limited", slug="harbour")


def worker_start(page: Page) -> threading.Thread:
    """Do the run the page shows, as a db_worker would, while the page polls it."""
    run_id = int(re.search(r"/sync-runs/(\d+)/", page.url)[1])

    def work():
        try:
            sync_run_execute(run_id=run_id)
        finally:
            database.close()

    worker = threading.Thread(target=work)
    worker.start()
    return worker


def test_a_refresh_is_previewed_applied_and_kept_in_the_history(page, log_in, firm, xpm_sandbox):
    staff = member_create(firm=firm, role=Role.STAFF, email="tama@harbour.example.com")
    connection = xpm_connect(xpm_sandbox, firm=firm, user=staff)
    sync_run_execute(
        run_id=sync_run_start(connection=connection, acting_user=staff, kind=SyncKind.IMPORT).pk
    )
    link = Link.objects.select_related("client").filter(connection=connection).first()
    xpm_sandbox.store.client_update(
        link.external_id, {"phone": "+61895550142"}, when=xpm_sandbox.now() + timedelta(seconds=5)
    )
    log_in(staff)

    page.get_by_role("link", name="Add-ons").click()
    page.get_by_text("Refresh…").click()
    page.get_by_role("button", name="Preview").click()

    expect(page.get_by_role("heading", name="Preview of a refresh")).to_be_visible()
    expect(page.get_by_text("waiting for a worker")).to_be_visible()
    preview_worker = worker_start(page)
    expect(page.get_by_text("Nothing has been changed.")).to_be_visible()
    expect(page.get_by_text(f"Every client in {connection.provider_name} is read.")).to_be_visible()
    would_update = page.locator(".run-counts div").filter(
        has=page.get_by_role("term").filter(has_text="Would be updated")
    )
    expect(would_update.get_by_role("definition")).to_have_text("1")
    change = page.get_by_role("row").filter(has_text=link.client.display_name)
    expect(change).to_contain_text("Phone")
    expect(change).to_contain_text("+61895550142")
    preview_worker.join()

    page.get_by_role("button", name="Apply").click()

    expect(page.get_by_role("heading", name="Refresh", exact=True)).to_be_visible()
    progress = page.get_by_role("progressbar", name="Records processed")
    apply_worker = worker_start(page)
    expect(page.get_by_text("Done", exact=True)).to_be_visible()
    expect(page.get_by_text("so clients deleted there are flagged")).to_be_visible()
    expect(progress).to_have_attribute("value", re.compile(r"\d+"))
    assert progress.get_attribute("value") == progress.get_attribute("max")
    apply_worker.join()
    link.client.refresh_from_db()
    assert link.client.phone == "+61895550142"

    page.get_by_role("button", name="History").click()
    history = page.get_by_role("table", name="Sync history")
    expect(history.get_by_role("row")).to_have_count(4)  # the header, the import, two refreshes
    expect(history.get_by_role("row").nth(1)).to_contain_text("Refresh")
    expect(history.get_by_role("row").nth(1)).not_to_contain_text("Preview")
    expect(history.get_by_role("row").nth(2)).to_contain_text("Preview")
