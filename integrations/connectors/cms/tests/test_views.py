"""The endpoints a CMS calls with the access token of a person who authorised it."""

import json

import pytest

from accounts.models import AuditEvent
from clients.tests.factories import CompanyFactory
from identity.tests.factories import ApplicationFactory
from integrations.connectors.cms.tests.factories import access_token_create
from integrations.models import Connection, ConnectionStatus
from sync.tests.factories import LinkFactory

pytestmark = pytest.mark.django_db

ACCOUNTS_URL = "/cms/accounts/"


@pytest.fixture
def application():
    return ApplicationFactory(name="Kauri CMS")


@pytest.fixture
def bearer(application, admin_user):
    return f"Bearer {access_token_create(user=admin_user, application=application)}"


def post_account(client, authorization, body):
    return client.post(
        ACCOUNTS_URL,
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=authorization,
    )


def test_registering_an_account_connects_it_to_the_users_firm(
    client, application, bearer, firm, admin_user
):
    response = post_account(client, bearer, {"account_id": "acc-1", "account_name": "Kauri Care"})

    assert response.status_code == 201
    connection = Connection.objects.get(pk=int(response.json()["connection_id"]))
    assert connection.firm == firm
    assert connection.provider == "cms"
    assert connection.external_account_id == f"{application.client_id}:acc-1"
    assert connection.external_account_name == "Kauri Care"
    assert connection.connected_by == admin_user
    assert connection.status == ConnectionStatus.ACTIVE
    assert not hasattr(connection, "credential")
    assert AuditEvent.objects.filter(firm=firm, action="connection.connect").count() == 1


def test_registering_again_is_harmless_and_takes_the_new_name(client, bearer):
    first = post_account(client, bearer, {"account_id": "acc-1", "account_name": "Kauri Care"})
    again = post_account(client, bearer, {"account_id": "acc-1", "account_name": "Kauri Home"})

    assert again.status_code == 200
    assert again.json() == first.json()
    assert Connection.objects.get().external_account_name == "Kauri Home"


def test_registering_a_disconnected_account_revives_it_with_its_links(
    client, application, bearer, firm
):
    post_account(client, bearer, {"account_id": "acc-1", "account_name": "Kauri Care"})
    connection = Connection.objects.get()
    link = LinkFactory(connection=connection, client=CompanyFactory(firm=firm))
    client.delete(f"{ACCOUNTS_URL}acc-1/", HTTP_AUTHORIZATION=bearer)

    response = post_account(client, bearer, {"account_id": "acc-1", "account_name": "Kauri Care"})

    assert response.status_code == 201
    assert response.json()["connection_id"] == str(connection.pk)
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.ACTIVE
    assert connection.links.get() == link


def test_the_same_account_id_of_two_suppliers_is_two_connections(client, admin_user, bearer):
    other = ApplicationFactory(name="Rimu CMS")
    other_bearer = f"Bearer {access_token_create(user=admin_user, application=other)}"

    post_account(client, bearer, {"account_id": "acc-1", "account_name": "Kauri Care"})
    post_account(client, other_bearer, {"account_id": "acc-1", "account_name": "Rimu Care"})

    assert Connection.objects.count() == 2


def assert_problem(response, status: int, code: str):
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["status"] == status
    assert body["code"] == code
    assert body["title"]
    assert body["detail"]
    return body


@pytest.mark.parametrize("authorization", ["", "Bearer not-a-token"])
def test_no_valid_token_is_unauthorized(client, authorization):
    response = post_account(client, authorization, {"account_id": "a", "account_name": "A"})

    assert_problem(response, 401, "unauthorized")
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert not Connection.objects.exists()


def test_a_token_without_the_connect_scope_is_forbidden(client, application, admin_user):
    token = access_token_create(user=admin_user, application=application, scope="openid email")

    response = post_account(client, f"Bearer {token}", {"account_id": "a", "account_name": "A"})

    assert_problem(response, 403, "forbidden")
    assert not Connection.objects.exists()


