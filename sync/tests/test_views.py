import pytest
from django.urls import reverse

from clients.tests.factories import CompanyFactory, IndividualFactory
from integrations.tests.factories import ConnectionFactory
from sync.models import Link
from sync.tests.factories import DirectoryEntryFactory, LinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(firm):
    return ConnectionFactory(firm=firm, external_account_name="Harbour Accounting")


@pytest.fixture
def client(firm):
    return CompanyFactory(firm=firm, display_name="Totara Dental Limited")


def tab(client):
    return reverse("sync:practice_management", args=[client.pk])


def test_an_unlinked_client_offers_connect_now(as_staff, client, connection):
    response = as_staff.get(tab(client))

    assert response.status_code == 200
    assert "Not connected" in response.text
    assert "Connect Now" in response.text


def test_connect_now_ranks_the_directory_by_the_clients_name(as_staff, client, connection):
    DirectoryEntryFactory(connection=connection, display_name="Totara Plumbing Ltd")
    wanted = DirectoryEntryFactory(
        connection=connection,
        display_name="Totara Dental Ltd",
        fields={"display_name": "Totara Dental Ltd", "code": "TD01", "email": "hi@td.example"},
    )

    response = as_staff.get(tab(client), {"connection": connection.pk})

    results = response.context["sections"][0].results
    assert results[0].entry == wanted
    assert "name" in results[0].reason
    assert 'value="Totara Dental Limited"' in response.text
    assert "TD01" in response.text
    assert "hi@td.example" in response.text


def test_an_empty_query_browses_the_directory_by_name(as_staff, client, connection):
    for name in ("Beta", "Alpha", "Gamma"):
        DirectoryEntryFactory(connection=connection, display_name=name)

    response = as_staff.get(tab(client), {"connection": connection.pk, "q": ""})

    names = [r.entry.display_name for r in response.context["sections"][0].results]
    assert names == ["Alpha", "Beta", "Gamma"]


def test_a_record_linked_elsewhere_says_to_which_client(as_staff, firm, client, connection):
    entry = DirectoryEntryFactory(connection=connection, display_name="Totara Dental Ltd")
    LinkFactory(
        connection=connection,
        client=CompanyFactory(firm=firm, display_name="Totara Holdings"),
        external_id=entry.external_id,
    )

    response = as_staff.get(tab(client), {"connection": connection.pk})

    assert "Linked to" in response.text
    assert "Totara Holdings" in response.text
    assert "disabled" in response.text


def test_staff_link_and_see_connected(as_staff, staff_user, client, connection):
    entry = DirectoryEntryFactory(connection=connection, display_name="Totara Dental Ltd")

    response = as_staff.post(
        reverse("sync:link_create", args=[client.pk, connection.pk]),
        {"external_id": entry.external_id},
        follow=True,
    )

    assert Link.objects.get().linked_by == staff_user
    assert "Connected" in response.text
    assert "Totara Dental Ltd" in response.text
    assert "Disconnect" in response.text


def test_a_refused_link_says_why_in_the_tab(as_staff, firm, connection):
    person = IndividualFactory(firm=firm)
    entry = DirectoryEntryFactory(connection=connection, kind="company", display_name="Acme")

    response = as_staff.post(
        reverse("sync:link_create", args=[person.pk, connection.pk]),
        {"external_id": entry.external_id},
    )

    assert response.status_code == 400
    assert "is an individual but “Acme” is a company" in response.text
    assert not Link.objects.exists()


def test_disconnect_asks_then_deletes(as_staff, firm, client, connection):
    made = LinkFactory(connection=connection, client=client, external_name="Totara Dental Ltd")
    url = reverse("sync:link_delete", args=[client.pk, made.pk])

    assert "Disconnect Totara Dental Limited from" in as_staff.get(url).text
    response = as_staff.post(url, follow=True)

    assert not Link.objects.exists()
    assert "Connect Now" in response.text


def test_another_firm_reaches_none_of_it(as_outsider, client, connection):
    made = LinkFactory(connection=connection, client=client)
    urls = [
        tab(client),
        reverse("sync:directory_refresh", args=[client.pk, connection.pk]),
        reverse("sync:link_create", args=[client.pk, connection.pk]),
        reverse("sync:link_delete", args=[client.pk, made.pk]),
    ]
    for url in urls:
        assert as_outsider.get(url).status_code in (404, 405)
        assert as_outsider.post(url).status_code == 404
    assert Link.objects.filter(pk=made.pk).exists()


def test_another_firms_connection_is_404_on_my_client(as_staff, client, other_firm):
    theirs = ConnectionFactory(firm=other_firm)

    response = as_staff.post(
        reverse("sync:link_create", args=[client.pk, theirs.pk]), {"external_id": "x"}
    )

    assert response.status_code == 404


def test_connect_now_reads_a_stale_directory_from_the_pm_system_first(
    as_admin, firm, xpm_sandbox, xpm_connection
):
    listed = next(c for c in xpm_sandbox.store.clients_live() if not c.is_archived)
    client = CompanyFactory(firm=firm, display_name=listed.name)

    response = as_admin.get(tab(client), {"connection": xpm_connection.pk})

    assert xpm_sandbox.stats["api_calls_by_endpoint"] == {"client.api/paged-list": 1}
    assert response.context["sections"][0].results[0].entry.display_name == listed.name


def test_a_failed_refresh_is_explained_on_the_tab(as_admin, firm, xpm_sandbox, xpm_connection):
    client = CompanyFactory(firm=firm)
    xpm_sandbox.set_fault("token_revoked")

    response = as_admin.post(
        reverse("sync:directory_refresh", args=[client.pk, xpm_connection.pk]), follow=True
    )

    assert "Refreshing the XPM client list stopped" in response.text
    assert "nothing was read" in response.text


def test_a_contact_with_duplicates_is_sent_to_merge_them_first(as_staff, firm, connection):
    person = IndividualFactory(
        firm=firm, first_name="Mere", last_name="Ngata", email="mere@ngata.example"
    )
    IndividualFactory(firm=firm, first_name="Mere", last_name="Ngata", email="mere@ngata.example")
    entry = DirectoryEntryFactory(connection=connection, kind="individual")

    response = as_staff.post(
        reverse("sync:link_create", args=[person.pk, connection.pk]),
        {"external_id": entry.external_id},
    )

    assert "merge duplicate contacts first" in response.text
    assert f'href="{reverse("clients:duplicates")}"' in response.text
    assert not Link.objects.exists()
