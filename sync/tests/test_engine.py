"""The sync engine's shell against the XPM sandbox over loopback HTTP: imports and refreshes,
what they never touch, and how they survive the faults an external system has."""

import gc
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from clients.models import Client, Relationship
from clients.tests.factories import CompanyFactory, IndividualFactory, RelationshipFactory
from documents.models import Document
from documents.services import document_upload
from documents.tests.files import PDF
from integrations.models import DirectoryEntry
from integrations.tests.conftest import XPM_CALLBACK, xpm_connect
from sandbox.xpm import XpmSandbox
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory
from sync.engine import stale_after, sync_run_execute
from sync.exceptions import SyncRunRefused
from sync.models import Link, RecordOutcome, RemoteStatus, SyncRun, SyncRunStatus
from sync.runs import sync_run_apply, sync_run_retry_failed, sync_run_start
from tandem.collector import BULK_WORK_THRESHOLD

pytestmark = pytest.mark.django_db


@pytest.fixture
def sandbox(settings):
    """A sandbox of its own per test: these tests change the practice's clients."""
    with XpmSandbox(clients=60, seed=7, rate_limits=False, redirect_uris=[XPM_CALLBACK]) as box:
        settings.XERO_AUTHORIZE_URL = box.authorize_url
        settings.XERO_TOKEN_URL = box.token_url
        settings.XERO_CONNECTIONS_URL = box.connections_url
        settings.XPM_API_BASE = box.api_base
        yield box


@pytest.fixture
def connection(sandbox, firm, admin_user):
    return xpm_connect(sandbox, firm=firm, user=admin_user)


def run(connection, user, **options) -> SyncRun:
    started = sync_run_start(connection=connection, acting_user=user, **options)
    return sync_run_execute(run_id=started.pk)


def listed(sandbox) -> list:
    """The sandbox's clients a whole listing includes (XPM's paged list leaves out archived
    ones)."""
    return [client for client in sandbox.store.clients_live() if not client.is_archived]


def live_count(sandbox) -> int:
    return len(listed(sandbox))


def pm_edit(sandbox, uuid: str, **fields) -> None:
    sandbox.store.client_update(uuid, fields, when=sandbox.now() + timedelta(seconds=5))


def pm_delete(sandbox, uuid: str) -> None:
    sandbox.store.client_get(uuid).fields["isDeleted"] = "Yes"
    sandbox.store.client_touch(uuid, sandbox.now() + timedelta(seconds=5))


def linked(connection, uuid: str) -> Client:
    return Link.objects.select_related("client").get(connection=connection, external_id=uuid).client


@pytest.mark.postgres
def test_import_of_everything_creates_and_links_each_client_once(sandbox, connection, admin_user):
    done = run(connection, admin_user, kind="import")

    assert done.status == SyncRunStatus.SUCCEEDED, done.message
    expected = live_count(sandbox)
    assert done.created == expected
    assert Client.objects.filter(firm=connection.firm).count() == expected
    assert Link.objects.filter(connection=connection).count() == expected
    assert done.api_calls >= 1

    again = run(connection, admin_user, kind="import")

    assert again.created == 0
    assert Client.objects.filter(firm=connection.firm).count() == expected


def test_imported_values_are_the_pm_values_and_become_the_base(sandbox, connection, admin_user):
    run(connection, admin_user, kind="import")
    pm = next(c for c in listed(sandbox) if c.fields.get("email"))

    client = linked(connection, pm.uuid)

    assert client.display_name == pm.fields["name"]
    assert client.email == pm.fields["email"].lower()
    assert Link.objects.get(client=client).base["email"] == client.email


def test_an_import_skips_a_record_that_looks_like_an_existing_client_unless_chosen(
    sandbox, connection, admin_user, firm
):
    pm = next(c for c in listed(sandbox) if c.fields.get("businessStructure") == "Company")
    existing = CompanyFactory(firm=firm, display_name=pm.fields["name"])

    everything = run(connection, admin_user, kind="import")

    skipped = everything.records.get(external_id=pm.uuid)
    assert skipped.outcome == RecordOutcome.SKIPPED
    assert existing.display_name in skipped.message
    assert not Link.objects.filter(external_id=pm.uuid).exists()

    chosen = run(connection, admin_user, kind="import", external_ids=[pm.uuid])

    assert chosen.created == 1
    assert Client.objects.filter(firm=firm, display_name=pm.fields["name"]).count() == 2


