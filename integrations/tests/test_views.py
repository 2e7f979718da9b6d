"""The Add-ons pages without a provider behind them: access rules and answers to bad input.

The round trips through a provider's sign-in page are in test_xpm.py and tests/e2e.
"""

import pytest
from django.test import Client as HttpClient
from django.urls import reverse

from accounts.models import AuditEvent
from integrations.models import ConnectionStatus, Credential
from integrations.tests.factories import ConnectionFactory, CredentialFactory

ADDONS = reverse("integrations:addons")


@pytest.fixture
def connection(firm, admin_user):
    # No provider connection id: disconnecting does not try to reach the provider.
    return CredentialFactory(
        connection__firm=firm,
        connection__connected_by=admin_user,
        connection__provider_connection_id="",
    ).connection


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_administrators_see_each_addon_with_its_status_and_who_connected_it(as_admin, connection):
    response = as_admin.get(ADDONS)

    page = response.content.decode()
    assert response.status_code == 200
    assert "Xero Practice Manager" in page
    assert "Harbour Accounting" in page
    assert "Active" in page
    assert "Aroha Admin" in page
    for action in ("Add add-on", "Reauthorise", "Disconnect"):
        assert action in page


def test_add_addon_offers_each_provider_as_a_button_that_starts_connecting(as_admin):
    page = as_admin.get(reverse("integrations:add")).content.decode()

    assert f'action="{reverse("integrations:connect", args=["xpm"])}"' in page
    assert ">Xero Practice Manager</button>" in page


def test_staff_see_addons_read_only(as_staff, connection):
    page = as_staff.get(ADDONS).content.decode()

    assert "Harbour Accounting" in page
    for action in ("Add add-on", "Reauthorise", "Disconnect"):
        assert action not in page


@pytest.mark.parametrize(
    ("method", "name", "needs_connection"),
    [
        ("get", "integrations:add", False),
        ("post", "integrations:connect", False),
        ("get", "integrations:select_account", False),
        ("get", "integrations:xpm_callback", False),
        ("post", "integrations:reauthorise", True),
        ("get", "integrations:disconnect", True),
        ("post", "integrations:disconnect", True),
    ],
)
def test_staff_are_refused_every_action(as_staff, connection, method, name, needs_connection):
    if needs_connection:
        url = reverse(name, args=[connection.pk])
    elif name in ("integrations:connect", "integrations:select_account"):
        url = reverse(name, args=["xpm"])
    else:
        url = reverse(name)

    assert getattr(as_staff, method)(url).status_code == 403
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ACTIVE


@pytest.mark.parametrize(
    ("method", "name"),
    [
        ("post", "integrations:reauthorise"),
        ("get", "integrations:disconnect"),
        ("post", "integrations:disconnect"),
    ],
)
def test_another_firms_connection_is_not_found(as_outsider, connection, method, name):
    response = getattr(as_outsider, method)(reverse(name, args=[connection.pk]))

    assert response.status_code == 404
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ACTIVE


def test_another_firms_addons_are_not_listed(as_outsider, connection):
    assert "Harbour Accounting" not in as_outsider.get(ADDONS).content.decode()


def test_signed_out_people_are_sent_to_log_in():
    response = HttpClient().get(ADDONS)

    assert response.status_code == 302
    assert reverse("accounts:login") in response["Location"]


def test_an_unknown_addon_is_not_found(as_admin):
    assert as_admin.post(reverse("integrations:connect", args=["abacus"])).status_code == 404


def test_a_callback_nobody_started_is_refused_in_words(as_admin):
    response = as_admin.get(
        reverse("integrations:xpm_callback"), {"code": "stolen", "state": "guess"}, follow=True
    )

    assert response.status_code == 200
    assert any("could not match" in message for message in _messages(response))


def test_disconnecting_asks_first_then_keeps_the_row_and_forgets_the_tokens(
    as_admin, connection, admin_user
):
    url = reverse("integrations:disconnect", args=[connection.pk])
    confirm = as_admin.get(url).content.decode()
    assert "Disconnect Xero Practice Manager (Harbour Accounting)?" in confirm

    response = as_admin.post(url, follow=True)

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert not Credential.objects.filter(pk=connection.pk).exists()
    assert any("is disconnected" in message for message in _messages(response))
    event = AuditEvent.objects.get(action="connection.disconnect")
    assert (event.actor, event.target_id) == (admin_user, str(connection.pk))


def test_an_expired_authorisation_is_a_reauthorise_prompt(as_admin, as_staff, firm):
    ConnectionFactory(firm=firm, status=ConnectionStatus.NEEDS_REAUTHORISATION)

    admin_page = as_admin.get(ADDONS).content.decode()
    staff_page = as_staff.get(ADDONS).content.decode()

    assert "has expired or was revoked" in admin_page
    assert "Reauthorise Xero Practice Manager" in admin_page
    assert "has expired or was revoked" in staff_page
    assert "Ask a firm administrator" in staff_page
