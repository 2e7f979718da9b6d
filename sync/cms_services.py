"""Sync selected, on the Clients Sync tab: import the ticked CMS clients Tandem does not have
yet, refresh the ones it has."""

from collections.abc import Iterable
from dataclasses import dataclass

from accounts.models import User
from integrations.models import Connection
from sync.models import Link, SyncKind, SyncRun
from sync.runs import sync_run_start


@dataclass(frozen=True)
class SelectedSync:
    """The run started, and the already synced clients it left for a later Sync selected.

    A connection runs one sync at a time, so when some ticked clients are new and some already
    synced, the import goes first and the refresh waits for it.
    """

    run: SyncRun
    waiting: tuple[str, ...] = ()


def cms_clients_sync(
    *, connection: Connection, acting_user: User, external_ids: Iterable[str], overwrite: bool
) -> SelectedSync:
    """Start importing the ticked clients not synced yet, or else refreshing the synced ones
    (with `overwrite`, the CMS's values replace Tandem's basic details).

    Raises SyncRunRefused when a run of the connection is already under way.
    """
    ticked = sorted(set(external_ids))
    synced = set(
        Link.objects.filter(connection=connection, external_id__in=ticked).values_list(
            "external_id", flat=True
        )
    )
    new = [external_id for external_id in ticked if external_id not in synced]
    if new:
        run = sync_run_start(
            connection=connection, acting_user=acting_user, kind=SyncKind.IMPORT, external_ids=new
        )
        return SelectedSync(run=run, waiting=tuple(sorted(synced)))
    run = sync_run_start(
        connection=connection,
        acting_user=acting_user,
        kind=SyncKind.REFRESH,
        overwrite=overwrite,
        external_ids=ticked,
    )
    return SelectedSync(run=run)
