"""Each connection's directory: its external records kept in Tandem, so that Connect Now ranks
them with `matching` rather than trusting the provider's plain-text search, and costs the
provider a call per page of changes instead of a call per keystroke.

The first refresh lists everything; later ones ask only for records modified since the
high-water mark (less `OVERLAP`, because providers compare modified times to the second and a
record saved in the same second as the last refresh started must not be lost). Each page is
upserted in its own transaction, so a failure part-way keeps what was read.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone

from integrations.connectors.base import Capability, ExternalRecord, Page, RecordProblem
from integrations.connectors.registry import connector_class
from integrations.exceptions import DirectoryRefreshFailed, IntegrationError
from integrations.models import Connection, Directory, DirectoryEntry
from matching.cache import candidate_index_get
from matching.index import Candidate, CandidateIndex
from matching.records import MatchRecord
from tandem.bulk import rows_insert

OVERLAP = timedelta(minutes=2)


@dataclass(frozen=True)
class DirectoryRefreshResult:
    """How many records were saved, whether the whole list was read, and the records the
    provider sent that Tandem could not read (left out of the directory)."""

    records_saved: int
    full: bool
    problems: tuple[RecordProblem, ...] = ()


# Services -------------------------------------------------------------------------------------
def directory_refresh(*, connection: Connection) -> DirectoryRefreshResult:
    """Bring the connection's directory up to date through its connector.

    Raises DirectoryRefreshFailed, saying how much was kept, when the provider fails part-way;
    the high-water mark then stays where it was, so the next refresh reads the rest again.
    """
    directory, _ = Directory.objects.get_or_create(connection=connection)
    started = timezone.now()
    connector = connector_class(connection.provider)(connection)
    incremental = directory.refreshed_through is not None and connector.supports(
        Capability.LIST_MODIFIED_SINCE
    )
    since = directory.refreshed_through - OVERLAP if incremental else None
    records_saved = 0
    problems: list[RecordProblem] = []
    with connector:
        page_token = None
        while True:
            try:
                page = connector.list_clients(page_token=page_token, modified_since=since)
            except IntegrationError as error:
                raise DirectoryRefreshFailed(
                    connector.short_name, records_saved=records_saved, error=error
                ) from error
            records_saved += directory_page_save(
                directory=directory, page=page, refreshed_at=started
            )
            problems.extend(page.problems)
            if page.next_token is None:
                break
            page_token = page.next_token
    Directory.objects.filter(pk=directory.pk).update(
        refreshed_through=started, refreshed_at=timezone.now()
    )
    return DirectoryRefreshResult(
        records_saved=records_saved, full=not incremental, problems=tuple(problems)
    )


def directory_refresh_if_stale(*, connection: Connection) -> DirectoryRefreshResult | None:
    """Refresh unless the directory was refreshed within DIRECTORY_MAX_AGE_MINUTES."""
    refreshed_at = (
        Directory.objects.filter(connection=connection)
        .values_list("refreshed_at", flat=True)
        .first()
    )
    max_age = timedelta(minutes=settings.DIRECTORY_MAX_AGE_MINUTES)
    if refreshed_at is not None and timezone.now() - refreshed_at < max_age:
        return None
    return directory_refresh(connection=connection)


@transaction.atomic
def directory_page_save(*, directory: Directory, page: Page, refreshed_at: datetime) -> int:
    """Upsert the page's records; also used by sync runs, which read the same pages."""
    if not page.records:
        return 0
    rows_insert(
        DirectoryEntry,
        ENTRY_FIELDS,
        [_entry_row(directory.connection_id, record, refreshed_at) for record in page.records],
        conflict=("connection", "external_id"),
        update=ENTRY_FIELDS[2:],
    )
    Directory.objects.filter(pk=directory.pk).update(version=F("version") + 1)
    return len(page.records)


ENTRY_FIELDS = (
    "connection",
    "external_id",
    "kind",
    "display_name",
    "sort_name",
    "fields",
    "modified_at",
    "archived",
    "refreshed_at",
)


def _entry_row(connection_id: int, record: ExternalRecord, refreshed_at: datetime) -> tuple:
    name = record.display_name
    return (
        connection_id,
        record.external_id,
        record.kind or "",
        name[:255],
        name.casefold()[:255],
        _jsonable(record.fields),
        record.modified_at,
        record.archived,
        refreshed_at,
    )


def _jsonable(fields: Mapping[str, Any]) -> dict[str, Any]:
    return {
        name: value.isoformat() if hasattr(value, "isoformat") else value
        for name, value in fields.items()
    }


# Selectors ------------------------------------------------------------------------------------
def directory_entries(*, connection: Connection) -> QuerySet[DirectoryEntry]:
    """The connection's live (not archived) records, by name."""
    return DirectoryEntry.objects.filter(connection=connection, archived=False).order_by(
        "sort_name", "id"
    )


def directory_entry_get(*, connection: Connection, external_id: str) -> DirectoryEntry | None:
    return DirectoryEntry.objects.filter(connection=connection, external_id=external_id).first()


def directory_search(
    *, connection: Connection, query: MatchRecord | str, limit: int = 20
) -> list[tuple[DirectoryEntry, Candidate]]:
    """The directory's records most like `query`, best first, each with its ranking."""
    candidates = directory_index(connection=connection).search(query, limit=limit)
    entries = DirectoryEntry.objects.in_bulk([c.record.key for c in candidates])
    return [(entries[c.record.key], c) for c in candidates if c.record.key in entries]


def directory_version(*, connection: Connection) -> int:
    """A number that changes whenever the directory's rows do."""
    version = (
        Directory.objects.filter(connection=connection).values_list("version", flat=True).first()
    )
    return version or 0


def directory_index(*, connection: Connection) -> CandidateIndex:
    """The directory's live records ready to search, keyed by DirectoryEntry id; built once per
    directory version. For many queries at once, where `directory_search`'s query per search
    would add up."""
    return candidate_index_get(
        namespace=f"connection:{connection.pk}",
        version=directory_version(connection=connection),
        load=lambda: _match_records(connection),
    )


def entry_match_record(key: Any, kind: str, fields: Mapping[str, Any]) -> MatchRecord:
    """A record in canonical (Client) field names as matching sees it."""

    def text(name: str) -> str:
        value = fields.get(name)
        return "" if value is None else str(value)

    return MatchRecord(
        key=key,
        name=text("display_name"),
        kind=kind,
        first_name=text("first_name"),
        middle_name=text("middle_name"),
        last_name=text("last_name"),
        emails=tuple(filter(None, [text("email")])),
        phones=tuple(filter(None, [text("phone"), text("mobile")])),
        date_of_birth=fields.get("date_of_birth") or None,
        tax_number=text("tax_number"),
        company_number=text("company_number"),
        address=" ".join(
            filter(None, [text("physical_line1"), text("physical_line2"), text("physical_city")])
        ),
        post_code=text("physical_post_code") or text("postal_post_code"),
    )


def _match_records(connection: Connection) -> list[MatchRecord]:
    rows = (
        directory_entries(connection=connection).order_by("id").values_list("id", "kind", "fields")
    )
    return [entry_match_record(pk, kind, fields) for pk, kind, fields in rows]