def test_a_session_is_not_enough(as_admin):
    response = as_admin.post(
        ACCOUNTS_URL,
        data=json.dumps({"account_id": "a", "account_name": "A"}),
        content_type="application/json",
    )

    assert_problem(response, 401, "unauthorized")


def test_only_a_firm_administrator_connects_an_account(client, application, staff_user):
    token = access_token_create(user=staff_user, application=application)

    response = post_account(client, f"Bearer {token}", {"account_id": "a", "account_name": "A"})

    body = assert_problem(response, 403, "forbidden")
    assert "administrator" in body["detail"]
    assert not Connection.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"account_id": "", "account_name": "Kauri Care"}, "account_id"),
        ({"account_id": "x" * 256, "account_name": "Kauri Care"}, "account_id"),
        ({"account_id": "acc-1", "account_name": "  "}, "account_name"),
    ],
)
def test_a_bad_account_is_refused_naming_the_field(client, bearer, body, field):
    body = assert_problem(post_account(client, bearer, body), 400, "invalid_request")

    assert body["field"] == field
    assert field in body["detail"]
    assert not Connection.objects.exists()


@pytest.mark.parametrize("raw", ["not json", "[]", '{"account_id": 7, "account_name": "A"}'])
def test_a_body_that_is_not_an_account_is_refused(client, bearer, raw):
    response = client.post(
        ACCOUNTS_URL, data=raw, content_type="application/json", HTTP_AUTHORIZATION=bearer
    )

    assert_problem(response, 400, "invalid_request")


def test_deleting_an_account_disconnects_it_and_keeps_its_links(client, bearer, firm):
    post_account(client, bearer, {"account_id": "acc-1", "account_name": "Kauri Care"})
    link = LinkFactory(connection=Connection.objects.get(), client=CompanyFactory(firm=firm))

    response = client.delete(f"{ACCOUNTS_URL}acc-1/", HTTP_AUTHORIZATION=bearer)

    assert response.status_code == 204
    connection = Connection.objects.get()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert connection.links.get() == link
    assert AuditEvent.objects.filter(firm=firm, action="connection.disconnect").exists()


def test_deleting_an_account_not_connected_is_not_found(client, bearer):
    response = client.delete(f"{ACCOUNTS_URL}acc-1/", HTTP_AUTHORIZATION=bearer)

    assert_problem(response, 404, "not_found")


def test_another_firms_administrator_cannot_disconnect_the_firms_account(
    client, application, bearer, outsider
):
    post_account(client, bearer, {"account_id": "acc-1", "account_name": "Kauri Care"})
    outsider_bearer = f"Bearer {access_token_create(user=outsider, application=application)}"

    response = client.delete(f"{ACCOUNTS_URL}acc-1/", HTTP_AUTHORIZATION=outsider_bearer)

    assert_problem(response, 404, "not_found")
    assert Connection.objects.get().status == ConnectionStatus.ACTIVE


def test_another_suppliers_token_cannot_disconnect_the_account(client, admin_user, bearer):
    post_account(client, bearer, {"account_id": "acc-1", "account_name": "Kauri Care"})
    other = ApplicationFactory(name="Rimu CMS")
    other_bearer = f"Bearer {access_token_create(user=admin_user, application=other)}"

    response = client.delete(f"{ACCOUNTS_URL}acc-1/", HTTP_AUTHORIZATION=other_bearer)

    assert_problem(response, 404, "not_found")
    assert Connection.objects.get().status == ConnectionStatus.ACTIVE


def test_other_methods_are_not_allowed(client, bearer):
    assert client.get(ACCOUNTS_URL, HTTP_AUTHORIZATION=bearer).status_code == 405
    assert client.post(f"{ACCOUNTS_URL}acc-1/", HTTP_AUTHORIZATION=bearer).status_code == 405
