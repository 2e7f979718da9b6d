"""Starting sync runs: one queued or running run per connection, executed by the worker.

The work itself is `sync.engine.sync_run_execute`; these services decide whether a run may
start and queue it once the transaction that created it commits.
"""

import contextlib
from collections.abc import Iterable
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.audit import audit_record
from accounts.models import User
from integrations.models import Connection
from sync.engine import sync_run_execute, sync_runs_stale
from sync.exceptions import SyncRunRefused
from sync.models import ACTIVE_RUN_STATUSES, RecordOutcome, SyncKind, SyncRun, SyncSchedule
from sync.schedules import sync_schedules_due
from sync.selectors import sync_run_active
from sync.tasks import sync_run_task, sync_tick

__all__ = [
    "sync_run_apply",
    "sync_run_execute",
    "sync_run_retry_failed",
    "sync_run_start",
    "sync_runs_resume_stale",
    "sync_tick_ensure",
    "sync_tick_run",
]

# How often the worker looks for dead runs and due schedules while there are any.
TICK_EVERY = timedelta(seconds=60)


def sync_run_start(
    *,
    connection: Connection,
    acting_user: User | None,
    kind: str,
    dry_run: bool = False,
    overwrite: bool = False,
    external_ids: Iterable[str] | None = None,
    retry_of: SyncRun | None = None,
) -> SyncRun:
    """Queue a run of `kind` over `connection` (limited to `external_ids` when given)."""
    if kind not in SyncKind.values:
        raise SyncRunRefused(
            f"Unknown kind of run “{kind}”: choose import or refresh.", field="kind"
        )
    if not connection.is_active:
        raise SyncRunRefused(
            f"{connection.provider_name} is not connected: reconnect the add-on first.",
            code="not_connected",
        )
    scope = sorted({str(external_id) for external_id in external_ids or ()})
    if external_ids is not None and not scope:
        raise SyncRunRefused("Choose at least one client.", field="external_ids")
    run = SyncRun(
        firm=connection.firm,
        connection=connection,
        kind=kind,
        dry_run=dry_run,
        overwrite=overwrite,
        external_ids=scope,
        retry_of=retry_of,
        started_by=acting_user,
    )
    run.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            run.save()
            if not dry_run:
                audit_record(
                    firm=connection.firm,
                    actor=acting_user,
                    action="sync_run.start",
                    target=connection,
                    changes={"run": run.pk, "kind": kind, "overwrite": overwrite},
                )
    except IntegrityError:
        raise _active_refusal(connection) from None
    transaction.on_commit(lambda: _enqueue(run))
    transaction.on_commit(sync_tick_ensure)
    return run


def sync_run_apply(*, run: SyncRun, acting_user: User | None) -> SyncRun:
    """Run for real what a dry run previewed."""
    if not run.dry_run:
        raise SyncRunRefused("This run was not a preview; it has been applied already.")
    if run.is_active:
        raise SyncRunRefused("The preview is still running: wait for it to finish.")
    return sync_run_start(
        connection=run.connection,
        acting_user=acting_user,
        kind=run.kind,
        overwrite=run.overwrite,
        external_ids=run.external_ids or None,
    )


def sync_run_retry_failed(*, run: SyncRun, acting_user: User | None) -> SyncRun:
    """A new run over the records that failed in `run`."""
    failed = list(
        run.records.filter(outcome=RecordOutcome.FAILED)
        .exclude(external_id__startswith="unreadable:")
        .values_list("external_id", flat=True)
    )
    if not failed:
        raise SyncRunRefused(
            "No record of this run failed with an id to retry.", code="nothing_to_retry"
        )
    return sync_run_start(
        connection=run.connection,
        acting_user=acting_user,
        kind=run.kind,
        dry_run=run.dry_run,
        overwrite=run.overwrite,
        external_ids=failed,
        retry_of=run,
    )


def sync_runs_resume_stale() -> list[int]:
    """Queue again the runs whose worker died; they carry on from their cursor."""
    stale = sync_runs_stale(now=timezone.now())
    for run_id in stale:
        _enqueue_id(run_id)
    return stale


def _active_refusal(connection: Connection) -> SyncRunRefused:
    active = sync_run_active(connection=connection)
    what = f"a {active.get_kind_display().lower()}" if active else "another run"
    return SyncRunRefused(
        f"{what.capitalize()} of {connection.provider_name} is already under way: wait for it "
        "to finish, then start this again.",
        code="run_active",
    )


def _enqueue(run: SyncRun) -> None:
    result = _enqueue_id(run.pk)
    SyncRun.objects.filter(pk=run.pk, task_id="").update(task_id=result.id)


def _enqueue_id(run_id: int):
    return sync_run_task.enqueue(run_id)


def sync_tick_run() -> list[int]:
    """One tick of the worker's watch: resume dead runs, start due scheduled refreshes, and
    queue the next tick if a run is still active or a schedule is on. Returns the ids of the
    runs resumed."""
    resumed = sync_runs_resume_stale()
    now = timezone.now()
    for schedule in sync_schedules_due(now=now):
        # A run of the connection already under way serves the schedule.
        with contextlib.suppress(SyncRunRefused):
            sync_run_start(connection=schedule.connection, acting_user=None, kind=SyncKind.REFRESH)
        SyncSchedule.objects.filter(pk=schedule.pk).update(
            next_run_at=now + timedelta(minutes=schedule.every_minutes)
        )
    sync_tick_ensure()
    return resumed


def sync_tick_ensure() -> None:
    """Queue a tick unless one is already waiting, when there is something to watch."""
    watching = (
        SyncRun.objects.filter(status__in=ACTIVE_RUN_STATUSES).exists()
        or SyncSchedule.objects.filter(enabled=True).exists()
    )
    waiting = DBTaskResult.objects.filter(
        task_path=sync_tick.module_path, status=TaskResultStatus.READY
    ).exists()
    if watching and not waiting:
        sync_tick.using(run_after=timezone.now() + TICK_EVERY).enqueue()
