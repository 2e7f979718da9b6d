"""Sync selected, on the Clients Sync tab: import the ticked CMS clients Tandem does not have
yet, and refresh the ones it has.

A connection runs one sync at a time, so when some ticked clients are new and some already
synced, the import starts now and a task starts the refresh once the import is over.
"""

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from accounts.models import User
from integrations.models import Connection
from sync.cms_tasks import cms_refresh_after_import_task
from sync.exceptions import SyncRunRefused
from sync.models import Link, SyncKind, SyncRun
from sync.runs import sync_run_start

logger = logging.getLogger(__name__)

# How long the waiting refresh sleeps between looks at whether the import is over.
FOLLOW_UP_EVERY = timedelta(seconds=5)


@dataclass(frozen=True)
class SelectedSync:
    """The run started now, and the already synced clients refreshed once it is over."""

    run: SyncRun
    refreshed_after: tuple[str, ...] = ()


def cms_clients_sync(
    *, connection: Connection, acting_user: User, external_ids: Iterable[str], overwrite: bool
) -> SelectedSync:
    """Import the ticked clients not synced yet and refresh the synced ones (with `overwrite`,
    the CMS's values replace Tandem's basic details): one run now, the refresh after the
    import when both are needed.

    Raises SyncRunRefused when a run of the connection is already under way.
    """
    ticked = sorted(set(external_ids))
    synced = sorted(
        Link.objects.filter(connection=connection, external_id__in=ticked).values_list(
            "external_id", flat=True
        )
    )
    new = sorted(set(ticked) - set(synced))
    if not new:
        run = sync_run_start(
            connection=connection,
            acting_user=acting_user,
            kind=SyncKind.REFRESH,
            overwrite=overwrite,
            external_ids=synced,
        )
        return SelectedSync(run=run)
    with transaction.atomic():
        run = sync_run_start(
            connection=connection, acting_user=acting_user, kind=SyncKind.IMPORT, external_ids=new
        )
        if synced:
            transaction.on_commit(
                lambda: _refresh_after_enqueue(
                    run_id=run.pk,
                    external_ids=synced,
                    overwrite=overwrite,
                    acting_user_id=acting_user.pk,
                )
            )
    return SelectedSync(run=run, refreshed_after=tuple(synced))


def cms_refresh_after_import(
    *, run_id: int, external_ids: list[str], overwrite: bool, acting_user_id: int
) -> SyncRun | None:
    """Start the refresh that waits for the import `run_id`; while that import (or any other
    run of the connection) is under way, look again in FOLLOW_UP_EVERY.

    Returns the refresh, or None when it is still waiting or can no longer start (the
    connection was disconnected: nothing of it is synced any more).
    """
    imported = SyncRun.objects.select_related("connection").get(pk=run_id)
    acting_user = User.objects.filter(pk=acting_user_id, membership__firm=imported.firm_id).first()
    if acting_user is None:
        # Only someone of the import's own firm may have asked for its refresh.
        logger.warning("Refresh after import run %s refused: not a member of its firm", run_id)
        return None
    waiting = dict(
        run_id=run_id,
        external_ids=external_ids,
        overwrite=overwrite,
        acting_user_id=acting_user_id,
    )
    if imported.is_active:
        _refresh_after_enqueue(**waiting, delay=FOLLOW_UP_EVERY)
        return None
    try:
        return sync_run_start(
            connection=imported.connection,
            acting_user=acting_user,
            kind=SyncKind.REFRESH,
            overwrite=overwrite,
            external_ids=external_ids,
        )
    except SyncRunRefused as refusal:
        if refusal.code == "run_active":
            _refresh_after_enqueue(**waiting, delay=FOLLOW_UP_EVERY)
        else:
            logger.warning("Refresh after import run %s not started: %s", run_id, refusal.message)
        return None


def _refresh_after_enqueue(*, delay: timedelta | None = None, **arguments) -> None:
    task = cms_refresh_after_import_task
    if delay is not None:
        task = task.using(run_after=timezone.now() + delay)
    task.enqueue(**arguments)
