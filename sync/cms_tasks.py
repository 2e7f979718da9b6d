"""Background work of the Clients Sync tab, run by the `db_worker` processes."""

from django_tasks import task


@task()
def cms_refresh_after_import_task(
    run_id: int, external_ids: list[str], overwrite: bool, acting_user_id: int
) -> None:
    # Imported here: sync.cms_services queues this task.
    from sync.cms_services import cms_refresh_after_import

    cms_refresh_after_import(
        run_id=run_id,
        external_ids=external_ids,
        overwrite=overwrite,
        acting_user_id=acting_user_id,
    )
