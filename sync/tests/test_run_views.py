from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clients.tests.factories import CompanyFactory
from integrations.models import ConnectionStatus
from integrations.tests.factories import ConnectionFactory
from sync.models import RecordOutcome, SyncKind, SyncRun, SyncRunStatus, SyncSchedule
from sync.tasks import sync_run_task
from sync.tests.factories import LinkFactory, SyncRunFactory, SyncRunRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(firm):
    return ConnectionFactory(firm=firm, external_account_name="Harbour Practice")


@pytest.fixture
def post(as_staff, django_capture_on_commit_callbacks):
    """A staff member's POST, its transaction's on-commit work (queueing a run) done."""

    def _post(url, data=None, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return as_staff.post(url, data or {}, **extra)

    return _post


def queued_run_ids() -> list[int]:
    """The runs handed to the worker (none runs here)."""
    runs = DBTaskResult.objects.filter(task_path=sync_run_task.module_path).order_by("id")
    return [task.args_kwargs["args"][0] for task in runs]


def run_url(run, name="sync:run_detail"):
    return reverse(name, args=[run.pk])


# The Sync page and starting a refresh


def test_sync_page_offers_preview_refresh_and_overwrite_with_its_warning(as_staff, connection):
    response = as_staff.get(reverse("sync:connection_sync", args=[connection.pk]))

    assert response.status_code == 200
    assert ">Preview</button>" in response.text
    assert ">Refresh</button>" in response.text
    assert 'name="overwrite"' in response.text
    assert "Appointments, documents, notes, relationships and links are never touched" in (
        response.text
    )


def test_preview_starts_a_dry_run_and_shows_its_page(post, staff_user, connection):
    response = post(reverse("sync:connection_refresh", args=[connection.pk]), {"dry_run": "on"})

    run = SyncRun.objects.get()
    assert response.status_code == 302
    assert response.url == run_url(run)
    assert (run.kind, run.dry_run, run.overwrite) == (SyncKind.REFRESH, True, False)
    assert run.started_by == staff_user
    assert queued_run_ids() == [run.pk]


def test_refresh_with_overwrite_starts_a_real_run_that_overwrites(post, connection):
    post(reverse("sync:connection_refresh", args=[connection.pk]), {"overwrite": "on"})

    run = SyncRun.objects.get()
    assert (run.dry_run, run.overwrite) == (False, True)


def test_a_second_refresh_while_one_runs_is_refused_and_points_at_the_first(post, connection):
    running = SyncRunFactory(connection=connection, status=SyncRunStatus.RUNNING)

    response = post(reverse("sync:connection_refresh", args=[connection.pk]), follow=True)

    assert SyncRun.objects.get() == running
    assert "already under way" in response.text
    assert run_url(running) in response.text
    assert ">Refresh</button>" not in response.text


def test_a_disconnected_connection_offers_no_refresh(as_staff, firm):
    connection = ConnectionFactory(firm=firm, status=ConnectionStatus.DISCONNECTED)

    response = as_staff.get(reverse("sync:connection_sync", args=[connection.pk]))

    assert ">Refresh</button>" not in response.text
    assert "is disconnected" in response.text


def test_addons_page_lets_staff_refresh_each_connection_and_see_its_history(as_staff, connection):
    response = as_staff.get(reverse("integrations:addons"))

    assert reverse("sync:connection_refresh", args=[connection.pk]) in response.text
    assert reverse("sync:connection_sync", args=[connection.pk]) in response.text
    assert reverse("sync:connection_history", args=[connection.pk]) in response.text


# The run page


def test_run_page_shows_progress_counts_duration_and_who_started_it(
    as_staff, connection, admin_user
):
    run = SyncRunFactory(
        connection=connection,
        started_by=admin_user,
        total=120,
        processed=120,
        updated=7,
        # The engine counts the record changed only in Tandem among the unchanged.
        unchanged=101,
        conflicts=2,
        flagged=1,
        failed=3,
    )
    SyncRunRecordFactory(run=run, outcome=RecordOutcome.PUSHABLE, pushable=["email"])

    response = as_staff.get(run_url(run))

    assert response.status_code == 200
    assert '<progress aria-label="Records processed" value="120" max="120">' in response.text
    assert "120 of 120 records" in response.text
    assert "1 min 23 s" in response.text
    assert f"by {admin_user}" in response.text
    summary = {label: count for _, label, count in response.context["summary"]}
    assert summary == {
        "Created": 0,
        "Updated": 7,
        "Unchanged": 100,
        "Conflicts": 2,
        "Changed in Tandem only": 1,
        "Flagged": 1,
        "Skipped": 0,
        "Failed": 3,
    }
    assert "hx-trigger" not in response.text


def test_a_refresh_of_every_client_says_it_flags_those_deleted(as_staff, connection):
    run = SyncRunFactory(connection=connection, modified_since=None)

    response = as_staff.get(run_url(run))

    assert f"Every client in {connection.provider_name} is read" in response.text
    assert "clients deleted there are flagged" in response.text


def test_a_preview_of_every_client_does_not_say_it_flags_anything(as_staff, connection):
    run = SyncRunFactory(connection=connection, modified_since=None, dry_run=True)

    response = as_staff.get(run_url(run))

    assert f"Every client in {connection.provider_name} is read." in response.text
    assert "clients deleted there are flagged" not in response.text


def test_a_refresh_of_changes_says_since_when(as_staff, connection):
    since = timezone.make_aware(timezone.datetime(2026, 11, 20, 9, 30))
    run = SyncRunFactory(connection=connection, modified_since=since)

    response = as_staff.get(run_url(run))

    assert f"Only the clients changed in {connection.provider_name} since" in response.text
    assert "20 Nov 2026, 09:30" in response.text
    assert "deleted there" not in response.text


def test_a_run_started_by_the_schedule_says_so(as_staff, connection):
    run = SyncRunFactory(connection=connection, started_by=None)

    response = as_staff.get(run_url(run))

    assert "by the schedule" in response.text


@pytest.mark.parametrize("status", [SyncRunStatus.QUEUED, SyncRunStatus.RUNNING])
def test_an_active_run_polls_its_body_every_second(as_staff, connection, status):
    run = SyncRunFactory(connection=connection, status=status, total=50, processed=20)

    response = as_staff.get(run_url(run))

    assert 'hx-trigger="every 1s"' in response.text
    assert f'hx-get="{run_url(run)}"' in response.text
    assert 'value="20" max="50"' in response.text


def test_the_poll_gets_the_body_alone_and_no_further_poll_once_done(as_staff, connection):
    run = SyncRunFactory(connection=connection, status=SyncRunStatus.RUNNING, total=10)
    polling = as_staff.get(run_url(run), HTTP_HX_REQUEST="true")
    SyncRun.objects.filter(pk=run.pk).update(
        status=SyncRunStatus.SUCCEEDED, processed=10, finished_at=timezone.now()
    )

    done = as_staff.get(run_url(run), HTTP_HX_REQUEST="true")

    assert "<html" not in polling.text
    assert 'id="run-body"' in polling.text
    assert 'hx-trigger="every 1s"' in polling.text
    assert 'id="run-body"' in done.text
    assert "hx-trigger" not in done.text
    assert 'value="10" max="10"' in done.text


def test_a_run_not_yet_picked_up_says_it_waits_for_a_worker(as_staff, connection):
    run = SyncRunFactory(connection=connection, status=SyncRunStatus.QUEUED, started_at=None)

    response = as_staff.get(run_url(run))

    assert "waiting for a worker" in response.text
    assert '<progress aria-label="Records processed">' in response.text


def test_a_preview_lists_the_field_changes_and_offers_apply(as_staff, firm, connection):
    run = SyncRunFactory(connection=connection, dry_run=True, updated=1, unchanged=5)
    client = CompanyFactory(firm=firm, display_name="Totara Dental Limited")
    SyncRunRecordFactory(
        run=run,
        client=client,
        changes={"email": {"from": "old@totara.nz", "to": "hello@totara.nz"}},
    )

    response = as_staff.get(run_url(run))

    assert "Nothing has been changed." in response.text
    summary = {label: count for _, label, count in response.context["summary"]}
    assert summary["Would be updated"] == 1
    assert summary["Left alone"] == 5
    assert "Totara Dental Limited" in response.text
    assert '<span class="old">old@totara.nz</span> → hello@totara.nz' in response.text
    assert reverse("sync:run_apply", args=[run.pk]) in response.text
    assert reverse("sync:run_retry_failed", args=[run.pk]) not in response.text


def test_a_running_preview_offers_no_apply_yet(as_staff, connection):
    run = SyncRunFactory(connection=connection, dry_run=True, status=SyncRunStatus.RUNNING)

    response = as_staff.get(run_url(run))

    assert reverse("sync:run_apply", args=[run.pk]) not in response.text


def test_failed_records_show_the_reason_and_the_record_received(as_staff, connection):
    run = SyncRunFactory(connection=connection, failed=1)
    SyncRunRecordFactory(
        run=run,
        external_name="Kauri Holdings",
        outcome=RecordOutcome.FAILED,
        message="Email: “kauri@” is not an email address.",
        raw={"Name": "Kauri Holdings", "Email": "kauri@"},
    )

    response = as_staff.get(run_url(run) + "?outcome=failed")

    assert "Kauri Holdings" in response.text
    assert "is not an email address." in response.text
    assert "&quot;Email&quot;: &quot;kauri@&quot;,\n  &quot;Name&quot;" in response.text
    assert reverse("sync:run_retry_failed", args=[run.pk]) in response.text
    assert reverse("sync:run_apply", args=[run.pk]) not in response.text


def test_conflicts_link_to_the_clients_field_sync_screen(as_staff, firm, connection):
    client = CompanyFactory(firm=firm, display_name="Totara Dental Limited")
    link = LinkFactory(connection=connection, client=client)
    run = SyncRunFactory(connection=connection, conflicts=1)
    SyncRunRecordFactory(
        run=run,
        client=client,
        external_id=link.external_id,
        outcome=RecordOutcome.CONFLICT,
        conflicts={"phone": {"tandem": "09 111", "base": "09 000", "remote": "09 222"}},
    )

    response = as_staff.get(run_url(run))

    assert "Tandem: 09 111; Xero Practice Manager: 09 222" in response.text
    assert reverse("sync:field_sync", args=[client.pk, link.pk]) in response.text


def test_changes_made_only_in_tandem_offer_the_push(as_staff, firm, connection):
    client = CompanyFactory(firm=firm, display_name="Kowhai Joinery Limited")
    link = LinkFactory(connection=connection, client=client)
    run = SyncRunFactory(connection=connection)
    SyncRunRecordFactory(
        run=run,
        client=client,
        external_id=link.external_id,
        outcome=RecordOutcome.PUSHABLE,
        pushable=["email"],
    )

    response = as_staff.get(run_url(run))

    assert "Changed in Tandem only: Email" in response.text
    assert "Push to Xero Practice Manager" in response.text
    assert reverse("sync:field_sync", args=[client.pk, link.pk]) in response.text


def test_flagged_clients_are_listed_with_what_happened_to_them(as_staff, firm, connection):
    client = CompanyFactory(firm=firm, display_name="Rimu Farms Limited")
    run = SyncRunFactory(connection=connection, flagged=1)
    SyncRunRecordFactory(
        run=run,
        client=client,
        outcome=RecordOutcome.FLAGGED,
        message="Archived in Xero Practice Manager.",
    )

    response = as_staff.get(run_url(run) + "?outcome=flagged")

    assert [record.client for record in response.context["page"]] == [client]
    assert "Archived in Xero Practice Manager." in response.text


def test_records_are_paged_and_filtered_by_outcome(as_staff, connection):
    run = SyncRunFactory(connection=connection)
    SyncRunRecordFactory.create_batch(30, run=run)
    SyncRunRecordFactory(run=run, outcome=RecordOutcome.SKIPPED)

    first = as_staff.get(run_url(run))
    second = as_staff.get(run_url(run) + "?page=2")
    skipped = as_staff.get(run_url(run) + "?outcome=skipped")
    unknown = as_staff.get(run_url(run) + "?outcome=everything")

    assert len(first.context["page"]) == 25
    assert len(second.context["page"]) == 6
    assert [r.outcome for r in skipped.context["page"]] == [RecordOutcome.SKIPPED]
    assert unknown.context["page"].paginator.count == 31


# Apply and Retry failed


def test_apply_starts_the_previewed_refresh_for_real(post, staff_user, connection):
    preview = SyncRunFactory(connection=connection, dry_run=True, overwrite=True)

    response = post(run_url(preview, "sync:run_apply"))

    applied = SyncRun.objects.exclude(pk=preview.pk).get()
    assert response.url == run_url(applied)
    assert (applied.dry_run, applied.overwrite, applied.started_by) == (False, True, staff_user)
    assert queued_run_ids() == [applied.pk]


def test_apply_of_a_real_run_is_refused_with_a_reason(post, connection):
    run = SyncRunFactory(connection=connection)

    response = post(run_url(run, "sync:run_apply"), follow=True)

    assert SyncRun.objects.get() == run
    assert "has been applied already" in response.text


def test_retry_failed_runs_again_over_the_failed_records(post, connection):
    run = SyncRunFactory(connection=connection, failed=1)
    failed = SyncRunRecordFactory(run=run, outcome=RecordOutcome.FAILED)
    SyncRunRecordFactory(run=run, outcome=RecordOutcome.UPDATED)

    response = post(run_url(run, "sync:run_retry_failed"))

    retry = SyncRun.objects.get(retry_of=run)
    assert response.url == run_url(retry)
    assert retry.external_ids == [failed.external_id]


def test_apply_and_retry_take_only_post(as_staff, connection):
    run = SyncRunFactory(connection=connection, dry_run=True)

    assert as_staff.get(run_url(run, "sync:run_apply")).status_code == 405
    assert as_staff.get(run_url(run, "sync:run_retry_failed")).status_code == 405


# History


def test_history_lists_each_run_newest_first_with_who_when_and_counts(
    as_staff, connection, admin_user
):
    now = timezone.now()
    scheduled = SyncRunFactory(
        connection=connection,
        started_by=None,
        created_at=now - timedelta(hours=1),
        updated=4,
        unchanged=9,
    )
    SyncRunRecordFactory(run=scheduled, outcome=RecordOutcome.PUSHABLE)
    preview = SyncRunFactory(
        connection=connection, started_by=admin_user, dry_run=True, created_at=now
    )
    SyncRunFactory(connection=ConnectionFactory(firm=connection.firm))

    response = as_staff.get(reverse("sync:connection_history", args=[connection.pk]))

    assert list(response.context["page"]) == [preview, scheduled]
    # Unchanged as the run page counts it: less the record changed only in Tandem.
    assert response.context["page"][1].left_alone == 8
    assert "Schedule" in response.text
    assert str(admin_user) in response.text
    assert "Preview" in response.text
    assert "1 min 23 s" in response.text


def test_history_is_paged(as_staff, connection):
    SyncRunFactory.create_batch(26, connection=connection)

    response = as_staff.get(reverse("sync:connection_history", args=[connection.pk]) + "?page=2")

    assert len(response.context["page"]) == 1
    assert "Page 2 of 2 (26 runs)" in response.text


# The schedule


def schedule(client, connection, **data):
    return client.post(reverse("sync:connection_schedule", args=[connection.pk]), data)


def test_an_admin_turns_the_schedule_on(as_admin, connection):
    response = schedule(as_admin, connection, enabled="on", every_minutes="30")

    assert response.status_code == 302
    saved = SyncSchedule.objects.get(connection=connection)
    assert (saved.enabled, saved.every_minutes) == (True, 30)


@pytest.mark.parametrize(
    ("every_minutes", "error"),
    [
        ("2", "Refresh every: choose between 5 and 1440 minutes (24 hours); 2 is not."),
        ("soon", "Refresh every: enter a whole number of minutes."),
        ("", "Refresh every: enter a number of minutes."),
    ],
)
def test_a_bad_interval_is_refused_naming_the_field(as_admin, connection, every_minutes, error):
    response = schedule(as_admin, connection, enabled="on", every_minutes=every_minutes)

    assert response.status_code == 400
    assert error in response.text
    assert not SyncSchedule.objects.exists()


def test_staff_see_the_schedule_but_cannot_change_it(as_staff, connection):
    page = as_staff.get(reverse("sync:connection_sync", args=[connection.pk]))
    response = schedule(as_staff, connection, enabled="on", every_minutes="30")

    assert "Scheduled refreshes are off. A firm administrator can change this." in page.text
    assert reverse("sync:connection_schedule", args=[connection.pk]) not in page.text
    assert response.status_code == 403
    assert not SyncSchedule.objects.exists()


# Other firms


def test_another_firms_run_and_connection_are_not_found(as_outsider, connection):
    run = SyncRunFactory(connection=connection, dry_run=True)

    for url in (
        run_url(run),
        reverse("sync:connection_sync", args=[connection.pk]),
        reverse("sync:connection_history", args=[connection.pk]),
    ):
        assert as_outsider.get(url).status_code == 404
    for url in (
        run_url(run, "sync:run_apply"),
        run_url(run, "sync:run_retry_failed"),
        reverse("sync:connection_refresh", args=[connection.pk]),
        reverse("sync:connection_schedule", args=[connection.pk]),
    ):
        assert as_outsider.post(url, {"every_minutes": "30"}).status_code == 404
    assert SyncRun.objects.get() == run
