"""Calls to the XPM v3.1 API for one tenant, within Xero's rules.

- Every call carries the bearer token and `Xero-Tenant-Id`.
- At most `MAX_IN_FLIGHT` calls per tenant are in flight from this process (Xero allows 5).
  The semaphore is per process: with several web or worker processes the sum can exceed it,
  and Xero then answers 429, which is retried below like any other rate limit. Keep a
  connection's sync in one task at a time so that the limit holds across processes too.
- 429 and 5xx are retried with exponential backoff that gives way to `Retry-After`; a wait
  longer than `LONGEST_WAIT_SECONDS` (the daily limit) is reported, not slept through.
- A 401 gets one fresh access token and one more try.
"""

import random
import threading
import time
from collections.abc import Callable
from datetime import timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from django.utils import timezone

from integrations.exceptions import (
    AuthorisationExpired,
    BadResponse,
    ProviderUnavailable,
    RateLimited,
    RecordNotFound,
    RequestRejected,
)

PROVIDER = "XPM"
MAX_IN_FLIGHT = 5
TIMEOUT = httpx.Timeout(30.0, connect=5.0)

_slots_lock = threading.Lock()
_slots: dict[str, threading.BoundedSemaphore] = {}


def tenant_slots(tenant_id: str) -> threading.BoundedSemaphore:
    with _slots_lock:
        return _slots.setdefault(tenant_id, threading.BoundedSemaphore(MAX_IN_FLIGHT))


# "X-Rate-Limit-Problem" -> the limit in a person's words.
LIMIT_NAMES = {
    "minute": "per-minute call limit",
    "day": "daily call limit",
    "appminute": "call limit across all practices",
    "concurrent": "limit on calls at once",
}

TokenSource = Callable[[str | None], str]
"""Returns a valid access token; given the token the API just refused, a fresh one."""


class XpmApi:
    ATTEMPTS = 5
    BACKOFF_SECONDS = 1.0
    BACKOFF_CAP_SECONDS = 30.0
    LONGEST_WAIT_SECONDS = 90.0

    def __init__(
        self,
        *,
        base_url: str,
        tenant_id: str,
        token_source: TokenSource,
        sleep: Callable[[float], None] = time.sleep,
        http: httpx.Client | None = None,
    ):
        self.base_url = base_url.rstrip("/") + "/"
        self.tenant_id = tenant_id
        self.token_source = token_source
        self.sleep = sleep
        self.http = http or httpx.Client(timeout=TIMEOUT)
        self.calls = 0

    def get(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        return self.request("GET", path, params=params)

    def put(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return self.request("PUT", path, json=body)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """The decoded JSON body of a successful call, after the retries the rules allow."""
        url = self.base_url + path.lstrip("/")
        token = self.token_source(None)
        refreshed = False
        attempt = 0
        while True:
            attempt += 1
            last_attempt = attempt == self.ATTEMPTS
            try:
                response = self._send(method, url, token, params=params, json=json)
            except httpx.TransportError as error:
                if last_attempt:
                    raise ProviderUnavailable(PROVIDER, detail=_transport_detail(error)) from error
                self.sleep(self._backoff(attempt))
                continue

            status = response.status_code
            if status == 401 and not refreshed:
                token, refreshed = self.token_source(token), True
                continue
            if status == 401:
                raise AuthorisationExpired(PROVIDER)
            if status == 429:
                wait = self._retry_after(response) or self._backoff(attempt)
                if last_attempt or wait > self.LONGEST_WAIT_SECONDS:
                    raise RateLimited(
                        PROVIDER,
                        limit=_limit_name(response),
                        retry_at=timezone.now() + timedelta(seconds=wait),
                    )
                self.sleep(wait)
                continue
            if status >= 500:
                if last_attempt:
                    raise ProviderUnavailable(PROVIDER, detail=f"HTTP {status}")
                self.sleep(self._retry_after(response) or self._backoff(attempt))
                continue
            try:
                body = response.json()
            except ValueError as error:
                # A body cut off on the way is worth one more try when reading is idempotent.
                if method == "GET" and not last_attempt:
                    self.sleep(self._backoff(attempt))
                    continue
                raise BadResponse(PROVIDER, detail="the answer was not JSON") from error
            return self._checked(body, status, path)

    def _send(self, method, url, token, *, params, json) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {token}",
            "Xero-Tenant-Id": self.tenant_id,
            "Accept": "application/json",
        }
        self.calls += 1
        with tenant_slots(self.tenant_id):
            return self.http.request(method, url, params=params, json=json, headers=headers)

    def _checked(self, body: Any, status: int, path: str) -> dict[str, Any]:
        if not isinstance(body, dict):
            raise BadResponse(PROVIDER, detail="the answer was not a JSON object")
        detail = body.get("errorDescription")
        if status == 404:
            raise RecordNotFound(PROVIDER, external_id=path.rsplit("/", 1)[-1])
        if status >= 400 or str(body.get("status", "OK")).upper() != "OK":
            raise RequestRejected(PROVIDER, detail=str(detail or f"HTTP {status}"))
        return body

    def _backoff(self, attempt: int) -> float:
        """Exponential with full jitter, so several workers do not retry in step."""
        ceiling = min(self.BACKOFF_CAP_SECONDS, self.BACKOFF_SECONDS * 2 ** (attempt - 1))
        return random.uniform(ceiling / 2, ceiling)

    @staticmethod
    def _retry_after(response: httpx.Response) -> float | None:
        value = response.headers.get("Retry-After")
        if not value:
            return None
        try:
            return max(0.0, float(value))
        except ValueError:
            pass
        try:
            return max(0.0, (parsedate_to_datetime(value) - timezone.now()).total_seconds())
        except (TypeError, ValueError):
            return None

    def close(self) -> None:
        self.http.close()


def _limit_name(response: httpx.Response) -> str:
    problem = response.headers.get("X-Rate-Limit-Problem", "").strip().lower()
    return LIMIT_NAMES.get(problem, f"{problem} call limit" if problem else "call limit")


def _transport_detail(error: httpx.TransportError) -> str:
    if isinstance(error, httpx.TimeoutException):
        return "it took too long to answer"
    return "the connection failed"
