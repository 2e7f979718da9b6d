"""A staff member makes an API token for a script, uses it once, and revokes it."""

from playwright.sync_api import expect

from clients.tests.factories import CompanyFactory


def test_make_use_and_revoke_a_personal_access_token(page, log_in, firm, staff_user):
    CompanyFactory(firm=firm, display_name="Kowhai Consulting Ltd")
    log_in(staff_user)

    page.get_by_text(str(staff_user), exact=True).click()
    page.get_by_role("link", name="API tokens").click()
    page.get_by_label("Name").fill("Nightly export")
    page.get_by_label("clients:read", exact=False).check()
    page.get_by_label("Expires").select_option(label="In 30 days")
    page.get_by_role("button", name="Create token").click()

    expect(page.get_by_role("heading", name="Nightly export is ready")).to_be_visible()
    token = page.get_by_label("Your new token").input_value()
    listed = page.get_by_role("table", name="Your tokens")
    expect(listed).to_contain_text("Nightly export")
    expect(listed).to_contain_text(token[:12])
    expect(listed).not_to_contain_text(token)

    answer = page.request.get("/api/v1/clients/", headers={"Authorization": f"Bearer {token}"})
    assert answer.status == 200
    assert answer.json()["results"][0]["display_name"] == "Kowhai Consulting Ltd"

    page.goto("/accounts/api-tokens/")
    expect(page.get_by_label("Your new token")).to_have_count(0)
    page.get_by_role("button", name="Revoke Nightly export").click()
    expect(page.get_by_role("status")).to_have_text("Revoked Nightly export: it no longer works.")
    expect(page.get_by_role("table", name="Your tokens")).to_contain_text("Revoked")

    refused = page.request.get("/api/v1/clients/", headers={"Authorization": f"Bearer {token}"})
    assert refused.status == 401


def test_the_api_documentation_pages_render_under_their_content_security_policy(page):
    blocked = []
    page.on(
        "console",
        lambda message: "Content Security Policy" in message.text and blocked.append(message.text),
    )

    page.goto("/api/v1/docs/")
    expect(page.get_by_role("heading", name="Tandem API")).to_be_visible()
    page.goto("/api/v1/redoc/")
    expect(page.get_by_role("heading", name="Tandem API")).to_be_visible()

    # Only what Redoc would fetch from elsewhere (Google's web fonts, its logo) is kept out.
    off_site = ("https://fonts.googleapis.com/", "https://cdn.redoc.ly/")
    assert all(any(host in message for host in off_site) for message in blocked), blocked
