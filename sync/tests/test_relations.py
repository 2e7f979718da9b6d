"""Contacts and relationships of imported clients, read from the XPM sandbox over HTTP."""

from datetime import UTC, datetime

import pytest

from clients.models import Client, ClientKind, Relationship
from clients.tests.factories import CompanyFactory, IndividualFactory
from integrations.connectors.registry import connector_class
from sandbox.xpm import XpmSandbox
from sandbox.xpm.store import Client as SandboxClient
from sandbox.xpm.store import Contact
from sandbox.xpm.store import Relationship as SandboxRelationship
from sync.relations import link_lookup_for, relations_import
from sync.tests.factories import LinkFactory

pytestmark = pytest.mark.django_db


def sandbox_entity(sandbox: XpmSandbox, structure: str, *, skip: int = 0) -> SandboxClient:
    """A live client of that structure with people related to it."""
    found = [
        client
        for client in sandbox.store.clients_live()
        if client.fields.get("businessStructure") == structure and client.relationships
    ]
    return found[skip]


def people(sandbox: XpmSandbox, client: SandboxClient) -> list[tuple[str, Contact]]:
    """(position, contact) of each of the client's contacts."""
    return [
        (link.position, sandbox.store.contacts[link.contact_uuid]) for link in client.contact_links
    ]


def import_relations(connection, user, client: Client, external_id: str) -> list[str]:
    with connector_class(connection.provider)(connection) as connector:
        return relations_import(
            connector=connector,
            client=client,
            record=connector.get_client(external_id),
            acting_user=user,
            link_lookup=link_lookup_for(connection),
        )


def roles_of(entity: Client) -> set[tuple[str, str]]:
    return {
        (relationship.individual.display_name, relationship.role)
        for relationship in Relationship.objects.filter(entity=entity).select_related("individual")
    }


def test_directors_shareholders_and_trustees_come_in_as_new_contacts(
    xpm_sandbox, xpm_connection, firm, admin_user
):
    company_record = sandbox_entity(xpm_sandbox, "Company")
    trust_record = sandbox_entity(xpm_sandbox, "Trust")
    company = CompanyFactory(firm=firm, display_name=company_record.name)
    trust = CompanyFactory(firm=firm, kind=ClientKind.TRUST, display_name=trust_record.name)

    company_messages = import_relations(xpm_connection, admin_user, company, company_record.uuid)
    import_relations(xpm_connection, admin_user, trust, trust_record.uuid)

    assert roles_of(company) == {
        (contact.name, position.lower())
        for position, contact in people(xpm_sandbox, company_record)
    }
    assert {role for _, role in roles_of(trust)} <= {"trustee", "beneficiary"}
    assert "trustee" in {role for _, role in roles_of(trust)}
    position, contact = people(xpm_sandbox, company_record)[0]
    person = Client.objects.get(firm=firm, display_name=contact.name)
    assert person.kind == ClientKind.INDIVIDUAL
    assert (person.first_name, person.email) == (contact.name.split()[0], contact.email)
    assert person.mobile.startswith("+")
    assert f"{contact.name} added as {position.lower()} (new contact)." in company_messages


def test_a_contact_already_in_tandem_is_reused_not_duplicated(
    xpm_sandbox, xpm_connection, firm, admin_user
):
    record = sandbox_entity(xpm_sandbox, "Company", skip=1)
    position, contact = people(xpm_sandbox, record)[0]
    first, last = contact.name.split()[0], contact.name.split()[-1]
    existing = IndividualFactory(
        firm=firm, first_name=first, last_name=last, display_name=contact.name, email=contact.email
    )
    company = CompanyFactory(firm=firm, display_name=record.name)

    messages = import_relations(xpm_connection, admin_user, company, record.uuid)

    assert Client.objects.filter(firm=firm, display_name=contact.name).count() == 1
    assert Relationship.objects.filter(
        entity=company, individual=existing, role=position.lower()
    ).exists()
    assert f"{contact.name} added as {position.lower()} (already in Tandem)." in messages


def test_a_namesake_without_a_shared_email_or_phone_is_not_taken_for_the_contact(
    xpm_sandbox, xpm_connection, firm, admin_user
):
    record = sandbox_entity(xpm_sandbox, "Company", skip=2)
    _, contact = people(xpm_sandbox, record)[0]
    namesake = IndividualFactory(
        firm=firm,
        first_name=contact.name.split()[0],
        last_name=contact.name.split()[-1],
        display_name=contact.name,
        email="someone.else@example.com",
    )
    company = CompanyFactory(firm=firm, display_name=record.name)

    import_relations(xpm_connection, admin_user, company, record.uuid)

    assert Client.objects.filter(firm=firm, display_name=contact.name).count() == 2
    assert not Relationship.objects.filter(individual=namesake).exists()


def test_importing_twice_adds_nothing_and_says_nothing(
    xpm_sandbox, xpm_connection, firm, admin_user
):
    record = sandbox_entity(xpm_sandbox, "Company", skip=3)
    company = CompanyFactory(firm=firm, display_name=record.name)
    import_relations(xpm_connection, admin_user, company, record.uuid)
    clients, relationships = Client.objects.count(), Relationship.objects.count()

    messages = import_relations(xpm_connection, admin_user, company, record.uuid)

    assert messages == []
    assert (Client.objects.count(), Relationship.objects.count()) == (clients, relationships)


