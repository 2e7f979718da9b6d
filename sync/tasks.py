"""Background work of the sync app, run by the `db_worker` processes."""

from django_tasks import task

from sync.engine import sync_run_execute


@task()
def sync_run_task(run_id: int) -> str:
    return sync_run_execute(run_id=run_id).status
