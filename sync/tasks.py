"""Background work of the sync app, run by the `db_worker` processes."""

from django_tasks import task

from sync.engine import sync_run_execute


@task()
def sync_run_task(run_id: int) -> str:
    return sync_run_execute(run_id=run_id).status


@task()
def sync_tick() -> None:
    """Resume runs whose worker died and start the refreshes schedules have due, then queue
    the next tick while there is anything left to watch."""
    # Imported here: sync.runs queues this module's tasks.
    from sync.runs import sync_tick_run

    sync_tick_run()