def test_a_relationship_to_a_linked_client_relates_that_client(
    xpm_sandbox, xpm_connection, firm, admin_user
):
    record = sandbox_entity(xpm_sandbox, "Company", skip=4)
    relationship = record.relationships[0]
    person_record = xpm_sandbox.store.client_get(relationship.related_uuid)
    # Linked before, without the email or phone XPM's contact for them carries.
    person = IndividualFactory(
        firm=firm,
        first_name=person_record.fields["firstName"],
        last_name=person_record.fields["lastName"],
        display_name=person_record.name,
        email="",
    )
    LinkFactory(connection=xpm_connection, client=person, external_id=person_record.uuid)
    company = CompanyFactory(firm=firm, display_name=record.name)

    messages = import_relations(xpm_connection, admin_user, company, record.uuid)

    role = relationship.type.lower()
    assert Relationship.objects.filter(entity=company, individual=person, role=role).exists()
    assert f"{person} added as {role} of {company}." in messages
    assert Client.objects.filter(firm=firm, last_name=person.last_name).count() == 1


def test_a_position_tandem_has_no_role_for_makes_a_contact(
    xpm_sandbox, xpm_connection, firm, admin_user
):
    record = sandbox_entity(xpm_sandbox, "Partnership")
    bookkeeper = Contact(uuid="c0ffee00-0000-4000-8000-000000000001", name="Mere Tipene")
    xpm_sandbox.store.contact_add(bookkeeper)
    xpm_sandbox.store.client_contacts_link(
        record.uuid, [(bookkeeper.uuid, "Accounts Manager", False)], datetime.now(UTC)
    )
    partnership = CompanyFactory(firm=firm, kind=ClientKind.PARTNERSHIP, display_name=record.name)

    import_relations(xpm_connection, admin_user, partnership, record.uuid)

    assert ("Mere Tipene", "contact") in roles_of(partnership)
    assert "partner" in {role for _, role in roles_of(partnership)}


def test_a_contact_tandem_cannot_store_is_left_out_with_the_reason(
    xpm_sandbox, xpm_connection, firm, admin_user
):
    record = sandbox_entity(xpm_sandbox, "Partnership", skip=1)
    nameless = Contact(uuid="c0ffee00-0000-4000-8000-000000000004", name="X" * 300)
    xpm_sandbox.store.contact_add(nameless)
    xpm_sandbox.store.client_contacts_link(
        record.uuid, [(nameless.uuid, "Partner", False)], datetime.now(UTC)
    )
    partnership = CompanyFactory(firm=firm, kind=ClientKind.PARTNERSHIP, display_name=record.name)

    messages = import_relations(xpm_connection, admin_user, partnership, record.uuid)

    assert (
        f"Left out the contact with the id {nameless.uuid}, partner: "
        "First name: enter a first name or a last name."
    ) in messages
    assert not Client.objects.filter(display_name__startswith="XXX").exists()
    assert len(roles_of(partnership)) == len(record.contact_links) - 1


def test_an_individuals_own_contact_is_not_made_a_relationship(
    xpm_sandbox, xpm_connection, firm, admin_user
):
    record = next(
        client
        for client in xpm_sandbox.store.clients_live()
        if client.fields.get("businessStructure") == "Individual" and client.contact_links
    )
    person = IndividualFactory(firm=firm, display_name=record.name)

    messages = import_relations(xpm_connection, admin_user, person, record.uuid)

    assert messages == []
    assert not Relationship.objects.exists()
    assert Client.objects.count() == 1


def test_ties_to_other_entities_and_to_clients_not_in_tandem_are_reported_not_made(
    xpm_sandbox, xpm_connection, firm, admin_user
):
    record = sandbox_entity(xpm_sandbox, "Company", skip=5)
    holding = sandbox_entity(xpm_sandbox, "Company", skip=6)
    former = sandbox_entity(xpm_sandbox, "Trust", skip=1)
    record.relationships += [
        SandboxRelationship("c0ffee00-0000-4000-8000-000000000002", "Shareholder", holding.uuid),
        SandboxRelationship(
            "c0ffee00-0000-4000-8000-000000000003", "Trustee", former.uuid, end_date="2020-03-31"
        ),
    ]
    xpm_sandbox.store.client_touch(record.uuid, datetime.now(UTC))
    company = CompanyFactory(firm=firm, display_name=record.name)

    before_link = import_relations(xpm_connection, admin_user, company, record.uuid)
    LinkFactory(
        connection=xpm_connection,
        client=CompanyFactory(firm=firm, display_name=holding.name),
        external_id=holding.uuid,
    )
    after_link = import_relations(xpm_connection, admin_user, company, record.uuid)

    assert f"Left out {holding.name}, shareholder: not in Tandem yet." in " ".join(before_link)
    assert after_link == [
        f"Left out {holding.name}, shareholder: Tandem records the roles people hold in "
        "companies, trusts and partnerships, not ties between two entities."
    ]
    assert former.name not in " ".join(before_link + after_link)
