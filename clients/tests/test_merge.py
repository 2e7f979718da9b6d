import datetime
import threading

import pytest
from django.db import connection as database

from accounts.models import AuditEvent
from clients.exceptions import (
    ClientMergeConflictError,
    ClientMergeError,
    ClientMergeUndoError,
    ClientStateError,
)
from clients.models import Client, ClientMerge, Relationship, RelationshipRole
from clients.services import client_merge, client_merge_undo, client_restore, client_update
from clients.tests.factories import CompanyFactory, IndividualFactory, RelationshipFactory
from documents.models import Document
from integrations.tests.factories import ConnectionFactory
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory
from sync.models import Link
from sync.tests.factories import LinkFactory

BORN = datetime.date(1980, 5, 4)


def _document(client: Client, name: str) -> Document:
    return Document.objects.create(
        firm=client.firm,
        client=client,
        file=f"documents/{name}",
        original_name=name,
        content_type="application/pdf",
        size=10,
        sha256="0" * 64,
    )


@pytest.fixture
def kauri(firm):
    return CompanyFactory(firm=firm, display_name="Kauri Builders Limited")


@pytest.fixture
def survivor(firm, kauri):
    mere = IndividualFactory(
        firm=firm, first_name="Mere", last_name="Tane", display_name="Mere Tane", code="A1",
        date_of_birth=BORN, email="mere@old.example.com", notes="Prefers mornings.",
    )  # fmt: skip
    RelationshipFactory(entity=kauri, individual=mere, role=RelationshipRole.DIRECTOR)
    return mere


@pytest.fixture
def duplicate(firm, kauri):
    mere = IndividualFactory(
        firm=firm, first_name="Mere", last_name="Tane", display_name="Mere Tane", code="A7",
        date_of_birth=BORN, email="mere.tane@new.example.com", mobile="+64215551234",
        notes="Has two children.",
    )  # fmt: skip
    RelationshipFactory(entity=kauri, individual=mere, role=RelationshipRole.DIRECTOR)
    RelationshipFactory(entity=kauri, individual=mere, role=RelationshipRole.SHAREHOLDER)
    return mere


@pytest.fixture
def connection(firm):
    return ConnectionFactory(firm=firm)


@pytest.fixture
def records(survivor, duplicate, connection):
    """An appointment and a document on each side; the duplicate is linked to the PM system."""
    return {
        "link": LinkFactory(connection=connection, client=duplicate, external_name="TANE, Mere").pk,
        "appointments": [
            AppointmentFactory(client=survivor).pk,
            AppointmentFactory(client=duplicate).pk,
        ],
        "documents": [_document(survivor, "a.pdf").pk, _document(duplicate, "b.pdf").pk],
    }


def _merge(firm, survivor, duplicate, user, **field_choices) -> ClientMerge:
    return client_merge(
        firm=firm,
        survivor=survivor,
        duplicates=[duplicate],
        field_choices=field_choices,
        acting_user=user,
    )


def _merge_form(contacts: list[Client], *, keep: Client, **values_of: Client) -> dict:
    """The Merge page's answers: the record kept and, per field, whose value it keeps."""
    return {
        "contact": [contact.pk for contact in contacts],
        "survivor": keep.pk,
        **{name: contact.pk for name, contact in values_of.items()},
    }


def _owners(model, pks) -> list[int]:
    return [model.objects.get(pk=pk).client_id for pk in pks]


def _roles(client: Client) -> set[tuple[int, str]]:
    return set(Relationship.objects.filter(individual=client).values_list("entity_id", "role"))


def test_merge_moves_everything_to_the_survivor(
    firm, survivor, duplicate, records, kauri, admin_user
):
    merge = _merge(firm, survivor, duplicate, admin_user, email=duplicate, mobile=duplicate)

    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert survivor.email == "mere.tane@new.example.com"
    assert survivor.mobile == "+64215551234"
    assert survivor.code == "A1"
    assert survivor.notes == "Prefers mornings.\n\nFrom Mere Tane:\nHas two children."
    assert _owners(Appointment, records["appointments"]) == [survivor.pk, survivor.pk]
    assert _owners(Document, records["documents"]) == [survivor.pk, survivor.pk]
    assert _owners(Link, [records["link"]]) == [survivor.pk]
    assert _roles(survivor) == {
        (kauri.pk, RelationshipRole.DIRECTOR),
        (kauri.pk, RelationshipRole.SHAREHOLDER),
    }
    assert _roles(duplicate) == set()
    assert duplicate.merged_into == survivor
    assert duplicate.is_archived
    assert list(merge.duplicates.all()) == [duplicate]
    [dropped] = merge.undo["relationships_dropped"]
    assert dropped["role"] == RelationshipRole.DIRECTOR
    event = AuditEvent.objects.get(action="client.merge", target_id=str(survivor.pk))
    assert event.actor == admin_user
    assert event.changes["values"]["email"] == [
        "mere@old.example.com",
        "mere.tane@new.example.com",
    ]
    assert event.changes["merged"] == [[duplicate.pk, "Mere Tane"]]
    assert sorted(pk for pk, _ in event.changes["appointments"]) == [records["appointments"][1]]


