"""`tandem.bulk` writes what the ORM would, on SQLite and PostgreSQL."""

import datetime

import pytest
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from clients.models import Client, ClientKind
from integrations.models import Credential, DirectoryEntry
from integrations.tests.factories import ConnectionFactory
from tandem.bulk import objects_update, rows_insert

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def test_inserted_rows_read_back_as_the_orm_would_have_written_them(firm):
    keys = rows_insert(
        Client,
        ["firm", "kind", "display_name", "first_name", "last_name", "date_of_birth", "email"],
        [
            (
                firm.pk,
                ClientKind.INDIVIDUAL,
                "Aroha Ngata",
                "Aroha",
                "Ngata",
                datetime.date(1980, 2, 1),
                "aroha@example.com",
            ),
            (firm.pk, ClientKind.COMPANY, "Ngata Orchards Limited", "", "", None, ""),
        ],
        returning=True,
    )

    aroha, orchards = (Client.objects.get(pk=key) for key in keys)
    assert aroha.display_name == "Aroha Ngata"
    assert aroha.date_of_birth == datetime.date(1980, 2, 1)
    assert orchards.kind == ClientKind.COMPANY
    # Left out: the field's default; `auto_now` ones: the time of the insert.
    assert aroha.notes == ""
    assert aroha.archived_at is None
    assert aroha.created_at is not None
    assert aroha.updated_at is not None
    # Derived by the database from the inserted values.
    assert aroha.sort_name == "aroha ngata"
    assert "aroha@example.com" in aroha.search_text


def test_an_upsert_updates_only_the_fields_named(firm):
    connection = ConnectionFactory(firm=firm)
    when = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    fields = ["connection", "external_id", "display_name", "sort_name", "fields", "refreshed_at"]
    rows_insert(
        DirectoryEntry, fields, [(connection.pk, "A1", "Old", "old", {"email": "a@x.nz"}, when)]
    )

    rows_insert(
        DirectoryEntry,
        fields,
        [(connection.pk, "A1", "New", "new", {"email": "b@x.nz"}, when)],
        conflict=("connection", "external_id"),
        update=("display_name", "fields"),
    )

    entry = DirectoryEntry.objects.get(connection=connection, external_id="A1")
    assert entry.display_name == "New"
    assert entry.sort_name == "old"
    assert entry.fields == {"email": "b@x.nz"}
    assert entry.refreshed_at == when
    assert DirectoryEntry.objects.filter(connection=connection).count() == 1


def test_many_rows_go_in_several_statements_and_keep_their_order(firm):
    names = [f"Client {number:05d}" for number in range(2_500)]

    keys = rows_insert(
        Client,
        ["firm", "kind", "display_name"],
        [(firm.pk, ClientKind.COMPANY, name) for name in names],
        returning=True,
    )

    assert len(keys) == len(names)
    stored = dict(Client.objects.filter(pk__in=keys).values_list("pk", "display_name"))
    assert [stored[key] for key in keys] == names


def test_rows_inserted_while_queries_are_logged_are_logged_with_their_values(firm):
    with CaptureQueriesContext(db_connection) as logged:
        [key] = rows_insert(
            Client,
            ["firm", "kind", "display_name"],
            [(firm.pk, ClientKind.COMPANY, "Kauri Ltd")],
            returning=True,
        )

    assert Client.objects.get(pk=key).display_name == "Kauri Ltd"
    assert "Kauri Ltd" in logged.captured_queries[-1]["sql"]


def test_a_field_that_prepares_its_values_is_never_written_as_given(firm):
    connection = ConnectionFactory(firm=firm)
    expires = datetime.datetime(2026, 12, 1, tzinfo=datetime.UTC)

    rows_insert(
        Credential,
        ["connection", "access_token", "access_token_expires_at"],
        [(connection.pk, "secret-access-token", expires)],
    )

    assert Credential.objects.get(pk=connection.pk).access_token == "secret-access-token"
    with db_connection.cursor() as cursor:
        cursor.execute(
            "SELECT access_token FROM integrations_credential WHERE connection_id = %s",
            [connection.pk],
        )
        [(stored,)] = cursor.fetchall()
    assert "secret-access-token" not in stored


