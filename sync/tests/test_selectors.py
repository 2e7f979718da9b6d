import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from clients.selectors import client_list, contact_list
from clients.tests.factories import CompanyFactory, IndividualFactory
from integrations.models import ConnectionStatus
from integrations.tests.factories import ConnectionFactory
from sync.selectors import active_connections, clients_with_link_status, link_statuses
from sync.tests.factories import LinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(firm):
    return ConnectionFactory(firm=firm)


def test_the_lists_filter_on_connected_and_not_connected(firm, connection):
    linked = CompanyFactory(firm=firm, display_name="Linked Ltd")
    unlinked = CompanyFactory(firm=firm, display_name="Unlinked Ltd")
    LinkFactory(connection=connection, client=linked)
    person = IndividualFactory(firm=firm)
    LinkFactory(connection=connection, client=person)

    assert set(client_list(firm=firm, connected=True)) == {linked, person}
    assert list(client_list(firm=firm, connected=False)) == [unlinked]
    assert list(contact_list(firm=firm, connected=True)) == [person]
    assert list(contact_list(firm=firm, connected=False)) == []


def test_a_link_through_an_inactive_connection_does_not_count(firm, connection):
    client = CompanyFactory(firm=firm)
    LinkFactory(connection=connection, client=client)
    connection.status = ConnectionStatus.DISCONNECTED
    connection.save()

    assert list(client_list(firm=firm, connected=False)) == [client]


def test_each_row_knows_its_status_per_connection_without_a_query_per_row(firm, connection):
    other = ConnectionFactory(firm=firm, external_account_name="Second practice")
    for number in range(5):
        client = CompanyFactory(firm=firm, display_name=f"Client {number}")
        if number % 2:
            LinkFactory(connection=connection, client=client)
    connections = list(active_connections(firm=firm))

    with CaptureQueriesContext(db_connection) as queries:
        rows = [
            (client.display_name, link_statuses(client, connections))
            for client in clients_with_link_status(client_list(firm=firm), connections=connections)
        ]

    assert len(queries) == 1
    assert rows[1] == ("Client 1", [("XPM", True), ("XPM", False)])
    assert rows[2] == ("Client 2", [("XPM", False), ("XPM", False)])
    assert other in connections


def test_the_clients_list_shows_the_column_and_filters(as_staff, firm, connection):
    LinkFactory(connection=connection, client=CompanyFactory(firm=firm, display_name="Kauri Ltd"))
    CompanyFactory(firm=firm, display_name="Rimu Ltd")

    response = as_staff.get(reverse("clients:list"), {"connection": "not_connected"})

    assert "Practice Management" in response.text
    assert "XPM: " in response.text
    assert "Rimu Ltd" in response.text
    assert "Kauri Ltd" not in response.text
    contacts = as_staff.get(reverse("clients:contacts"), {"connection": "connected"})
    assert contacts.status_code == 200
    assert "Practice Management" in contacts.text


def test_without_an_add_on_the_list_has_no_connection_column(as_staff, firm):
    CompanyFactory(firm=firm)

    response = as_staff.get(reverse("clients:list"))

    assert "Practice Management" not in response.text
