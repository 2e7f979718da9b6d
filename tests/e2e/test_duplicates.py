"""A staff member finds a contact entered twice, merges the two records keeping the newer
email, sees both records' appointments on the one kept, then undoes the merge."""

import datetime

from playwright.sync_api import expect

from clients.models import Client
from clients.tests.factories import IndividualFactory
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory

BORN = datetime.date(1980, 5, 4)


def test_merge_a_duplicate_contact_and_undo(page, log_in, firm, staff_user):
    kept = IndividualFactory(
        firm=firm, first_name="Mere", last_name="Tane", display_name="Mere Tane", code="A1",
        date_of_birth=BORN, email="mere@old.example.com",
    )  # fmt: skip
    twin = IndividualFactory(
        firm=firm, first_name="Mere", last_name="Tane", display_name="Mere Tane", code="A7",
        date_of_birth=BORN, email="mere.tane@new.example.com",
    )  # fmt: skip
    AppointmentFactory(client=kept, location="Queen Street office")
    AppointmentFactory(client=twin, location="Ponsonby office")
    log_in(staff_user)

    page.goto("/")
    page.get_by_role("link", name="Clients", exact=True).first.click()
    page.get_by_role("link", name="Contacts", exact=True).click()
    page.get_by_role("link", name="Duplicates").click()
    group = page.get_by_role("article", name="Duplicate group 1")
    expect(group).to_contain_text("same date of birth")
    group.get_by_role("button", name="Merge").click()

    expect(page.get_by_role("heading", name="Merge contacts")).to_be_visible()
    expect(page.get_by_role("radio", name="Keep Mere Tane").first).to_be_checked()
    page.get_by_role("radio", name="mere.tane@new.example.com").check()
    page.get_by_role("button", name="Merge", exact=True).click()

    expect(page.get_by_role("status").first).to_contain_text("Merged Mere Tane into Mere Tane.")
    expect(page.get_by_text("mere.tane@new.example.com")).to_be_visible()
    page.get_by_role("button", name="Edit").click()
    page.get_by_role("tab", name="Appointments").click()
    expect(page.get_by_text("Queen Street office")).to_be_visible()
    expect(page.get_by_text("Ponsonby office")).to_be_visible()

    page.get_by_role("button", name="View summary").click()
    page.get_by_role("button", name="Undo merge").click()

    expect(page.get_by_role("status").first).to_contain_text("Undid the merge into Mere Tane.")
    expect(page.get_by_text("mere@old.example.com")).to_be_visible()
    kept.refresh_from_db()
    twin.refresh_from_db()
    assert kept.email == "mere@old.example.com"
    assert twin.merged_into is None
    assert not twin.is_archived
    assert set(Appointment.objects.values_list("client__code", "location")) == {
        ("A1", "Queen Street office"),
        ("A7", "Ponsonby office"),
    }
    assert Client.objects.filter(merged_into__isnull=False).count() == 0