def test_a_dry_run_writes_nothing_but_its_preview(sandbox, connection, admin_user, firm):
    preview = run(connection, admin_user, kind="import", dry_run=True)

    assert preview.status == SyncRunStatus.SUCCEEDED
    assert preview.created == live_count(sandbox)
    assert not Client.objects.filter(firm=firm).exists()
    assert not Link.objects.exists()
    record = preview.records.filter(outcome=RecordOutcome.CREATED).first()
    assert record.changes["display_name"]["to"] == record.external_name

    applied = sync_run_apply(run=preview, acting_user=admin_user)
    sync_run_execute(run_id=applied.pk)

    assert Client.objects.filter(firm=firm).count() == preview.created


@pytest.mark.postgres
def test_refresh_takes_pm_changes_keeps_tandem_changes_and_reports_conflicts(
    sandbox, connection, admin_user
):
    run(connection, admin_user, kind="import")
    pm_only, tandem_only, both = [c for c in listed(sandbox) if c.fields.get("email")][:3]
    both_base = both.fields["email"].lower()
    pm_edit(sandbox, pm_only.uuid, email="new@pm.example")
    Client.objects.filter(pk=linked(connection, tandem_only.uuid).pk).update(
        email="new@tandem.example"
    )
    pm_edit(sandbox, both.uuid, email="both@pm.example")
    Client.objects.filter(pk=linked(connection, both.uuid).pk).update(email="both@tandem.example")

    refresh = run(connection, admin_user, kind="refresh")

    assert refresh.status == SyncRunStatus.SUCCEEDED, refresh.message
    assert linked(connection, pm_only.uuid).email == "new@pm.example"
    assert linked(connection, tandem_only.uuid).email == "new@tandem.example"
    assert linked(connection, both.uuid).email == "both@tandem.example"
    outcomes = {r.external_id: r for r in refresh.records.all()}
    assert outcomes[pm_only.uuid].outcome == RecordOutcome.UPDATED
    assert outcomes[pm_only.uuid].changes["email"]["to"] == "new@pm.example"
    assert outcomes[tandem_only.uuid].outcome == RecordOutcome.PUSHABLE
    assert outcomes[tandem_only.uuid].pushable == ["email"]
    assert outcomes[both.uuid].outcome == RecordOutcome.CONFLICT
    assert outcomes[both.uuid].conflicts["email"] == {
        "tandem": "both@tandem.example",
        "base": both_base,
        "remote": "both@pm.example",
    }

    again = run(connection, admin_user, kind="refresh")

    assert again.updated == 0
    assert linked(connection, pm_only.uuid).email == "new@pm.example"


def test_a_refresh_after_the_first_asks_only_for_changes(sandbox, connection, admin_user):
    run(connection, admin_user, kind="import")
    first = run(connection, admin_user, kind="refresh")
    assert first.modified_since is None

    second = run(connection, admin_user, kind="refresh")

    assert second.modified_since is not None
    assert second.modified_since < first.started_at
    assert second.api_calls == 1


def test_a_refresh_lists_everything_again_once_the_last_whole_listing_is_old(
    sandbox, connection, admin_user
):
    run(connection, admin_user, kind="import")
    whole = run(connection, admin_user, kind="refresh")
    gone = listed(sandbox)[0]
    pm_delete(sandbox, gone.uuid)

    changes = run(connection, admin_user, kind="refresh")
    gone_unnoticed = Link.objects.get(external_id=gone.uuid).remote_status
    SyncRun.objects.filter(pk=whole.pk).update(
        started_at=whole.started_at - timedelta(hours=settings.SYNC_FULL_LISTING_HOURS)
    )
    again = run(connection, admin_user, kind="refresh")

    assert changes.modified_since is not None
    assert gone_unnoticed == RemoteStatus.PRESENT
    assert again.modified_since is None
    assert again.flagged == 1
    assert Link.objects.get(external_id=gone.uuid).remote_status == RemoteStatus.MISSING


def test_an_overwrite_lists_everything_and_takes_what_only_tandem_changed_back(
    sandbox, connection, admin_user
):
    run(connection, admin_user, kind="import")
    run(connection, admin_user, kind="refresh")
    pm = next(c for c in listed(sandbox) if c.fields.get("email"))
    client = linked(connection, pm.uuid)
    Client.objects.filter(pk=client.pk).update(email="changed-in-tandem@tandem.example")

    overwrite = run(connection, admin_user, kind="refresh", overwrite=True)

    assert overwrite.modified_since is None
    assert linked(connection, pm.uuid).email == pm.fields["email"].lower()


