"""The API's calls: each reaches the service the browser uses and answers in its shape."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from accounts.models import AuditEvent
from clients.models import Client, ClientMerge, Relationship
from clients.tests.factories import CompanyFactory, IndividualFactory, RelationshipFactory
from documents.tests.files import PDF, WINDOWS_PROGRAM
from integrations.tests.factories import ConnectionFactory
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory
from sync.models import Link, RecordOutcome, SyncRun, SyncRunStatus
from sync.tests.factories import (
    DirectoryEntryFactory,
    LinkFactory,
    SyncRunFactory,
    SyncRunRecordFactory,
)


# Clients ---------------------------------------------------------------------------------------
def test_clients_are_listed_by_name_a_page_at_a_time(firm, api):
    for name in ("Cedar Ltd", "Alder Ltd", "Birch Ltd"):
        CompanyFactory(firm=firm, display_name=name)

    first = api.get("/api/v1/clients/", {"page_size": 2}).json()
    second = api.get(first["next"]).json()

    assert [row["display_name"] for row in first["results"]] == ["Alder Ltd", "Birch Ltd"]
    assert [row["display_name"] for row in second["results"]] == ["Cedar Ltd"]
    assert second["next"] is None


def test_the_list_filters_by_kind_archived_state_and_search(firm, api):
    CompanyFactory(firm=firm, display_name="Kauri Holdings")
    IndividualFactory(firm=firm, first_name="Mere", last_name="Kauri")
    CompanyFactory(firm=firm, display_name="Kauri Archived", archived_at=timezone.now())

    def names(**params):
        return [
            row["display_name"] for row in api.get("/api/v1/clients/", params).json()["results"]
        ]

    assert names(q="kauri") == ["Kauri Holdings", "Mere Kauri"]
    assert names(q="kauri", kind="individual") == ["Mere Kauri"]
    assert names(q="kauri", archived="true") == ["Kauri Archived"]
    assert len(names(q="kauri", archived="all")) == 3


def test_a_bad_filter_is_refused_naming_it(api, firm):
    response = api.get("/api/v1/clients/", {"kind": "cooperative"})

    assert response.status_code == 400
    assert response.json()["field"] == "kind"


def test_a_client_is_created_with_the_services_rules(api, firm, admin_user):
    response = api.post(
        "/api/v1/clients/",
        {"kind": "individual", "first_name": "Ana", "last_name": "Ngata", "phone": "021 555 1234"},
        format="json",
    )

    assert response.status_code == 201
    client = Client.objects.get(firm=firm)
    assert response.json()["display_name"] == "Ana Ngata" == client.display_name
    assert client.phone == "+64215551234"
    assert response["Location"].endswith(f"/api/v1/clients/{client.pk}/")
    assert AuditEvent.objects.filter(action="client.create", actor=admin_user).exists()


def test_a_refused_client_gets_the_browsers_message_and_nothing_is_saved(api, firm):
    response = api.post(
        "/api/v1/clients/", {"kind": "company", "email": "not an email"}, format="json"
    )

    problem = response.json()
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert problem["code"] == "invalid"
    assert {error["field"] for error in problem["errors"]} == {"email"}
    assert problem["detail"].startswith("Email:")
    assert not Client.objects.exists()


def test_an_unknown_field_is_refused_rather_than_ignored(api, firm):
    response = api.post(
        "/api/v1/clients/", {"kind": "company", "display_name": "X", "nmae": "Y"}, format="json"
    )

    assert response.status_code == 400
    assert response.json()["field"] == "nmae"


def test_a_client_is_changed_field_by_field(api, firm):
    client = CompanyFactory(firm=firm, display_name="Old Name Ltd", email="a@example.com")

    response = api.patch(
        f"/api/v1/clients/{client.pk}/", {"display_name": "New Name Ltd"}, format="json"
    )

    client.refresh_from_db()
    assert response.status_code == 200
    assert (client.display_name, client.email) == ("New Name Ltd", "a@example.com")


def test_a_taken_code_is_refused_naming_the_field(api, firm):
    CompanyFactory(firm=firm, code="ACME")
    client = CompanyFactory(firm=firm, code="OTHER")

    response = api.patch(f"/api/v1/clients/{client.pk}/", {"code": "ACME"}, format="json")

    assert response.status_code == 422
    assert response.json()["field"] == "code"


def test_a_client_is_archived_and_restored_and_archiving_twice_is_a_conflict(api, firm):
    client = CompanyFactory(firm=firm)

    archived = api.post(f"/api/v1/clients/{client.pk}/archive/")
    again = api.post(f"/api/v1/clients/{client.pk}/archive/")
    restored = api.post(f"/api/v1/clients/{client.pk}/restore/")

    assert archived.status_code == 200
    assert archived.json()["archived_at"] is not None
    assert again.status_code == 409
    assert again.json()["code"] == "client_state"
    assert restored.json()["archived_at"] is None


# Relationships ---------------------------------------------------------------------------------
def test_a_relationship_is_added_listed_and_removed(api, firm):
    company = CompanyFactory(firm=firm)
    person = IndividualFactory(firm=firm)

    created = api.post(
        f"/api/v1/clients/{company.pk}/relationships/",
        {"other": person.pk, "role": "director"},
        format="json",
    )
    listed = api.get(f"/api/v1/clients/{person.pk}/relationships/").json()
    removed = api.delete(f"/api/v1/clients/{company.pk}/relationships/{created.json()['id']}/")

    assert created.status_code == 201
    assert [(row["entity"]["id"], row["role"]) for row in listed] == [(company.pk, "director")]
    assert removed.status_code == 204
    assert not Relationship.objects.exists()


def test_a_relationship_held_already_is_a_conflict(api, firm):
    relationship = RelationshipFactory(entity=CompanyFactory(firm=firm))

    response = api.post(
        f"/api/v1/clients/{relationship.entity_id}/relationships/",
        {"other": relationship.individual_id, "role": relationship.role},
        format="json",
    )

    assert response.status_code == 409
    assert response.json()["code"] == "relationship_exists"


def test_a_relationship_to_a_client_of_the_wrong_kind_is_refused(api, firm):
    company, other_company = CompanyFactory(firm=firm), CompanyFactory(firm=firm)

    response = api.post(
        f"/api/v1/clients/{company.pk}/relationships/",
        {"other": other_company.pk, "role": "director"},
        format="json",
    )

    assert response.status_code == 422
    assert response.json()["field"] == "other"


# Appointments ----------------------------------------------------------------------------------
def book(api, client, *, staff, starts_at, ends_at, **fields):
    return api.post(
        f"/api/v1/clients/{client.pk}/appointments/",
        {
            "staff": staff.pk,
            "starts_at": starts_at.isoformat(),
            "ends_at": ends_at.isoformat(),
            **fields,
        },
        format="json",
    )


def test_an_appointment_is_booked_and_its_clashes_said(api, firm, staff_user):
    client = CompanyFactory(firm=firm)
    starts = (timezone.now() + timedelta(days=2)).replace(microsecond=0)
    clash = AppointmentFactory(
        client=CompanyFactory(firm=firm),
        staff=staff_user,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )

    response = book(
        api,
        client,
        staff=staff_user,
        starts_at=starts + timedelta(minutes=30),
        ends_at=starts + timedelta(minutes=90),
        location="Office",
    )
    listed = api.get(f"/api/v1/clients/{client.pk}/appointments/").json()

    assert response.status_code == 201
    assert [row["id"] for row in response.json()["clashes"]] == [clash.pk]
    assert [row["location"] for row in listed] == ["Office"]


def test_an_appointment_ending_before_it_starts_is_refused(api, firm, staff_user):
    starts = timezone.now() + timedelta(days=2)

    response = book(
        api,
        CompanyFactory(firm=firm),
        staff=staff_user,
        starts_at=starts,
        ends_at=starts - timedelta(hours=1),
    )

    assert response.status_code == 422
    assert response.json()["field"] == "ends_at"
    assert not Appointment.objects.exists()


def test_an_appointment_with_someone_outside_the_firm_is_refused(api, firm, outsider):
    starts = timezone.now() + timedelta(days=2)

    response = book(
        api,
        CompanyFactory(firm=firm),
        staff=outsider,
        starts_at=starts,
        ends_at=starts + timedelta(hours=1),
    )

    assert response.status_code == 422
    assert response.json()["field"] == "staff"


# Documents -------------------------------------------------------------------------------------
def test_a_document_is_uploaded_listed_and_downloaded(api, firm):
    client = CompanyFactory(firm=firm)

    uploaded = api.post(
        f"/api/v1/clients/{client.pk}/documents/",
        {"file": SimpleUploadedFile("Annual accounts.pdf", PDF)},
        format="multipart",
    )
    document = uploaded.json()
    listed = api.get(f"/api/v1/clients/{client.pk}/documents/").json()
    download = api.get(f"/api/v1/clients/{client.pk}/documents/{document['id']}/download/")

    assert uploaded.status_code == 201
    assert (document["original_name"], document["content_type"]) == (
        "Annual accounts.pdf",
        "application/pdf",
    )
    assert [row["id"] for row in listed] == [document["id"]]
    assert b"".join(download.streaming_content) == PDF
    assert download["Content-Type"] == "application/pdf"
    assert 'filename="Annual accounts.pdf"' in download["Content-Disposition"]


def test_a_program_is_refused_as_a_document(api, firm):
    client = CompanyFactory(firm=firm)

    response = api.post(
        f"/api/v1/clients/{client.pk}/documents/",
        {"file": SimpleUploadedFile("invoice.pdf", WINDOWS_PROGRAM)},
        format="multipart",
    )

    assert response.status_code == 422
    assert response.json()["field"] == "file"
    assert response.json()["code"].startswith("document_")


def test_a_document_of_another_client_of_the_firm_is_not_found_under_this_one(api, firm):
    owner, other = CompanyFactory(firm=firm), CompanyFactory(firm=firm)
    uploaded = api.post(
        f"/api/v1/clients/{owner.pk}/documents/",
        {"file": SimpleUploadedFile("a.pdf", PDF)},
        format="multipart",
    )

    response = api.get(f"/api/v1/clients/{other.pk}/documents/{uploaded.json()['id']}/")

    assert response.status_code == 404


# Connections and links -------------------------------------------------------------------------
def test_connections_are_listed_with_their_status(api, firm):
    connection = ConnectionFactory(firm=firm, external_account_name="Harbour XPM")
    LinkFactory(connection=connection, client=CompanyFactory(firm=firm))
    running = SyncRunFactory(connection=connection, status=SyncRunStatus.RUNNING)

    listed = api.get("/api/v1/connections/").json()
    status = api.get(f"/api/v1/connections/{connection.pk}/").json()

    assert [row["external_account_name"] for row in listed] == ["Harbour XPM"]
    assert (status["status"], status["links"], status["active_run"]) == ("active", 1, running.pk)


def test_a_client_is_linked_and_unlinked(api, firm):
    client = CompanyFactory(firm=firm, display_name="Totara Trading Ltd")
    entry = DirectoryEntryFactory(
        connection=ConnectionFactory(firm=firm), display_name="Totara Trading"
    )

    linked = api.post(
        f"/api/v1/clients/{client.pk}/links/",
        {"connection": entry.connection_id, "external_id": entry.external_id},
        format="json",
    )
    listed = api.get(f"/api/v1/clients/{client.pk}/links/").json()
    unlinked = api.delete(f"/api/v1/clients/{client.pk}/links/{linked.json()['id']}/")

    assert linked.status_code == 201
    assert [row["external_name"] for row in listed] == ["Totara Trading"]
    assert unlinked.status_code == 204
    assert not Link.objects.exists()


def test_a_link_to_a_record_the_connection_lacks_is_refused(api, firm):
    client = CompanyFactory(firm=firm)
    connection = ConnectionFactory(firm=firm)

    response = api.post(
        f"/api/v1/clients/{client.pk}/links/",
        {"connection": connection.pk, "external_id": "no-such-record"},
        format="json",
    )

    assert response.status_code == 422
    assert (response.json()["code"], response.json()["field"]) == ("link_refused", "external_id")


def test_link_suggestions_pair_clients_with_records_like_them(api, firm):
    client = CompanyFactory(firm=firm, display_name="Pohutukawa Orchards Limited")
    connection = ConnectionFactory(firm=firm)
    entry = DirectoryEntryFactory(connection=connection, display_name="Pohutukawa Orchards Ltd")

    response = api.get(f"/api/v1/connections/{connection.pk}/link-suggestions/").json()

    assert [(row["client"]["id"], row["external_id"]) for row in response["results"]] == [
        (client.pk, entry.external_id)
    ]


# Duplicates and merges -------------------------------------------------------------------------
def test_duplicates_are_grouped_merged_and_the_merge_undone(api, firm):
    survivor, duplicate = (
        IndividualFactory(firm=firm, first_name="Hemi", last_name="Walker", email="hemi@walker.nz")
        for _ in range(2)
    )

    groups = api.get("/api/v1/duplicates/").json()
    merged = api.post(
        "/api/v1/merges/", {"survivor": survivor.pk, "duplicates": [duplicate.pk]}, format="json"
    )
    undone = api.post(f"/api/v1/merges/{merged.json()['id']}/undo/")

    assert [{c["id"] for c in group["clients"]} for group in groups] == [
        {survivor.pk, duplicate.pk}
    ]
    assert merged.status_code == 201
    assert [c["id"] for c in merged.json()["duplicates"]] == [duplicate.pk]
    assert undone.status_code == 200
    assert undone.json()["undone_at"] is not None
    duplicate.refresh_from_db()
    assert duplicate.merged_into is None


def test_a_merge_of_a_company_is_refused(api, firm):
    person = IndividualFactory(firm=firm)
    company = CompanyFactory(firm=firm)

    response = api.post(
        "/api/v1/merges/", {"survivor": person.pk, "duplicates": [company.pk]}, format="json"
    )

    assert response.status_code == 422
    assert response.json()["field"] == "duplicates"
    assert not ClientMerge.objects.exists()


def test_undoing_a_merge_twice_is_a_conflict(api, firm):
    survivor, duplicate = IndividualFactory(firm=firm), IndividualFactory(firm=firm)
    merge_id = api.post(
        "/api/v1/merges/", {"survivor": survivor.pk, "duplicates": [duplicate.pk]}, format="json"
    ).json()["id"]
    api.post(f"/api/v1/merges/{merge_id}/undo/")

    response = api.post(f"/api/v1/merges/{merge_id}/undo/")

    assert response.status_code == 409
    assert response.json()["code"] == "client_merge_conflict"


# Sync runs -------------------------------------------------------------------------------------
def test_a_sync_run_is_started_and_its_progress_read(api, firm, django_capture_on_commit_callbacks):
    connection = ConnectionFactory(firm=firm)

    with django_capture_on_commit_callbacks(execute=True):
        started = api.post(
            f"/api/v1/connections/{connection.pk}/sync-runs/",
            {"kind": "refresh", "dry_run": True},
            format="json",
        )
    run = SyncRun.objects.get()
    status = api.get(started["Location"]).json()

    assert started.status_code == 202
    assert run.task_id, "the run is queued for the worker once the request commits"
    assert (status["id"], status["kind"], status["dry_run"]) == (run.pk, "refresh", True)
    assert status["status"] == "queued"


def test_a_second_run_while_one_is_active_is_a_conflict(api, firm):
    connection = ConnectionFactory(firm=firm)
    SyncRunFactory(connection=connection, status=SyncRunStatus.RUNNING)

    response = api.post(
        f"/api/v1/connections/{connection.pk}/sync-runs/", {"kind": "refresh"}, format="json"
    )

    assert response.status_code == 409
    assert response.json()["code"] == "run_active"


def test_a_runs_records_are_listed_by_outcome_and_the_failed_retried(api, firm):
    run = SyncRunFactory(connection=ConnectionFactory(firm=firm), total=4, processed=2)
    failed = SyncRunRecordFactory(run=run, outcome=RecordOutcome.FAILED, external_id="X-1")
    SyncRunRecordFactory(run=run, outcome=RecordOutcome.UPDATED)

    status = api.get(f"/api/v1/sync-runs/{run.pk}/").json()
    records = api.get(f"/api/v1/sync-runs/{run.pk}/records/", {"outcome": "failed"}).json()
    retry = api.post(f"/api/v1/sync-runs/{run.pk}/retry-failed/")

    assert status["progress"] == pytest.approx(0.5)
    assert [row["id"] for row in records["results"]] == [failed.pk]
    assert retry.status_code == 202
    assert retry.json()["external_ids"] == ["X-1"]
    assert retry.json()["retry_of"] == run.pk


def test_a_run_with_nothing_failed_has_nothing_to_retry(api, firm):
    run = SyncRunFactory(connection=ConnectionFactory(firm=firm))

    response = api.post(f"/api/v1/sync-runs/{run.pk}/retry-failed/")

    assert response.status_code == 409
    assert response.json()["code"] == "nothing_to_retry"


def test_an_unknown_path_is_a_problem_too(api):
    response = api.get("/api/v1/invoices/")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_path_missing_its_slash_is_told_the_right_one(api):
    response = api.get("/api/v1/clients")

    assert response.status_code == 404
    assert "did you mean /api/v1/clients/ ?" in response.json()["detail"]
