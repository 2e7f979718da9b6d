from playwright.sync_api import expect

from accounts.models import Role, User
from accounts.tests.factories import FirmFactory, member_create


def _firm_with_admin():
    firm = FirmFactory(name="Harbour Accounting Limited", slug="harbour")
    admin = member_create(
        firm=firm, role=Role.ADMIN, email="aroha@harbour.example.com", first_name="Aroha"
    )
    return firm, admin


def test_log_in_and_log_out(page, log_in):
    _firm, admin = _firm_with_admin()

    log_in(admin)
    page.get_by_text(str(admin)).click()
    page.get_by_role("button", name="Log out").click()

    expect(page).to_have_url("/accounts/login/")
    expect(page.get_by_role("heading", name="Log in to Tandem")).to_be_visible()


def test_a_wrong_password_is_explained(page):
    _firm, admin = _firm_with_admin()

    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(admin.email)
    page.get_by_label("Password").fill("not-my-password")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("alert")).to_have_text(
        "That email and password do not match an active account. Check both and try again."
    )


def test_an_administrator_adds_a_staff_member(page, log_in):
    _firm, admin = _firm_with_admin()
    log_in(admin)

    page.get_by_role("link", name="Users").click()
    form = page.get_by_role("form", name="Add user")
    form.get_by_label("Email").fill("tui@harbour.example.com")
    form.get_by_label("First name").fill("Tui")
    form.get_by_label("Last name").fill("Ngata")
    form.get_by_label("Role").select_option(label="Staff")
    form.get_by_label("Password").fill("tussock-lighthouse-42")
    form.get_by_role("button", name="Add user").click()

    row = page.get_by_role("row").filter(has_text="tui@harbour.example.com")
    expect(row).to_contain_text("Tui Ngata")
    expect(row.get_by_label("Role of Tui Ngata")).to_have_value(Role.STAFF)
    expect(row).to_contain_text("Active")
    assert User.objects.get(email="tui@harbour.example.com").membership.role == Role.STAFF


def test_staff_do_not_see_the_users_link(page, log_in):
    firm, _admin = _firm_with_admin()
    staff = member_create(firm=firm, role=Role.STAFF, email="sam@harbour.example.com")

    log_in(staff)

    top_bar = page.get_by_role("banner")
    expect(top_bar.get_by_role("link", name="Clients")).to_be_visible()
    expect(top_bar.get_by_role("link", name="Users")).to_have_count(0)
