"""A client management system's (CMS) clients, read through Tandem's client-feed contract.

The CMS connected itself to Tandem (Tandem is its OIDC provider), so there is no token of the
CMS's to keep: each call carries a short-lived JWT that Tandem signs for the supplier's
application and the person who connected the account (`identity.feed_auth.feed_token`), which
the CMS checks against Tandem's published keys. Reading only: Tandem never writes to a CMS.
"""

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import quote

import httpx
from django.utils import timezone

from identity.feed_auth import feed_token
from integrations.connectors.base import (
    Capability,
    Connector,
    ExternalRecord,
    Page,
    RecordProblem,
    records_problems,
)
from integrations.connectors.cms.mapping import FEED_MAPPING, kind_read, updated_at_read
from integrations.connectors.cms.selectors import cms_account_split, cms_application_get
from integrations.exceptions import (
    AuthorisationExpired,
    BadResponse,
    ListingInterrupted,
    NotSupported,
    ProviderUnavailable,
    RateLimited,
    RecordNotFound,
    RequestRejected,
)
from integrations.models import Connection

TIMEOUT = httpx.Timeout(20.0, connect=5.0)


class CmsConnector(Connector):
    key = "cms"
    display_name = "Client management system"
    short_name = "CMS"
    description = (
        "Sync the clients of an account in a client management system that offers "
        "“Connect to Tandem”; the account is connected from the CMS."
    )
    # Connected from the CMS (“Connect to Tandem”), not by signing in elsewhere from Tandem:
    # Add add-on explains that instead of starting an authorisation.
    activation_url_name = "cms:add"
    capabilities = Capability.LIST_MODIFIED_SINCE
    field_mapping = FEED_MAPPING
    PAGE_SIZE = 200
    # The contract asks Tandem to retry 429 and 5xx with backoff (reads are idempotent); after
    # this many tries in all, the connection is reported rate limited or unavailable.
    ATTEMPTS = 4
    BACKOFF_SECONDS = 0.5
    BACKOFF_CAP_SECONDS = 8.0
    # A Retry-After longer than this is reported with when to try again, not slept through.
    LONGEST_WAIT_SECONDS = 30.0
    # When a 429 names no Retry-After.
    DEFAULT_RETRY_AFTER_SECONDS = 60.0
    # The feed token lives `TOKEN_LIFETIME` seconds (the contract's most); a new one is signed
    # `TOKEN_MARGIN` before.
    TOKEN_LIFETIME = 300
    TOKEN_MARGIN = 60

    def __init__(
        self,
        connection: Connection,
        *,
        sleep: Callable[[float], None] = time.sleep,
        http: httpx.Client | None = None,
    ):
        super().__init__(connection)
        self.application = cms_application_get(connection=connection)
        self.account_id = cms_account_split(connection)[1]
        # The supplier's own name in messages: people know their CMS by it.
        self.supplier = self.application.name if self.application else self.short_name
        self.sleep = sleep
        self.http = http or httpx.Client(timeout=TIMEOUT)
        self._token: str | None = None
        self._token_renew_at = 0.0
        self._api_calls = 0

    @property
    def api_calls(self) -> int:
        return self._api_calls

    def search(self, query: str, page_token: str | None = None) -> Page:
        if query.strip():
            # The feed has no search; Tandem searches the connection's directory instead.
            raise NotSupported(self.supplier, capability="search its clients")
        return self.list_clients(page_token=page_token)

    @records_problems
    def list_clients(
        self, page_token: str | None = None, modified_since: datetime | None = None
    ) -> Page:
        # The page token carries the filter too, so it is sent alone.
        params: dict[str, Any] = {"limit": self.PAGE_SIZE}
        if page_token is not None:
            params["page_token"] = page_token
        elif modified_since is not None:
            params["updated_since"] = modified_since.astimezone(UTC).isoformat()
        try:
            body = self._get("clients", params, whole_page=self.PAGE_SIZE)
        except RequestRejected as error:
            if page_token is None:
                raise
            raise ListingInterrupted(self.supplier, detail=error.detail) from error
        records, problems = [], []
        for payload in body["clients"]:
            outcome = self._record(payload)
            (problems if isinstance(outcome, RecordProblem) else records).append(outcome)
        return Page(
            records=tuple(records), next_token=body.get("next_page_token"), problems=tuple(problems)
        )

    @records_problems
    def get_client(self, external_id: str) -> ExternalRecord:
        body = self._get(f"clients/{quote(external_id, safe='')}", None, external_id=external_id)
        outcome = self._record(body)
        if isinstance(outcome, RecordProblem):
            raise BadResponse(self.supplier, detail=outcome.message)
        return outcome

    def close(self) -> None:
        self.http.close()

    # Calls ------------------------------------------------------------------------------------
    def _get(
        self,
        path: str,
        params: dict[str, Any] | None,
        *,
        external_id: str | None = None,
        whole_page: int | None = None,
    ) -> dict[str, Any]:
        """The JSON object the feed answers at `path`, tried again as the contract allows.

        `whole_page`: the body is a page of at most that many clients, every one but the last
        page full; a short page with a next token is a fault, asked for again.
        """
        url = f"{self._feed_url()}/{path}"
        attempt = 0
        while True:
            attempt += 1
            last_attempt = attempt == self.ATTEMPTS
            token = self._feed_token()
            headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
            self._api_calls += 1
            try:
                response = self.http.get(url, params=params, headers=headers)
            except httpx.TransportError as error:
                if not last_attempt:
                    self.sleep(self._backoff(attempt))
                    continue
                detail = (
                    "it took too long to answer"
                    if isinstance(error, httpx.TimeoutException)
                    else "the connection failed"
                )
                raise ProviderUnavailable(self.supplier, detail=detail) from error
            status = response.status_code
            if status == 429:
                wait = _retry_after_seconds(response)
                if wait is None:
                    wait = self.DEFAULT_RETRY_AFTER_SECONDS
                if last_attempt or wait > self.LONGEST_WAIT_SECONDS:
                    raise RateLimited(
                        self.supplier,
                        limit="call limit",
                        retry_at=timezone.now() + timedelta(seconds=wait),
                    )
                self.sleep(wait)
                continue
            if status >= 500 and not last_attempt:
                self.sleep(self._backoff(attempt))
                continue
            body = self._checked(response, external_id=external_id)
            if whole_page is None:
                return body
            fault = _page_fault(body, whole_page)
            if fault is None:
                return body
            if last_attempt:
                raise BadResponse(self.supplier, detail=fault)
            self.sleep(self._backoff(attempt))

    def _checked(self, response: httpx.Response, *, external_id: str | None) -> dict[str, Any]:
        status = response.status_code
        if status in (401, 403):
            raise AuthorisationExpired(self.supplier)
        if status >= 500:
            raise ProviderUnavailable(self.supplier, detail=f"HTTP {status}")
        if status == 404 and external_id is not None:
            raise RecordNotFound(self.supplier, external_id=external_id)
        try:
            body = response.json()
        except ValueError as error:
            raise BadResponse(self.supplier, detail="the answer was not JSON") from error
        if not isinstance(body, dict):
            raise BadResponse(self.supplier, detail="the answer was not a JSON object")
        if status >= 400:
            # An RFC 9457 problem: its detail (or title) says what was wrong.
            detail = body.get("detail") or body.get("title") or f"HTTP {status}"
            raise RequestRejected(self.supplier, detail=str(detail))
        return body

    def _backoff(self, attempt: int) -> float:
        """Exponential with jitter, so several workers do not retry in step."""
        ceiling = min(self.BACKOFF_CAP_SECONDS, self.BACKOFF_SECONDS * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    def _feed_url(self) -> str:
        if self.application is None:
            # The supplier's application was removed from Tandem: nothing can be signed for it.
            raise AuthorisationExpired(self.supplier)
        feed_url = self.application.client_feed_url
        if not feed_url:
            raise RequestRejected(
                self.supplier, detail="the supplier has registered no client feed address"
            )
        return feed_url.rstrip("/")

    def _feed_token(self) -> str:
        """A feed token for this account, signed anew shortly before the last one expires."""
        if not self.connection.is_active:
            raise AuthorisationExpired(self.supplier)
        user = self.connection.connected_by
        if user is None or not user.is_active:
            raise AuthorisationExpired(self.supplier)
        if self._token is None or time.monotonic() >= self._token_renew_at:
            self._token = feed_token(
                application=self.application,
                user=user,
                account_id=self.account_id,
                lifetime_seconds=self.TOKEN_LIFETIME,
            )
            self._token_renew_at = time.monotonic() + self.TOKEN_LIFETIME - self.TOKEN_MARGIN
        return self._token

    # Payloads -> records -----------------------------------------------------------------------
    def _record(self, payload: Any) -> ExternalRecord | RecordProblem:
        if not isinstance(payload, dict):
            return RecordProblem(
                "", "(unreadable)", f"{self.supplier} sent a client that is not an object."
            )
        external_id = payload.get("id")
        label = str(payload.get("display_name") or "(no name)")[:80]
        if not isinstance(external_id, str) or not external_id.strip():
            return RecordProblem(
                "", label, f"{self.supplier} sent the client “{label}” without an id.", raw=payload
            )
        errors: dict[str, str] = {}
        kind = modified_at = None
        try:
            kind = kind_read(payload.get("kind"))
        except ValueError as error:
            errors["kind"] = f"Kind: {error}"
        try:
            modified_at = updated_at_read(payload.get("updated_at"))
        except ValueError as error:
            errors["updated_at"] = f"Updated at: {error}"
        fields, field_errors = self.field_mapping.to_canonical(payload, kind=kind)
        errors |= field_errors
        if not errors and not fields.get("display_name"):
            errors["display_name"] = f"Name: {self.supplier} gave this client none."
        archived = payload.get("archived", False)
        if not isinstance(archived, bool):
            errors["archived"] = "Archived: not true or false."
        if errors:
            reasons = " ".join(errors.values())
            return RecordProblem(
                external_id, label, f"Tandem could not read “{label}”. {reasons}", raw=payload
            )
        return ExternalRecord(
            external_id=external_id,
            kind=kind,
            fields=fields,
            modified_at=modified_at,
            archived=archived,
            raw=payload,
        )


def _retry_after_seconds(response: httpx.Response) -> float | None:
    """Retry-After in seconds (the contract's form) or as an HTTP date; None when absent."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return float(value)
    try:
        return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
    except (TypeError, ValueError):
        return None


def _page_fault(body: dict[str, Any], limit: int) -> str | None:
    """What is wrong with a page of the listing, if anything."""
    clients, next_token = body.get("clients"), body.get("next_page_token")
    if not isinstance(clients, list):
        return "“clients” was not a list"
    if next_token is not None and (not isinstance(next_token, str) or not next_token):
        return "“next_page_token” was not text"
    if next_token is not None and len(clients) < limit:
        return f"a page of {len(clients)} clients, not {limit}, said more followed"
    return None
