from collections.abc import Iterable

from django.db.models import (
    Count,
    Exists,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
)
from django.shortcuts import get_object_or_404

from accounts.models import Firm
from clients.models import Client
from integrations.connectors.registry import connector_class
from integrations.models import Connection, ConnectionStatus
from sync.models import ACTIVE_RUN_STATUSES, Link, RecordOutcome, SyncRun, SyncRunRecord


def link_list(*, firm: Firm) -> QuerySet[Link]:
    return Link.objects.filter(firm=firm).select_related("client", "connection", "linked_by")


def link_get(*, client: Client, pk: int) -> Link:
    """One of `client`'s links, or 404."""
    return get_object_or_404(link_list(firm=client.firm).filter(client=client), pk=pk)


def client_links(*, client: Client) -> dict[int, Link]:
    """`client`'s links by connection id."""
    return {link.connection_id: link for link in link_list(firm=client.firm).filter(client=client)}


def links_by_external_id(*, connection: Connection, external_ids: Iterable[str]) -> dict[str, Link]:
    links = Link.objects.filter(connection=connection, external_id__in=list(external_ids))
    return {link.external_id: link for link in links.select_related("client")}


def active_connections(*, firm: Firm) -> QuerySet[Connection]:
    return Connection.objects.filter(firm=firm, status=ConnectionStatus.ACTIVE)


def clients_with_link_status(
    clients: QuerySet[Client], *, connections: Iterable[Connection]
) -> QuerySet[Client]:
    """`clients` annotated `linked_<connection id>` per connection: one EXISTS each, no N+1."""
    return clients.annotate(
        **{
            f"linked_{connection.pk}": Exists(
                Link.objects.filter(connection=connection, client=OuterRef("pk"))
            )
            for connection in connections
        }
    )


def clients_filter_connected(
    clients: QuerySet[Client], *, firm: Firm, connected: bool
) -> QuerySet[Client]:
    """Clients linked through at least one active connection (or, `connected` False, none)."""
    linked = Exists(
        Link.objects.filter(
            client=OuterRef("pk"), firm=firm, connection__status=ConnectionStatus.ACTIVE
        )
    )
    return clients.filter(linked if connected else ~linked)


def link_statuses(client: Client, connections: Iterable[Connection]) -> list[tuple[str, bool]]:
    """(provider short name, linked) per connection, read from `clients_with_link_status`."""
    return [
        (
            connector_class(connection.provider).short_name,
            getattr(client, f"linked_{connection.pk}"),
        )
        for connection in connections
    ]


def sync_run_get(*, firm: Firm, pk: int) -> SyncRun:
    """One of the firm's runs, or 404."""
    return get_object_or_404(
        SyncRun.objects.filter(firm=firm).select_related("connection", "started_by"), pk=pk
    )


def sync_runs_for_connection(*, connection: Connection) -> QuerySet[SyncRun]:
    """The connection's runs, newest first."""
    return SyncRun.objects.filter(connection=connection).select_related("started_by")


def sync_run_records(*, run: SyncRun, outcome: str | None = None) -> QuerySet[SyncRunRecord]:
    records = SyncRunRecord.objects.filter(run=run).select_related("client")
    return records.filter(outcome=outcome) if outcome else records


def sync_run_active(*, connection: Connection) -> SyncRun | None:
    """The connection's queued or running run, if any."""
    return SyncRun.objects.filter(connection=connection, status__in=ACTIVE_RUN_STATUSES).first()


def sync_run_history(*, connection: Connection) -> QuerySet[SyncRun]:
    """The connection's runs, newest first, each with `left_alone`: its unchanged records less
    those changed only in Tandem, as `sync_run_summary` counts them."""
    pushable = Count("records", filter=Q(records__outcome=RecordOutcome.PUSHABLE))
    runs = sync_runs_for_connection(connection=connection).annotate(
        left_alone=ExpressionWrapper(F("unchanged") - pushable, output_field=IntegerField())
    )
    # Spelled out: a model's default ordering is dropped from a query that groups.
    return runs.order_by(*SyncRun._meta.ordering)


def sync_run_summary(*, run: SyncRun) -> list[tuple[str, str, int]]:
    """(outcome, label, count) for the run page and the `sync_run` command, worded for a real
    run or for a preview."""
    pushable = run.records.filter(outcome=RecordOutcome.PUSHABLE).count()
    labels = _PREVIEW_COUNT_LABELS if run.dry_run else _COUNT_LABELS
    counts = {
        "created": run.created,
        "updated": run.updated,
        # The engine counts a record changed only in Tandem as unchanged: nothing came in.
        "unchanged": max(run.unchanged - pushable, 0),
        "conflict": run.conflicts,
        "pushable": pushable,
        "flagged": run.flagged,
        "skipped": run.skipped,
        "failed": run.failed,
    }
    return [(key, labels[key], count) for key, count in counts.items()]


_COUNT_LABELS = {
    "created": "Created",
    "updated": "Updated",
    "unchanged": "Unchanged",
    "conflict": "Conflicts",
    "pushable": "Changed in Tandem only",
    "flagged": "Flagged",
    "skipped": "Skipped",
    "failed": "Failed",
}
_PREVIEW_COUNT_LABELS = {
    **_COUNT_LABELS,
    "created": "Would be created",
    "updated": "Would be updated",
    "unchanged": "Left alone",
    "conflict": "In conflict",
}
