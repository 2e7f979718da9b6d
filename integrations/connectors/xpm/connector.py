"""Xero Practice Manager: one XPM organisation's clients through the v3.1 API.

Frugal with calls, because Xero allows a tenant 60 a minute and 5,000 a day: whole listings come
from `paged-list` in pages of `PAGE_SIZE`, changes from `list?modifiedSince=`, and nothing is
fetched one client at a time unless a caller asks for one client.
"""

import time
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import httpx

from integrations.connectors.base import (
    Capability,
    Connector,
    ExternalRecord,
    ExternalRelation,
    Page,
    RecordProblem,
    canonical_clean,
    records_problems,
)
from integrations.connectors.xpm.api import PROVIDER, XpmApi
from integrations.connectors.xpm.mapping import XPM_FIELDS, kind_read, kind_write, yes
from integrations.connectors.xpm.oauth import XeroOAuthClient
from integrations.connectors.xpm.relations import relations_read
from integrations.exceptions import (
    AuthorisationExpired,
    BadResponse,
    IntegrationError,
    ListingInterrupted,
    RequestRejected,
)
from integrations.models import Connection, Credential
from integrations.services import ACCESS_TOKEN_MARGIN, connection_access_token


class XpmConnector(Connector):
    key = "xpm"
    display_name = "Xero Practice Manager"
    short_name = PROVIDER
    description = "Find, link and sync the clients of a Xero Practice Manager organisation."
    capabilities = (
        Capability.SEARCH | Capability.LIST_MODIFIED_SINCE | Capability.PUSH | Capability.CONTACTS
    )
    field_mapping = XPM_FIELDS
    config_schema = {
        "type": "object",
        "required": [
            "client_id",
            "client_secret",
            "authorize_url",
            "token_url",
            "connections_url",
            "api_base",
        ],
        "properties": {
            "client_id": {
                "type": "string",
                "description": "Client id of Tandem's app in the Xero developer portal.",
                "x-setting": "XPM_CLIENT_ID",
            },
            "client_secret": {
                "type": "string",
                "description": "Client secret of that app.",
                "x-setting": "XPM_CLIENT_SECRET",
                "writeOnly": True,
            },
            "authorize_url": {
                "type": "string",
                "format": "uri",
                "description": "Xero's authorisation page.",
                "x-setting": "XERO_AUTHORIZE_URL",
            },
            "token_url": {
                "type": "string",
                "format": "uri",
                "description": "Xero's token endpoint.",
                "x-setting": "XERO_TOKEN_URL",
            },
            "connections_url": {
                "type": "string",
                "format": "uri",
                "description": "Xero's connections endpoint: the organisations a token reaches.",
                "x-setting": "XERO_CONNECTIONS_URL",
            },
            "api_base": {
                "type": "string",
                "format": "uri",
                "description": "Base of the Practice Manager API; paths start with v3.1/.",
                "x-setting": "XPM_API_BASE",
            },
        },
    }
    PAGE_SIZE = 1000

    def __init__(
        self,
        connection: Connection,
        *,
        sleep: Callable[[float], None] = time.sleep,
        http: httpx.Client | None = None,
    ):
        super().__init__(connection)
        self._credential: Credential | None = None
        self.api = XpmApi(
            base_url=self.config()["api_base"],
            tenant_id=connection.external_account_id,
            token_source=self._access_token,
            sleep=sleep,
            http=http,
        )

    @classmethod
    def oauth_client(cls) -> XeroOAuthClient:
        config = cls.config()
        return XeroOAuthClient(
            provider=PROVIDER,
            client_id=config["client_id"],
            client_secret=config["client_secret"],
            authorize_url=config["authorize_url"],
            token_url=config["token_url"],
            connections_url=config["connections_url"],
        )

    @records_problems
    def search(self, query: str, page_token: str | None = None) -> Page:
        if not query.strip():
            return self._paged_list(page_token)
        if page_token is not None:
            raise ValueError("XPM answers a search in one page; there is no next page.")
        body = self.api.get("v3.1/client.api/search", {"query": query.strip()})
        return self._page(body.get("clients"))

    @records_problems
    def list_clients(
        self, page_token: str | None = None, modified_since: datetime | None = None
    ) -> Page:
        if modified_since is not None:
            # XPM reads modifiedSince as UTC without an offset, and answers in one page.
            since = modified_since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
            body = self.api.get("v3.1/client.api/list", {"modifiedSince": since})
            return self._page(body.get("clients"))
        return self._paged_list(page_token)

    @records_problems
    def get_client(self, external_id: str) -> ExternalRecord:
        return self._get(external_id)

    @records_problems
    def update_client(self, external_id: str, changes: Mapping[str, Any]) -> ExternalRecord:
        changes = dict(changes)
        kind = changes.pop("kind", None)
        changes, errors = canonical_clean(changes, kind=kind)
        if errors:
            name, reason = next(iter(errors.items()))
            raise IntegrationError(f"Tandem did not send this change to XPM: {reason}", field=name)
        missing = self.field_mapping.missing_for_write(changes)
        if missing:
            current = self._get(external_id)
            changes = {name: current.fields[name] for name in missing} | changes
        request = {"uuid": external_id, **self.field_mapping.to_provider(changes)}
        if kind is not None:
            request["businessStructure"] = kind_write(kind)
        body = self.api.put("v3.1/client.api/update", request)
        return self._only_record(body.get("client"))

    @property
    def api_calls(self) -> int:
        return self.api.calls

    @records_problems
    def client_relations(self, external_id: str) -> list[ExternalRelation]:
        # One call: `get` answers with the detailed client, its contacts and relationships.
        return relations_read(self._get(external_id).raw)

    def close(self) -> None:
        self.api.close()

    def _paged_list(self, page_token: str | None) -> Page:
        params: dict[str, Any] = {"pageSize": self.PAGE_SIZE}
        if page_token is not None:
            params["pageToken"] = page_token
        try:
            body = self.api.get("v3.1/client.api/paged-list", params)
        except RequestRejected as error:
            if page_token is None:
                raise
            raise ListingInterrupted(PROVIDER, detail=error.detail) from error
        return self._page(body.get("clients"), next_token=_next_page_token(body))

    def _get(self, external_id: str) -> ExternalRecord:
        body = self.api.get(f"v3.1/client.api/get/{quote(external_id, safe='')}")
        return self._only_record(body.get("client"))

    # Tokens: kept in memory until close to expiry, so a listing reads the database once.
    def _access_token(self, rejected: str | None) -> str:
        if not self.connection.is_active:
            raise AuthorisationExpired(PROVIDER)
        cached = self._credential
        if rejected is None and cached and not cached.expires_within(ACCESS_TOKEN_MARGIN):
            return cached.access_token
        self._credential = connection_access_token(connection=self.connection, rejected=rejected)
        return self._credential.access_token

    # Responses -> records
    def _page(self, clients: Any, next_token: str | None = None) -> Page:
        if clients is None:
            clients = []
        if not isinstance(clients, list):
            raise BadResponse(PROVIDER, detail="the client list was not a list")
        records, problems = [], []
        for payload in clients:
            outcome = self._record(payload)
            (problems if isinstance(outcome, RecordProblem) else records).append(outcome)
        return Page(records=tuple(records), next_token=next_token, problems=tuple(problems))

    def _only_record(self, payload: Any) -> ExternalRecord:
        outcome = self._record(payload)
        if isinstance(outcome, RecordProblem):
            raise BadResponse(PROVIDER, detail=outcome.message)
        return outcome

    def _record(self, payload: Any) -> ExternalRecord | RecordProblem:
        if not isinstance(payload, dict):
            return RecordProblem("", "(unreadable)", "XPM sent a client that is not an object.")
        external_id = payload.get("uuid")
        if not isinstance(external_id, str) or not external_id.strip():
            label = _label(payload)
            return RecordProblem(
                "", label, f"XPM sent the client “{label}” without an id.", raw=payload
            )
        kind = kind_read(payload)
        fields, errors = self.field_mapping.to_canonical(payload, kind=kind)
        if not errors and not fields.get("display_name"):
            errors["display_name"] = "Name: XPM gave this client none."
        if errors:
            label = _label(payload)
            reasons = " ".join(errors.values())
            return RecordProblem(
                external_id, label, f"Tandem could not read “{label}”. {reasons}", raw=payload
            )
        return ExternalRecord(
            external_id=external_id,
            kind=kind,
            fields=fields,
            archived=yes(payload.get("isArchived")),
            raw=payload,
        )


def _label(payload: dict[str, Any]) -> str:
    """How a person recognises a record that could not be read."""
    return str(payload.get("name") or "(no name)")[:80]


def _next_page_token(body: dict[str, Any]) -> str | None:
    """The pageToken in `pagination.links.next`, a link to the next page (or its bare token)."""
    pagination = body.get("pagination") or {}
    links = pagination.get("links") if isinstance(pagination, dict) else None
    next_link = links.get("next") if isinstance(links, dict) else None
    if not next_link:
        return None
    if not isinstance(next_link, str):
        raise BadResponse(PROVIDER, detail="the link to the next page was not text")
    if "pageToken=" not in next_link:
        return next_link
    tokens = parse_qs(urlsplit(next_link).query).get("pageToken")
    if not tokens:
        raise BadResponse(PROVIDER, detail="the link to the next page had no page token")
    return tokens[0]