def test_overwrite_changes_client_details_only(sandbox, connection, admin_user, firm):
    run(connection, admin_user, kind="import")
    pm = next(c for c in listed(sandbox) if c.fields.get("businessStructure") == "Company")
    client = linked(connection, pm.uuid)
    Client.objects.filter(pk=client.pk).update(email="kept-locally@tandem.example", notes="ours")
    member = IndividualFactory(firm=firm)
    relationship = RelationshipFactory(firm=firm, entity=client, individual=member)
    appointment = AppointmentFactory(firm=firm, client=client)
    document = document_upload(
        firm=firm,
        client=client,
        uploaded_file=SimpleUploadedFile("engagement.pdf", PDF, content_type="application/pdf"),
        acting_user=admin_user,
    )
    link = Link.objects.get(client=client)

    overwrite = run(connection, admin_user, kind="refresh", overwrite=True)

    assert overwrite.status == SyncRunStatus.SUCCEEDED, overwrite.message
    client.refresh_from_db()
    assert client.email == (pm.fields.get("email") or "").lower()
    assert client.notes == "ours"
    assert Relationship.objects.filter(pk=relationship.pk).exists()
    assert Appointment.objects.filter(pk=appointment.pk).exists()
    assert Document.objects.filter(pk=document.pk, deleted_at__isnull=True).exists()
    assert Link.objects.filter(pk=link.pk, client=client).exists()


def test_records_archived_or_gone_in_the_pm_are_flagged_never_removed(
    sandbox, connection, admin_user, firm
):
    run(connection, admin_user, kind="import")
    archived, deleted = listed(sandbox)[:2]
    pm_edit(sandbox, archived.uuid, isArchived="Yes")
    pm_delete(sandbox, deleted.uuid)
    clients_before = Client.objects.filter(firm=firm, archived_at__isnull=True).count()

    first_refresh = run(connection, admin_user, kind="refresh")
    changes = run(connection, admin_user, kind="refresh")

    assert changes.records.get(external_id=archived.uuid).outcome == RecordOutcome.FLAGGED
    assert Link.objects.get(external_id=archived.uuid).remote_status == RemoteStatus.ARCHIVED
    assert first_refresh.modified_since is None
    assert Link.objects.get(external_id=deleted.uuid).remote_status == RemoteStatus.MISSING
    assert Client.objects.filter(firm=firm, archived_at__isnull=True).count() == clients_before
    assert Link.objects.filter(connection=connection).count() == clients_before


def test_a_full_listing_flags_the_links_whose_record_is_gone(sandbox, connection, admin_user):
    run(connection, admin_user, kind="import")
    gone = listed(sandbox)[0]
    pm_delete(sandbox, gone.uuid)

    full = run(connection, admin_user, kind="refresh")

    assert full.modified_since is None
    assert full.flagged == 1
    link = Link.objects.get(external_id=gone.uuid)
    assert link.remote_status == RemoteStatus.MISSING
    assert Client.objects.filter(pk=link.client_id, archived_at__isnull=True).exists()


def test_a_source_that_suddenly_lists_nothing_stops_the_run(sandbox, connection, admin_user):
    run(connection, admin_user, kind="import")
    for client in sandbox.store.clients_live():
        client.fields["isDeleted"] = "Yes"

    emptied = run(connection, admin_user, kind="refresh")

    assert emptied.status == SyncRunStatus.FAILED
    assert "no clients at all" in emptied.message
    assert not Link.objects.filter(remote_status=RemoteStatus.MISSING).exists()


def test_a_fetch_failing_part_way_keeps_what_committed_and_flags_nothing(
    sandbox, connection, admin_user, firm, monkeypatch
):
    monkeypatch.setattr("integrations.connectors.xpm.connector.XpmConnector.PAGE_SIZE", 20)
    monkeypatch.setattr("integrations.connectors.xpm.api.XpmApi.ATTEMPTS", 1)
    sandbox.set_fault("server_error", path="/practicemanager/v3.1/client.api/paged-list")
    failed = run(connection, admin_user, kind="import")

    assert failed.status == SyncRunStatus.FAILED
    assert "XPM" in failed.message
    assert not Client.objects.filter(firm=firm).exists()

    sandbox.clear_faults()
    retried = run(connection, admin_user, kind="import")

    assert retried.status == SyncRunStatus.SUCCEEDED
    assert Client.objects.filter(firm=firm).count() == live_count(sandbox)


def test_an_unreadable_record_is_quarantined_while_the_rest_commit(
    sandbox, connection, admin_user, firm
):
    sandbox.set_fault("absurd_record", times=1)

    done = run(connection, admin_user, kind="import")

    # The sandbox spoils two records of the answer: absurd values in one, no name in another.
    assert done.status == SyncRunStatus.SUCCEEDED
    failed = list(done.records.filter(outcome=RecordOutcome.FAILED))
    assert len(failed) == 2
    assert all(record.message and record.raw for record in failed)
    assert done.created == live_count(sandbox) - 2
    assert Client.objects.filter(firm=firm).count() == done.created


def test_a_rate_limited_listing_waits_and_carries_on(
    sandbox, connection, admin_user, firm, monkeypatch
):
    monkeypatch.setattr("integrations.connectors.xpm.api.XpmApi._backoff", lambda self, n: 0)
    sandbox.set_fault("rate_limit_minute", times=2, retry_after=0)

    done = run(connection, admin_user, kind="import")

    assert done.status == SyncRunStatus.SUCCEEDED, done.message
    assert Client.objects.filter(firm=firm).count() == live_count(sandbox)


