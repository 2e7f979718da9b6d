"""APS: an on-premises practice-management database, reached the other way round.

Tandem cannot call APS. The Tandem sync agent, run at the practice, reads APS's client export
and sends it to Tandem's inbound API (`integrations.connectors.aps.api`), which keeps it in the
connection's directory. This connector reads that directory, so the sync engine, Connect Now
and matching treat APS like any other provider. Nothing is ever written back: APS is read-only.
"""

from datetime import date, datetime
from typing import Any

from django.db.models import Q, QuerySet

from integrations.connectors.aps.mapping import APS_FIELDS
from integrations.connectors.base import Capability, Connector, ExternalRecord, Page
from integrations.exceptions import RecordNotFound
from integrations.models import DirectoryEntry

PROVIDER = "APS"


class ApsConnector(Connector):
    key = "aps"
    display_name = "APS"
    short_name = PROVIDER
    description = (
        "Link and sync the clients of an APS practice database, sent to Tandem by the Tandem "
        "sync agent run at your practice. APS is read-only: Tandem does not write to APS."
    )
    capabilities = Capability.SEARCH | Capability.LIST_MODIFIED_SINCE
    field_mapping = APS_FIELDS
    config_schema = {
        "type": "object",
        "required": ["agent_client_id"],
        "properties": {
            "agent_client_id": {
                "type": "string",
                "description": "OAuth client id the Tandem sync agent signs in with.",
                "x-setting": "TANDEM_AGENT_CLIENT_ID",
            },
            "agent_silent_hours": {
                "type": "integer",
                "description": "Hours without a call from the agent before Add-ons warns.",
                "x-setting": "TANDEM_AGENT_SILENT_HOURS",
            },
        },
    }
    # Activated on Tandem's own page, not by signing in elsewhere; its records come from the
    # agent (see Connection.fed_by_agent).
    activation_url_name = "aps:activate"
    fed_by_agent = True
    PAGE_SIZE = 500

    def search(self, query: str, page_token: str | None = None) -> Page:
        entries = self._entries().order_by("sort_name", "id")
        query = query.strip()
        if query:
            entries = entries.filter(
                Q(sort_name__contains=query.casefold()) | Q(external_id__iexact=query)
            )
        offset = _page_number(page_token)
        rows = list(entries[offset : offset + self.PAGE_SIZE + 1])
        next_token = str(offset + self.PAGE_SIZE) if len(rows) > self.PAGE_SIZE else None
        return _page(rows[: self.PAGE_SIZE], next_token)

    def list_clients(
        self, page_token: str | None = None, modified_since: datetime | None = None
    ) -> Page:
        entries = self._entries().order_by("id").filter(id__gt=_page_number(page_token))
        if modified_since is not None:
            entries = entries.filter(modified_at__gte=modified_since)
        rows = list(entries[: self.PAGE_SIZE + 1])
        next_token = str(rows[self.PAGE_SIZE - 1].pk) if len(rows) > self.PAGE_SIZE else None
        return _page(rows[: self.PAGE_SIZE], next_token)

    def get_client(self, external_id: str) -> ExternalRecord:
        entry = self._entries().filter(external_id=external_id).first()
        if entry is None:
            raise RecordNotFound(PROVIDER, external_id=external_id)
        return entry_record(entry)

    def _entries(self) -> QuerySet[DirectoryEntry]:
        # Archived entries are listed too, marked archived: the sync engine flags their links.
        return DirectoryEntry.objects.filter(connection=self.connection)


def entry_record(entry: DirectoryEntry) -> ExternalRecord:
    fields: dict[str, Any] = dict(entry.fields)
    born = fields.get("date_of_birth")
    fields["date_of_birth"] = date.fromisoformat(born) if born else None
    return ExternalRecord(
        external_id=entry.external_id,
        kind=entry.kind or None,
        fields=fields,
        modified_at=entry.modified_at,
        archived=entry.archived,
        raw=entry.details,
    )


def _page(entries: list[DirectoryEntry], next_token: str | None) -> Page:
    return Page(records=tuple(entry_record(entry) for entry in entries), next_token=next_token)


def _page_number(page_token: str | None) -> int:
    if page_token is None:
        return 0
    if not page_token.isdigit():
        raise ValueError(f"Not an APS page token: {page_token!r}")
    return int(page_token)