def test_undo_moves_everything_back(firm, survivor, duplicate, records, kauri, admin_user):
    Client.objects.filter(pk=survivor.pk).update(date_of_birth=None)
    merge = _merge(
        firm,
        survivor,
        duplicate,
        admin_user,
        email=duplicate,
        code=duplicate,
        date_of_birth=duplicate,
    )
    survivor.refresh_from_db()
    assert (survivor.code, survivor.date_of_birth) == ("A7", BORN)

    client_merge_undo(merge=merge, acting_user=admin_user)

    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    merge.refresh_from_db()
    assert (survivor.email, survivor.code, survivor.notes) == (
        "mere@old.example.com",
        "A1",
        "Prefers mornings.",
    )
    assert survivor.date_of_birth is None
    assert (duplicate.code, duplicate.merged_into, duplicate.archived_at) == ("A7", None, None)
    assert _owners(Appointment, records["appointments"]) == [survivor.pk, duplicate.pk]
    assert _owners(Document, records["documents"]) == [survivor.pk, duplicate.pk]
    assert _owners(Link, [records["link"]]) == [duplicate.pk]
    assert _roles(survivor) == {(kauri.pk, RelationshipRole.DIRECTOR)}
    assert _roles(duplicate) == {
        (kauri.pk, RelationshipRole.DIRECTOR),
        (kauri.pk, RelationshipRole.SHAREHOLDER),
    }
    assert merge.is_undone
    assert merge.undone_by == admin_user
    assert AuditEvent.objects.filter(action="client.merge_undo").count() == 1


def test_undo_is_refused_when_a_moved_appointment_was_deleted(
    firm, survivor, duplicate, records, admin_user
):
    merge = _merge(firm, survivor, duplicate, admin_user, email=duplicate)
    Appointment.objects.filter(pk=records["appointments"][1]).delete()

    with pytest.raises(ClientMergeUndoError, match="1 appointment moved by the merge was deleted"):
        client_merge_undo(merge=merge, acting_user=admin_user)

    duplicate.refresh_from_db()
    merge.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    assert not merge.is_undone


def test_merge_is_refused_when_both_are_linked_in_the_same_connection(
    firm, survivor, duplicate, records, connection, admin_user
):
    LinkFactory(connection=connection, client=survivor, external_name="Tane, Mere")

    with pytest.raises(ClientMergeError, match="disconnect all but one before merging"):
        _merge(firm, survivor, duplicate, admin_user)

    duplicate.refresh_from_db()
    assert duplicate.merged_into is None
    assert _owners(Appointment, records["appointments"]) == [survivor.pk, duplicate.pk]


def test_undo_is_refused_when_a_moved_link_was_disconnected(
    firm, survivor, duplicate, records, admin_user
):
    merge = _merge(firm, survivor, duplicate, admin_user)
    Link.objects.filter(pk=records["link"]).delete()

    with pytest.raises(ClientMergeUndoError, match="1 link moved by the merge was deleted"):
        client_merge_undo(merge=merge, acting_user=admin_user)


def test_undo_is_refused_when_a_merged_value_was_changed_since(
    firm, survivor, duplicate, admin_user
):
    merge = _merge(firm, survivor, duplicate, admin_user, email=duplicate)
    client_update(client=survivor, acting_user=admin_user, email="mere@third.example.com")

    with pytest.raises(ClientMergeUndoError, match="Email of Mere Tane was changed since"):
        client_merge_undo(merge=merge, acting_user=admin_user)


def test_a_merged_contact_is_restored_only_by_undoing_the_merge(
    firm, survivor, duplicate, admin_user
):
    _merge(firm, survivor, duplicate, admin_user)
    duplicate.refresh_from_db()

    with pytest.raises(ClientStateError, match="undo that merge to restore it"):
        client_restore(client=duplicate, acting_user=admin_user)


def test_undo_twice_is_refused(firm, survivor, duplicate, admin_user):
    merge = _merge(firm, survivor, duplicate, admin_user)
    client_merge_undo(merge=merge, acting_user=admin_user)

    with pytest.raises(ClientMergeConflictError, match="already undone by Aroha Admin"):
        client_merge_undo(merge=merge, acting_user=admin_user)


def test_merging_contacts_merged_already_names_who_did(
    firm, survivor, duplicate, admin_user, staff_user
):
    _merge(firm, survivor, duplicate, admin_user)

    with pytest.raises(
        ClientMergeConflictError, match="These contacts were merged by Aroha Admin a moment ago"
    ):
        _merge(firm, survivor, duplicate, staff_user)