def test_an_update_of_many_objects_writes_only_the_fields_named(firm):
    aroha, orchards = (
        Client.objects.create(firm=firm, kind=kind, display_name=name, email=email)
        for kind, name, email in [
            (ClientKind.INDIVIDUAL, "Aroha Ngata", "aroha@example.com"),
            (ClientKind.COMPANY, "Ngata Orchards Limited", "office@orchards.nz"),
        ]
    )
    aroha.display_name, aroha.date_of_birth = "Aroha Ngata-Smith", datetime.date(1980, 2, 1)
    orchards.display_name, orchards.date_of_birth = "Ngata Orchards", None
    aroha.email = orchards.email = "not-written@example.com"

    objects_update([aroha, orchards], ["display_name", "date_of_birth"])

    aroha, orchards = (Client.objects.get(pk=client.pk) for client in (aroha, orchards))
    assert (aroha.display_name, aroha.date_of_birth) == (
        "Aroha Ngata-Smith",
        datetime.date(1980, 2, 1),
    )
    assert (orchards.display_name, orchards.date_of_birth) == ("Ngata Orchards", None)
    assert (aroha.email, orchards.email) == ("aroha@example.com", "office@orchards.nz")
    # Derived by the database from the updated values.
    assert aroha.sort_name == "aroha ngata-smith"


def test_an_update_of_many_objects_prepares_encrypted_and_json_values(firm):
    connection = ConnectionFactory(firm=firm)
    when = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    entry = DirectoryEntry.objects.create(
        connection=connection, external_id="A1", display_name="A", sort_name="a", refreshed_at=when
    )
    entry.fields = {"tax_number": "123-456-789", "email": "a@x.nz"}

    objects_update([entry], ["fields"])

    assert DirectoryEntry.objects.get(pk=entry.pk).fields == entry.fields
    with db_connection.cursor() as cursor:
        cursor.execute("SELECT fields FROM integrations_directoryentry WHERE id = %s", [entry.pk])
        [(stored,)] = cursor.fetchall()
    assert "123-456-789" not in stored
    assert "a@x.nz" in stored


def test_json_documents_read_back_as_the_orm_would_have_written_them(firm):
    connection = ConnectionFactory(firm=firm)
    when = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    document = {
        "name": "Mere Tūhoe, Ōtaki",
        "numbers": {1: "one", "big": 2**70, "ratio": 0.25, "none": None, "yes": True},
        "lines": ["1 Kauri Road", ""],
    }
    fields = ["connection", "external_id", "display_name", "sort_name", "fields", "refreshed_at"]
    rows_insert(DirectoryEntry, fields, [(connection.pk, "BULK", "M", "m", document, when)])
    DirectoryEntry.objects.create(
        connection=connection,
        external_id="ORM",
        display_name="M",
        sort_name="m",
        fields=document,
        refreshed_at=when,
    )

    stored = dict(
        DirectoryEntry.objects.filter(connection=connection).values_list("external_id", "fields")
    )
    assert stored["BULK"] == stored["ORM"]
    assert stored["BULK"]["numbers"]["1"] == "one"
    assert stored["BULK"]["numbers"]["big"] == 2**70


def test_a_json_document_the_orm_would_refuse_is_refused(firm):
    connection = ConnectionFactory(firm=firm)
    when = datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC)
    fields = ["connection", "external_id", "display_name", "sort_name", "fields", "refreshed_at"]

    with pytest.raises(TypeError, match="not JSON serializable"):
        rows_insert(DirectoryEntry, fields, [(connection.pk, "A1", "M", "m", {"seen": when}, when)])
