import threading
from unittest import mock

import pytest
from django.db import IntegrityError, connections

from accounts.models import AuditEvent
from clients.tests.factories import CompanyFactory, IndividualFactory
from integrations.models import ConnectionStatus
from integrations.tests.factories import ConnectionFactory
from sync.exceptions import LinkRefused
from sync.models import Link
from sync.services import link_create, link_delete
from sync.tests.factories import DirectoryEntryFactory, LinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(firm):
    return ConnectionFactory(firm=firm)


def link(client, entry, user):
    return link_create(
        firm=client.firm,
        client=client,
        connection=entry.connection,
        external_id=entry.external_id,
        acting_user=user,
    )


def test_linking_records_who_and_changes_no_values(firm, connection, staff_user):
    client = CompanyFactory(firm=firm, display_name="Kauri Builders Ltd", email="a@k.example")
    entry = DirectoryEntryFactory(
        connection=connection,
        display_name="Kauri Builders Limited",
        fields={"display_name": "Kauri Builders Limited", "email": "other@k.example"},
    )

    made = link(client, entry, staff_user)

    assert (made.client, made.external_id, made.external_name) == (
        client,
        entry.external_id,
        "Kauri Builders Limited",
    )
    assert made.linked_by == staff_user
    assert made.base == {}
    client.refresh_from_db()
    assert (client.display_name, client.email) == ("Kauri Builders Ltd", "a@k.example")
    event = AuditEvent.objects.get(action="link.create")
    assert event.actor == staff_user
    assert event.target_id == str(client.pk)


@pytest.mark.parametrize(
    ("client_factory", "record_kind", "reason"),
    [
        (CompanyFactory, "individual", "is a company but “Record” is an individual"),
        (IndividualFactory, "trust", "is an individual but “Record” is a trust"),
    ],
)
def test_kinds_must_agree(firm, connection, staff_user, client_factory, record_kind, reason):
    client = client_factory(firm=firm)
    entry = DirectoryEntryFactory(connection=connection, kind=record_kind, display_name="Record")

    with pytest.raises(LinkRefused, match=reason) as refusal:
        link(client, entry, staff_user)

    assert refusal.value.code == "kind_mismatch"
    assert not Link.objects.exists()


def test_any_entity_kind_links_to_any_entity_record(firm, connection, staff_user):
    client = CompanyFactory(firm=firm)
    entry = DirectoryEntryFactory(connection=connection, kind="partnership")

    assert link(client, entry, staff_user).client == client


def test_a_record_is_linked_to_one_client_only(firm, connection, staff_user):
    first = CompanyFactory(firm=firm, display_name="First Ltd")
    entry = DirectoryEntryFactory(connection=connection, display_name="Shared Ltd")
    link(first, entry, staff_user)

    with pytest.raises(LinkRefused, match=r"“Shared Ltd” in .* is already linked to First Ltd"):
        link(CompanyFactory(firm=firm), entry, staff_user)


def test_a_client_is_linked_to_one_record_per_connection(firm, connection, staff_user):
    client = CompanyFactory(firm=firm, display_name="Only Ltd")
    link(client, DirectoryEntryFactory(connection=connection, display_name="One"), staff_user)

    with pytest.raises(LinkRefused, match="Only Ltd is already linked to “One”"):
        link(client, DirectoryEntryFactory(connection=connection), staff_user)


def test_the_loser_of_a_race_gets_a_clear_message(firm, connection, staff_user):
    client = CompanyFactory(firm=firm)
    entry = DirectoryEntryFactory(connection=connection)

    with (
        mock.patch.object(Link, "save", side_effect=IntegrityError("unique")),
        pytest.raises(LinkRefused, match=r"Someone else linked .* a moment ago"),
    ):
        link(client, entry, staff_user)

    assert not AuditEvent.objects.filter(action="link.create").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_clients_linking_one_record_at_once_exactly_one_wins(firm, connection, staff_user):
    entry = DirectoryEntryFactory(connection=connection, display_name="Contested Ltd")
    clients = [CompanyFactory(firm=firm) for _ in range(4)]
    start = threading.Barrier(len(clients))
    linked, refusals, errors = [], [], []

    def attempt(client):
        try:
            start.wait()
            linked.append(link(client, entry, staff_user))
        except LinkRefused as refusal:
            refusals.append(refusal)
        except Exception as error:  # the assertion below shows it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=attempt, args=[client]) for client in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(linked) == 1
    assert len(refusals) == len(clients) - 1
    assert Link.objects.get().client == linked[0].client


def test_an_inactive_connection_or_unknown_record_is_refused(firm, connection, staff_user):
    client = CompanyFactory(firm=firm)
    entry = DirectoryEntryFactory(connection=connection)
    with pytest.raises(LinkRefused, match="Refresh the list"):
        link_create(
            firm=firm,
            client=client,
            connection=connection,
            external_id="no-such-id",
            acting_user=staff_user,
        )
    connection.status = ConnectionStatus.NEEDS_REAUTHORISATION
    connection.save()
    with pytest.raises(LinkRefused, match="is not connected"):
        link(client, entry, staff_user)


def test_another_firms_client_is_refused(firm, other_firm, connection, staff_user):
    entry = DirectoryEntryFactory(connection=connection)
    with pytest.raises(LinkRefused, match="not this practice's"):
        link_create(
            firm=firm,
            client=CompanyFactory(firm=other_firm),
            connection=connection,
            external_id=entry.external_id,
            acting_user=staff_user,
        )


def test_an_individual_with_likely_duplicates_must_be_merged_first(firm, connection, staff_user):
    person = IndividualFactory(
        firm=firm, first_name="Mere", last_name="Ngata", email="mere@ngata.example"
    )
    IndividualFactory(firm=firm, first_name="Mere", last_name="Ngata", email="mere@ngata.example")
    entry = DirectoryEntryFactory(connection=connection, kind="individual")

    with pytest.raises(LinkRefused, match="merge duplicate contacts first") as refusal:
        link(person, entry, staff_user)

    assert refusal.value.code == "duplicates_first"


def test_an_individual_without_duplicates_links(firm, connection, staff_user):
    person = IndividualFactory(firm=firm, first_name="Mere", last_name="Ngata")
    IndividualFactory(firm=firm, first_name="Hone", last_name="Ngata")
    entry = DirectoryEntryFactory(connection=connection, kind="individual")

    assert link(person, entry, staff_user).client == person


def test_disconnecting_deletes_the_link_and_leaves_an_audit_row(firm, staff_user):
    made = LinkFactory(client=CompanyFactory(firm=firm), connection__firm=firm)

    link_delete(link=made, acting_user=staff_user)

    assert not Link.objects.exists()
    assert AuditEvent.objects.get(action="link.delete").actor == staff_user
