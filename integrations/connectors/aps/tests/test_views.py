from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import get_device_grant_model

from accounts.models import AuditEvent
from integrations.connectors.aps.services import agent_application_ensure
from integrations.models import Connection, ConnectionStatus

pytestmark = pytest.mark.django_db

DeviceGrant = get_device_grant_model()


def device_grant(**values):
    agent_application_ensure()
    return DeviceGrant.objects.create(
        **{
            "client_id": "tandem-agent",
            "device_code": "device-code-1",
            "user_code": "3F7K9QAB",
            "scope": "aps:push",
            "expires": timezone.now() + timedelta(minutes=10),
            **values,
        }
    )


def test_add_addon_offers_aps_activated_here_without_a_sign_in_elsewhere(as_admin):
    page = as_admin.get("/addons/add/").content.decode()

    assert 'action="/agent/activate/"' in page
    assert "APS is read-only: Tandem does not write to APS." in page


def test_activating_aps_connects_it_and_shows_how_to_set_up_the_agent(as_admin, firm, admin_user):
    response = as_admin.post("/agent/activate/", follow=True)

    connection = Connection.objects.get(firm=firm, provider="aps")
    assert connection.is_active
    assert connection.connected_by == admin_user
    assert "tandem-agent login --server http://testserver" in response.content.decode()
    assert AuditEvent.objects.filter(action="connection.connect", target_id=str(connection.pk))


def test_activating_again_after_a_disconnect_brings_the_same_connection_back(as_admin, firm):
    as_admin.post("/agent/activate/")
    Connection.objects.filter(firm=firm).update(status=ConnectionStatus.DISCONNECTED)

    as_admin.post("/agent/activate/")

    assert Connection.objects.get(firm=firm, provider="aps").is_active


@pytest.mark.parametrize(
    ("method", "url"), [("post", "/agent/activate/"), ("get", "/agent/device/")]
)
def test_only_a_firm_administrator_activates_aps_or_approves_the_agent(as_staff, method, url):
    assert getattr(as_staff, method)(url).status_code == 403


def test_approving_the_agents_code_signs_it_in_as_the_administrator(
    as_admin, aps_connection, admin_user
):
    grant = device_grant()

    response = as_admin.post("/agent/device/", {"user_code": "3f7k 9qab", "approve": ""})

    assert response.status_code == 302
    grant.refresh_from_db()
    assert (grant.status, grant.user) == (DeviceGrant.AUTHORIZED, admin_user)
    assert AuditEvent.objects.filter(action="aps.agent_approve")


def test_denying_the_agents_code_leaves_it_signed_out(as_admin, aps_connection):
    grant = device_grant()

    as_admin.post("/agent/device/", {"user_code": "3F7K9QAB", "deny": ""})

    grant.refresh_from_db()
    assert grant.status == DeviceGrant.DENIED


@pytest.mark.parametrize(
    ("grant_values", "message"),
    [
        ({"user_code": "OTHER000"}, "that is not a code the Tandem sync agent is showing"),
        ({"expires": timezone.now() - timedelta(seconds=1)}, "that code has expired"),
        ({"status": DeviceGrant.DENIED}, "that code has been used already"),
        ({"client_id": "some-cms"}, "that is not a code the Tandem sync agent is showing"),
    ],
)
def test_a_code_that_cannot_be_approved_says_why(as_admin, aps_connection, grant_values, message):
    device_grant(**grant_values)

    response = as_admin.post("/agent/device/", {"user_code": "3F7K9QAB", "approve": ""})

    assert response.status_code == 200
    assert message in response.content.decode()


def test_approving_needs_aps_activated(as_admin):
    device_grant()

    response = as_admin.post("/agent/device/", {"user_code": "3F7K9QAB", "approve": ""})

    assert "APS is not activated for Harbour Accounting Limited" in response.content.decode()
    assert DeviceGrant.objects.get().status == DeviceGrant.AUTHORIZATION_PENDING


def test_addons_shows_when_the_agent_last_called_and_warns_once_it_is_silent(
    as_admin, aps_connection, settings
):
    settings.TANDEM_AGENT_SILENT_HOURS = 26
    assert "has not called yet" in as_admin.get("/addons/").content.decode()

    Connection.objects.filter(pk=aps_connection.pk).update(
        agent_contact_at=timezone.now() - timedelta(hours=25)
    )
    assert "Agent last called" in as_admin.get("/addons/").content.decode()

    Connection.objects.filter(pk=aps_connection.pk).update(
        agent_contact_at=timezone.now() - timedelta(hours=27)
    )
    assert "has been silent since" in as_admin.get("/addons/").content.decode()
