"""Real headless Chromium against a live Tandem server, the way a person uses it."""

import pytest
from playwright.sync_api import Page, expect

from accounts.tests.factories import TEST_PASSWORD

# Assertions wait as long as actions do: on a 2-core machine running two test workers, Redoc
# took longer than Playwright's 5 s to render the API's documentation.
expect.set_options(timeout=10_000)


def pytest_collection_modifyitems(items):
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture
def page(browser, live_server) -> Page:
    context = browser.new_context(base_url=live_server.url, viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def log_in(page):
    """Signs a user in through the login form, as a person would."""

    def _log_in(user, password: str = TEST_PASSWORD) -> Page:
        page.goto("/accounts/login/")
        page.get_by_label("Email").fill(user.email)
        page.get_by_label("Password").fill(password)
        page.get_by_role("button", name="Log in").click()
        page.wait_for_url(lambda url: "/accounts/login/" not in url)
        return page

    return _log_in
