"""Linking many existing clients at once from Suggested links, against the XPM sandbox."""

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from accounts.models import Role
from accounts.tests.factories import FirmFactory, member_create
from clients.tests.factories import CompanyFactory
from integrations.tests.conftest import xpm_connect

# The XPM sandbox fixtures, re-exported so that pytest finds them here.
from integrations.tests.conftest import xpm_sandbox as xpm_sandbox
from integrations.tests.conftest import xpm_sandbox_server as xpm_sandbox_server
from matching.cache import candidate_index_clear
from sandbox.xpm import XpmSandbox


@pytest.fixture
def firm():
    return FirmFactory(name="Harbour Accounting Limited", slug="harbour")


@pytest.fixture(autouse=True)
def _no_cached_rankings():
    # The live server shares this process's caches, keyed by ids that repeat across tests.
    cache.clear()
    candidate_index_clear()


def listed_companies(sandbox: XpmSandbox, count: int) -> list[str]:
    """Names of companies the sandbox lists, none with a near namesake to compete with it."""
    near = {
        uuid for copy in sandbox.store.near_duplicates for uuid in (copy.uuid, copy.original_uuid)
    }
    names = [
        client.name
        for client in sandbox.store.clients_live()
        if client.fields.get("businessStructure") == "Company"
        and not client.is_archived
        and client.uuid not in near
    ]
    return list(dict.fromkeys(names))[:count]


def test_suggestions_are_linked_one_by_one_and_together(page, log_in, firm, xpm_sandbox):
    staff = member_create(firm=firm, role=Role.STAFF, email="tama@harbour.example.com")
    xpm_connect(xpm_sandbox, firm=firm, user=staff)
    first, second, third = listed_companies(xpm_sandbox, 3)
    for name in (first, second, third):
        CompanyFactory(firm=firm, display_name=name, email="")
    log_in(staff)

    page.get_by_role("link", name="Clients", exact=True).first.click()
    page.get_by_role("button", name="Suggested links").click()
    suggestions = page.get_by_role("table", name="Suggested links")
    for name in (first, second, third):
        expect(suggestions.get_by_role("row").filter(has_text=name)).to_contain_text("name 100%")

    suggestions.get_by_role("button", name=f"Link {first}").click()
    expect(suggestions.get_by_role("row").filter(has_text=first)).to_contain_text(
        f"Linked to “{first}”"
    )

    select_all = page.get_by_label("Select all on this page")
    select_all.check()
    expect(page.get_by_label(f"Select {second}")).to_be_checked()
    select_all.uncheck()
    expect(page.get_by_label(f"Select {third}")).not_to_be_checked()
    page.get_by_label(f"Select {second}").check()
    page.get_by_label(f"Select {third}").check()
    page.get_by_role("button", name="Link selected").click()
    done = page.get_by_role("region", name="Link results")
    expect(done).to_contain_text(f"{second}: Linked to “{second}”")
    expect(done).to_contain_text(f"{third}: Linked to “{third}”")

    page.get_by_role("link", name="Clients", exact=True).first.click()
    for name in (first, second, third):
        row = page.get_by_role("row").filter(has=page.get_by_role("link", name=name, exact=True))
        expect(row).to_contain_text("Connected")
        expect(row).not_to_contain_text("Not connected")
