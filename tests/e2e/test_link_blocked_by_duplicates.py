"""An individual entered twice in Tandem cannot be linked to the PM system until the two records
are merged: Link is refused with a way to the duplicates, Merge, then Link succeeds."""

import datetime

from playwright.sync_api import expect

from accounts.models import Role
from accounts.tests.factories import member_create
from clients.tests.factories import IndividualFactory
from integrations.tests.conftest import xpm_connect, xpm_listed_client

# The XPM sandbox fixtures, re-exported so that pytest finds them here.
from integrations.tests.conftest import xpm_sandbox as xpm_sandbox
from integrations.tests.conftest import xpm_sandbox_server as xpm_sandbox_server
from sync.models import Link


def test_merging_duplicates_unblocks_linking_an_individual(page, log_in, firm, xpm_sandbox):
    staff = member_create(firm=firm, role=Role.STAFF, email="tama@harbour.example.com")
    xpm_connect(xpm_sandbox, firm=firm, user=staff)
    person = xpm_listed_client(xpm_sandbox, structure="Individual")
    born = datetime.date.fromisoformat(person["dateOfBirth"][:10])
    for code, email in (("P1", person["email"]), ("P2", "second.entry@mail.example.com")):
        IndividualFactory(
            firm=firm, code=code, first_name=person["firstName"], last_name=person["lastName"],
            display_name=person["name"], date_of_birth=born, email=email,
        )  # fmt: skip
    log_in(staff)

    page.get_by_role("link", name="Clients", exact=True).first.click()
    page.get_by_role("link", name="Contacts", exact=True).click()
    page.get_by_role("link", name=person["name"]).first.click()
    page.get_by_role("button", name="Edit").click()
    page.get_by_role("tab", name="Practice Management").click()
    page.get_by_role("button", name="Connect Now").click()
    first = (
        page.get_by_role("table", name="Xero Practice Manager clients").get_by_role("row").nth(1)
    )
    first.get_by_role("button", name=f"Link {person['name']}").click()

    expect(page.get_by_role("alert")).to_contain_text("merge duplicate contacts first")
    assert not Link.objects.exists()
    page.get_by_role("link", name="See the duplicates").click()

    page.get_by_role("article", name="Duplicate group 1").get_by_role(
        "button", name="Merge"
    ).click()
    page.get_by_role("button", name="Merge", exact=True).click()
    expect(page.get_by_role("status").first).to_contain_text("Merged")

    page.get_by_role("button", name="Edit").click()
    page.get_by_role("tab", name="Practice Management").click()
    page.get_by_role("button", name="Connect Now").click()
    first = (
        page.get_by_role("table", name="Xero Practice Manager clients").get_by_role("row").nth(1)
    )
    first.get_by_role("button", name=f"Link {person['name']}").click()

    expect(page.get_by_text("Connected to")).to_contain_text(person["name"])
    assert Link.objects.get().client.merged_into is None