def test_a_listing_is_applied_in_batches_of_whole_pages(
    sandbox, connection, admin_user, monkeypatch
):
    monkeypatch.setattr("integrations.connectors.xpm.connector.XpmConnector.PAGE_SIZE", 10)
    monkeypatch.setattr("sync.engine.LISTING_BATCH_RECORDS", 25)
    started = sync_run_start(connection=connection, acting_user=admin_user, kind="import")
    committed = []

    sync_run_execute(
        run_id=started.pk, progress=lambda run: committed.append((run.processed, run.cursor))
    )

    total = live_count(sandbox)
    assert total > 30
    assert [processed for processed, _ in committed] == [*range(30, total, 30), total]
    assert [cursor["pages"] for _, cursor in committed][:2] == [3, 6]
    assert committed[-1][1]["page_token"] is None


def test_a_run_collects_young_objects_less_often_and_as_before_once_done(connection, admin_user):
    started = sync_run_start(connection=connection, acting_user=admin_user, kind="import")
    before = gc.get_threshold()
    during = []

    sync_run_execute(run_id=started.pk, progress=lambda run: during.append(gc.get_threshold()))

    assert during
    assert {threshold[0] for threshold in during} == {BULK_WORK_THRESHOLD}
    assert gc.get_threshold() == before


@pytest.mark.postgres
def test_a_run_whose_worker_died_resumes_after_its_last_batch(
    sandbox, connection, admin_user, firm, monkeypatch
):
    monkeypatch.setattr("integrations.connectors.xpm.connector.XpmConnector.PAGE_SIZE", 10)
    monkeypatch.setattr("sync.engine.LISTING_BATCH_RECORDS", 10)
    started = sync_run_start(connection=connection, acting_user=admin_user, kind="import")
    batches = []

    def die_after_two(run):
        batches.append(run.processed)
        if len(batches) == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        sync_run_execute(run_id=started.pk, progress=die_after_two)
    dead = SyncRun.objects.get(pk=started.pk)
    assert dead.status == SyncRunStatus.RUNNING
    assert Client.objects.filter(firm=firm).count() == 20

    assert sync_run_execute(run_id=started.pk).status == SyncRunStatus.RUNNING
    SyncRun.objects.filter(pk=started.pk).update(
        heartbeat_at=timezone.now() - stale_after() - timedelta(seconds=1)
    )
    resumed = sync_run_execute(run_id=started.pk)

    assert resumed.status == SyncRunStatus.SUCCEEDED
    assert resumed.created == live_count(sandbox)
    assert Client.objects.filter(firm=firm).count() == live_count(sandbox)
    external_ids = Link.objects.filter(connection=connection).values_list("external_id", flat=True)
    assert len(set(external_ids)) == len(external_ids)


@pytest.mark.postgres
def test_only_one_run_per_connection_at_a_time(connection, admin_user):
    sync_run_start(connection=connection, acting_user=admin_user, kind="refresh")

    with pytest.raises(SyncRunRefused) as refused:
        sync_run_start(connection=connection, acting_user=admin_user, kind="import")

    assert refused.value.code == "run_active"
    assert "already under way" in refused.value.message


def test_retry_failed_runs_the_failed_records_again(sandbox, connection, admin_user, firm):
    sandbox.set_fault("absurd_record", times=1)
    first = run(connection, admin_user, kind="import")
    failed = sorted(
        first.records.filter(outcome=RecordOutcome.FAILED).values_list("external_id", flat=True)
    )
    assert len(failed) == 2

    retry = sync_run_retry_failed(run=first, acting_user=admin_user)
    retried = sync_run_execute(run_id=retry.pk)

    assert retried.retry_of == first
    assert retried.external_ids == failed
    assert retried.created == 2
    assert Link.objects.filter(external_id__in=failed).count() == 2


def test_the_directory_holds_what_a_run_listed(sandbox, connection, admin_user):
    run(connection, admin_user, kind="refresh")

    assert DirectoryEntry.objects.filter(connection=connection).count() == live_count(sandbox)


def test_clients_imported_by_choice_come_with_their_contacts(sandbox, connection, admin_user):
    company = next(
        c
        for c in listed(sandbox)
        if c.fields.get("businessStructure") == "Company" and c.contact_links
    )

    done = run(connection, admin_user, kind="import", external_ids=[company.uuid])

    assert done.created == 1
    client = linked(connection, company.uuid)
    assert Relationship.objects.filter(entity=client).count() >= 1
    assert done.records.get(external_id=company.uuid).message