def test_merge_refuses_entities_and_another_firms_contacts(
    firm, other_firm, survivor, kauri, admin_user
):
    with pytest.raises(ClientMergeError, match="not an individual"):
        _merge(firm, survivor, kauri, admin_user)
    stranger = IndividualFactory(firm=other_firm)
    with pytest.raises(ClientMergeError, match="no longer exist"):
        _merge(firm, survivor, stranger, admin_user)
    assert not ClientMerge.objects.exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_people_merging_at_once_end_consistent(firm, survivor, duplicate, records):
    from accounts.models import Role
    from accounts.tests.factories import member_create

    people = [
        member_create(firm=firm, role=Role.STAFF, email=f"staff{n}@harbour.example.com")
        for n in range(2)
    ]
    barrier = threading.Barrier(2)
    outcomes: list[object] = []

    def merge_as(user, survivor_pk, duplicate_pk):
        try:
            barrier.wait()
            outcomes.append(
                _merge(
                    firm,
                    Client.objects.get(pk=survivor_pk),
                    Client.objects.get(pk=duplicate_pk),
                    user,
                )
            )
        except ClientMergeError as error:
            outcomes.append(error)
        finally:
            database.close()

    # Each keeps a different record: without the lock each would merge the other away.
    threads = [
        threading.Thread(target=merge_as, args=(people[0], survivor.pk, duplicate.pk)),
        threading.Thread(target=merge_as, args=(people[1], duplicate.pk, survivor.pk)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    [merge] = [outcome for outcome in outcomes if isinstance(outcome, ClientMerge)]
    [refusal] = [outcome for outcome in outcomes if isinstance(outcome, ClientMergeError)]
    assert refusal.message == f"These contacts were merged by {merge.merged_by} a moment ago."
    assert Client.objects.filter(merged_into__isnull=False).count() == 1
    assert set(Appointment.objects.values_list("client_id", flat=True)) == {merge.survivor_id}


class TestMergePages:
    def test_merge_page_offers_the_differing_values(self, as_staff, survivor, duplicate):
        response = as_staff.get(
            "/clients/contacts/merge/", {"contact": [survivor.pk, duplicate.pk]}
        )

        page = response.content.decode()
        assert response.status_code == 200
        assert "mere.tane@new.example.com" in page
        assert f'name="email" value="{survivor.pk}" checked' in page
        assert f'name="mobile" value="{duplicate.pk}" checked' in page
        assert 'name="date_of_birth"' not in page

    def test_merging_through_the_page_keeps_the_chosen_values(
        self, as_staff, survivor, duplicate, staff_user
    ):
        response = as_staff.post(
            "/clients/contacts/merge/",
            _merge_form(
                [survivor, duplicate],
                keep=duplicate,
                code=duplicate,
                email=survivor,
                mobile=duplicate,
            ),
        )

        assert response.status_code == 302
        assert response["Location"] == f"/clients/{duplicate.pk}/"
        duplicate.refresh_from_db()
        survivor.refresh_from_db()
        assert duplicate.email == "mere@old.example.com"
        assert survivor.merged_into == duplicate
        assert ClientMerge.objects.get().merged_by == staff_user

    def test_the_second_merge_gets_a_clear_message(
        self, as_staff, firm, survivor, duplicate, admin_user
    ):
        _merge(firm, survivor, duplicate, admin_user)

        response = as_staff.post(
            "/clients/contacts/merge/",
            _merge_form(
                [survivor, duplicate],
                keep=survivor,
                code=survivor,
                email=survivor,
                mobile=duplicate,
            ),
        )

        assert response.status_code == 200
        assert "These contacts were merged by Aroha Admin a moment ago." in (
            response.content.decode()
        )

    def test_undo_from_the_survivors_page(self, as_staff, firm, survivor, duplicate, admin_user):
        merge = _merge(firm, survivor, duplicate, admin_user)
        page = as_staff.get(f"/clients/{survivor.pk}/").content.decode()
        assert f'action="/clients/merges/{merge.pk}/undo/"' in page

        response = as_staff.post(f"/clients/merges/{merge.pk}/undo/", follow=True)

        assert "Undid the merge into Mere Tane." in response.content.decode()
        duplicate.refresh_from_db()
        assert duplicate.merged_into is None

    def test_a_refused_undo_says_why(
        self, as_staff, firm, survivor, duplicate, records, admin_user
    ):
        merge = _merge(firm, survivor, duplicate, admin_user)
        Document.objects.filter(pk=records["documents"][1]).delete()

        response = as_staff.post(f"/clients/merges/{merge.pk}/undo/", follow=True)

        assert "1 document moved by the merge was deleted or moved since" in (
            response.content.decode()
        )

    def test_another_firm_reaches_none_of_it(
        self, as_outsider, firm, survivor, duplicate, admin_user
    ):
        pair = {"contact": [survivor.pk, duplicate.pk]}
        assert as_outsider.get("/clients/contacts/merge/", pair).status_code == 404
        assert (
            as_outsider.post("/clients/contacts/merge/", {**pair, "survivor": survivor.pk})
        ).status_code == 404
        merge = _merge(firm, survivor, duplicate, admin_user)
        assert as_outsider.post(f"/clients/merges/{merge.pk}/undo/").status_code == 404
        merge.refresh_from_db()
        assert not merge.is_undone
