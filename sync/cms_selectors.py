"""Reads for the Clients Sync tab: a CMS account's clients from its directory, and whether each
is synced to Tandem yet."""

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from integrations.directory import directory_entries
from integrations.models import Connection, DirectoryEntry
from sync.models import Link
from sync.selectors import links_by_external_id


class SyncState(enum.Enum):
    NOT_SYNCED = "Not synced"
    SYNCED = "Synced"
    CHANGED = "Synced - changed since"


@dataclass(frozen=True)
class SyncRow:
    entry: DirectoryEntry
    link: Link | None
    state: SyncState


def cms_directory_entries(*, connection: Connection, query: str = "") -> QuerySet[DirectoryEntry]:
    """The account's live clients by name, those whose name contains `query` when given."""
    entries = directory_entries(connection=connection)
    query = query.strip().casefold()
    return entries.filter(sort_name__contains=query) if query else entries


def cms_sync_rows(*, connection: Connection, entries: Iterable[DirectoryEntry]) -> list[SyncRow]:
    """Each entry with its link and sync state, in one query for the links."""
    entries = list(entries)
    links = links_by_external_id(
        connection=connection, external_ids=[entry.external_id for entry in entries]
    )
    return [
        SyncRow(entry, links.get(entry.external_id), _state(entry, links.get(entry.external_id)))
        for entry in entries
    ]


def _state(entry: DirectoryEntry, link: Link | None) -> SyncState:
    if link is None:
        return SyncState.NOT_SYNCED
    if _changed_since(entry.fields, link.base):
        return SyncState.CHANGED
    return SyncState.SYNCED


def _changed_since(fields: Mapping[str, Any], base: Mapping[str, Any]) -> bool:
    """Whether the CMS's values differ from those both sides agreed on at the last sync.

    Both are stored as JSON (dates as ISO text); an absent value and an empty one are the same.
    """
    return any((value or None) != (base.get(name) or None) for name, value in fields.items())
