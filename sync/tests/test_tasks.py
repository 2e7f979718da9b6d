"""The worker's tick: dead runs resumed, scheduled refreshes started, and itself queued only
while there is something to watch."""

import io
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from integrations.tests.factories import ConnectionFactory
from sync.engine import stale_after
from sync.models import SyncKind, SyncRun, SyncRunStatus, SyncSchedule
from sync.runs import sync_tick_ensure, sync_tick_run
from sync.tasks import sync_run_task, sync_tick
from sync.tests.factories import SyncRunFactory

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]


def queued(task) -> list[DBTaskResult]:
    return list(
        DBTaskResult.objects.filter(task_path=task.module_path, status=TaskResultStatus.READY)
    )


def test_a_run_whose_worker_stopped_checking_in_is_queued_again():
    dead = SyncRunFactory(
        status=SyncRunStatus.RUNNING,
        heartbeat_at=timezone.now() - stale_after() - timedelta(seconds=5),
    )
    alive = SyncRunFactory(status=SyncRunStatus.RUNNING, heartbeat_at=timezone.now())

    sync_tick_run()

    assert [task.args_kwargs["args"] for task in queued(sync_run_task)] == [[dead.pk]]
    assert alive.pk not in [task.args_kwargs["args"][0] for task in queued(sync_run_task)]


def test_a_due_schedule_starts_a_refresh_and_moves_on(firm):
    connection = ConnectionFactory(firm=firm)
    schedule = SyncSchedule.objects.create(
        connection=connection, enabled=True, every_minutes=30, next_run_at=timezone.now()
    )

    sync_tick_run()

    run = SyncRun.objects.get(connection=connection)
    assert run.kind == SyncKind.REFRESH
    assert run.started_by is None
    schedule.refresh_from_db()
    assert schedule.next_run_at > timezone.now() + timedelta(minutes=29)


def test_a_due_schedule_of_a_connection_already_syncing_starts_nothing_more(firm):
    connection = ConnectionFactory(firm=firm)
    SyncRunFactory(firm=firm, connection=connection, status=SyncRunStatus.RUNNING)
    SyncSchedule.objects.create(
        connection=connection, enabled=True, every_minutes=30, next_run_at=timezone.now()
    )

    sync_tick_run()

    assert SyncRun.objects.filter(connection=connection).count() == 1


def test_the_tick_is_queued_once_and_only_while_there_is_something_to_watch():
    sync_tick_ensure()
    assert queued(sync_tick) == []

    SyncRunFactory(status=SyncRunStatus.QUEUED)
    sync_tick_ensure()
    sync_tick_ensure()

    [tick] = queued(sync_tick)
    assert tick.run_after > timezone.now()


def test_the_command_resumes_dead_runs_and_says_so():
    SyncRunFactory(
        status=SyncRunStatus.RUNNING,
        heartbeat_at=timezone.now() - stale_after() - timedelta(seconds=5),
    )
    out = io.StringIO()

    call_command("sync_tick", stdout=out)

    assert "Resumed 1 sync run(s)" in out.getvalue()
    assert len(queued(sync_run_task)) == 1
    assert len(queued(sync_tick)) == 1
