"""A staff member keeps client records: creates a company and a person, relates them, edits
the company, finds it again, and is told exactly what is wrong with a bad email address."""

import re

from playwright.sync_api import expect

from clients.models import Client, Relationship, RelationshipRole


def test_create_relate_edit_and_find_clients(page, log_in, firm, staff_user):
    log_in(staff_user)

    page.goto("/clients/")
    page.get_by_role("button", name="New client").click()
    page.get_by_role("link", name="Company").click()
    expect(page.get_by_role("heading", name="New company")).to_be_visible()
    page.get_by_label("Name", exact=True).fill("Kauri Builders Limited")
    page.get_by_label("Client code").fill("KAU01")
    page.get_by_label("Email").fill("office@kauri.example.com")
    page.get_by_label("Phone").fill("09 379 1234")
    page.get_by_role("button", name="Create client").click()
    expect(page.get_by_role("status")).to_contain_text("Kauri Builders Limited was created.")
    expect(page.get_by_role("heading", name="Kauri Builders Limited")).to_be_visible()

    page.get_by_role("link", name="Clients", exact=True).first.click()
    page.get_by_role("button", name="New client").click()
    page.get_by_role("link", name="Individual").click()
    page.get_by_label("First name").fill("Mere")
    page.get_by_label("Last name").fill("Tane")
    page.get_by_label("Mobile").fill("021 555 1234")
    page.get_by_role("button", name="Create client").click()
    expect(page.get_by_role("status")).to_contain_text("Mere Tane was created.")

    page.goto("/clients/")
    page.get_by_role("link", name="Kauri Builders Limited").click()
    page.get_by_role("button", name="Edit").click()
    page.get_by_role("tab", name="Contacts and relationships").click()
    expect(page.get_by_role("tab", name="Contacts and relationships")).to_have_attribute(
        "aria-selected", "true"
    )
    page.get_by_label("Find an individual").press_sequentially("mere")
    page.get_by_role("radio", name="Mere Tane").check()
    page.get_by_label("Role").select_option("Director")
    page.get_by_role("button", name="Add").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Mere Tane is director of Kauri Builders Limited."
    )
    people = page.get_by_role("table", name="People of Kauri Builders Limited")
    expect(people.get_by_role("row").filter(has_text="Mere Tane")).to_contain_text("Director")

    page.get_by_role("tab", name="Details").click()
    page.get_by_label("Phone").fill("021 800 900")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Saved the details of Kauri Builders")
    expect(page.get_by_label("Phone")).to_have_value("021 800 900")

    page.get_by_role("link", name="Clients", exact=True).first.click()
    clients = page.get_by_role("table", name="Clients")
    expect(clients).to_contain_text("Mere Tane")
    page.get_by_role("searchbox", name="Search").press_sequentially("kauri")
    expect(page).to_have_url(re.compile(r"\?q=kauri"))
    expect(clients.get_by_role("link", name="Kauri Builders Limited")).to_be_visible()
    expect(clients).not_to_contain_text("Mere Tane")
    page.get_by_role("searchbox", name="Search").fill("")
    page.get_by_role("searchbox", name="Search").press_sequentially("021 800 900")
    expect(page).to_have_url(re.compile(r"q=021"))
    expect(clients.get_by_role("link", name="Kauri Builders Limited")).to_be_visible()

    kauri = Client.objects.get(display_name="Kauri Builders Limited")
    assert kauri.phone == "+6421800900"
    assert Relationship.objects.get().role == RelationshipRole.DIRECTOR


def test_a_bad_email_is_explained_next_to_the_field(page, log_in, firm, staff_user):
    log_in(staff_user)

    page.goto("/clients/new/")
    page.get_by_role("link", name="Company").click()
    page.get_by_label("Name", exact=True).fill("Kauri Builders Limited")
    page.get_by_label("Email").fill("not-an-email")
    page.get_by_role("button", name="Create client").click()

    message = "Email: 'not-an-email' is not a valid email address."
    expect(page.get_by_role("alert")).to_contain_text(message)
    email = page.get_by_label("Email")
    expect(email).to_have_attribute("aria-invalid", "true")
    expect(email).to_have_accessible_description(message)
    expect(page.get_by_label("Name", exact=True)).to_have_value("Kauri Builders Limited")
    assert not Client.objects.exists()
