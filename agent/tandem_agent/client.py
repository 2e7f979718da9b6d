"""Talking to Tandem: signing in (OAuth 2.0 device authorization grant, RFC 8628), keeping the
access token fresh, and calling the inbound API with retries.

Retries: a network error, 429 or 5xx is tried again after a pause that doubles each time
(with jitter), or as long as Tandem's Retry-After says; the inbound API's calls are
idempotent upserts, so sending a batch twice is harmless.
"""

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from pathlib import Path
from typing import Any

import httpx

from tandem_agent.errors import AgentError
from tandem_agent.state import Credentials

SCOPE = "aps:push"
DEVICE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
DEFAULT_CLIENT_ID = "tandem-agent"
TIMEOUT = httpx.Timeout(60.0, connect=10.0)
# Refresh this long before the access token expires, so a call never leaves with a dying one.
TOKEN_MARGIN_SECONDS = 60
MAX_PAUSE_SECONDS = 300.0

Sleep = Callable[[float], None]


@dataclass(frozen=True)
class Endpoints:
    device_authorization: str
    token: str


@dataclass(frozen=True)
class DeviceSignIn:
    """A sign-in waiting for a firm administrator to approve `user_code` at `verification_uri`."""

    endpoints: Endpoints
    device_code: str
    user_code: str
    verification_uri: str
    verification_uri_complete: str
    interval: float
    expires_at: float


def endpoints_discover(http: httpx.Client, server: str) -> Endpoints:
    """The OAuth endpoints from Tandem's authorization server metadata (RFC 8414), or where
    django-oauth-toolkit puts them by default."""
    try:
        response = http.get(f"{server}/.well-known/oauth-authorization-server")
    except httpx.HTTPError as error:
        raise AgentError(f"Cannot reach Tandem at {server}: {error}.") from None
    metadata = response.json() if response.status_code == 200 else {}
    return Endpoints(
        device_authorization=metadata.get(
            "device_authorization_endpoint", f"{server}/o/device-authorization/"
        ),
        token=metadata.get("token_endpoint", f"{server}/o/token/"),
    )


def device_sign_in_start(http: httpx.Client, *, server: str, client_id: str) -> DeviceSignIn:
    endpoints = endpoints_discover(http, server)
    response = _post_form(
        http, endpoints.device_authorization, {"client_id": client_id, "scope": SCOPE}
    )
    body = _oauth_body(response, "start signing in")
    return DeviceSignIn(
        endpoints=endpoints,
        device_code=body["device_code"],
        user_code=body["user_code"],
        verification_uri=body["verification_uri"],
        verification_uri_complete=body.get("verification_uri_complete") or "",
        interval=float(body.get("interval") or 5),
        expires_at=time.time() + float(body.get("expires_in") or 600),
    )


def device_sign_in_wait(
    http: httpx.Client,
    sign_in: DeviceSignIn,
    *,
    server: str,
    client_id: str,
    sleep: Sleep = time.sleep,
) -> Credentials:
    """Poll the token endpoint until the administrator approves (or denies, or the code
    expires), at the interval Tandem asks for."""
    interval = sign_in.interval
    while time.time() < sign_in.expires_at:
        sleep(interval)
        response = _post_form(
            http,
            sign_in.endpoints.token,
            {
                "grant_type": DEVICE_GRANT,
                "device_code": sign_in.device_code,
                "client_id": client_id,
            },
        )
        if response.status_code == 200:
            return _credentials(response.json(), server, client_id, sign_in.endpoints.token)
        error = _json(response).get("error")
        if error == "authorization_pending":
            continue
        if error == "slow_down":
            interval += 5
            continue
        if error == "access_denied":
            raise AgentError("The sign-in was denied in Tandem.")
        if error == "expired_token":
            break
        _oauth_body(response, "finish signing in")
    raise AgentError("The code expired before it was approved: run “tandem-agent login” again.")


class TandemApi:
    """The inbound API, as the signed-in agent. Saves every rotated refresh token at once."""

    def __init__(
        self,
        credentials: Credentials,
        *,
        state_dir: Path,
        http: httpx.Client | None = None,
        retries: int = 6,
        sleep: Sleep = time.sleep,
    ):
        self.credentials = credentials
        self.state_dir = state_dir
        self.http = http or httpx.Client(timeout=TIMEOUT)
        self.retries = retries
        self.sleep = sleep

    @property
    def server(self) -> str:
        return self.credentials.server

    def close(self) -> None:
        self.http.close()

    def connection(self) -> dict[str, Any]:
        return self._call("GET", "agent/v1/connection")

    def clients_send(self, records: list[dict[str, Any]]) -> dict[str, Any]:
        return self._call("POST", "agent/v1/clients/batch", {"records": records})

    def clients_removed(self, codes: list[str]) -> dict[str, Any]:
        return self._call("POST", "agent/v1/clients/removed", {"codes": codes})

    def _call(self, method: str, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        url = f"{self.server}/{path}"
        refreshed = False
        attempt = 0
        while True:
            headers = {"Authorization": f"Bearer {self._access_token()}"}
            try:
                response = self.http.request(method, url, json=body, headers=headers)
            except httpx.TransportError as error:
                if attempt >= self.retries:
                    raise AgentError(
                        f"Tandem could not be reached ({error}); tried {attempt + 1} times."
                    ) from None
                self.sleep(_backoff(attempt))
                attempt += 1
                continue
            if response.status_code == 401 and not refreshed:
                # The access token was revoked or expired early: one fresh one, then give up.
                self.credentials.access_token_expires_at = 0
                refreshed = True
                continue
            if response.status_code == 429 or response.status_code >= 500:
                if attempt >= self.retries:
                    raise AgentError(
                        f"Tandem answered {response.status_code} {response.reason_phrase}; "
                        f"tried {attempt + 1} times."
                    )
                self.sleep(_retry_after(response) or _backoff(attempt))
                attempt += 1
                continue
            if response.status_code >= 400:
                problem = _json(response)
                detail = problem.get("detail") or f"{response.status_code} {response.reason_phrase}"
                raise AgentError(f"Tandem refused the request: {detail}")
            return response.json()

    def _access_token(self) -> str:
        credentials = self.credentials
        if credentials.access_token_expires_at - TOKEN_MARGIN_SECONDS > time.time():
            return credentials.access_token
        response = _post_form(
            self.http,
            credentials.token_endpoint,
            {
                "grant_type": "refresh_token",
                "refresh_token": credentials.refresh_token,
                "client_id": credentials.client_id,
            },
        )
        if response.status_code != 200:
            if _json(response).get("error") in ("invalid_grant", "invalid_client"):
                raise AgentError(
                    "The agent's sign-in has expired or was revoked: run “tandem-agent login”."
                )
            _oauth_body(response, "renew the sign-in")
        self.credentials = _credentials(
            response.json(), credentials.server, credentials.client_id, credentials.token_endpoint
        )
        self.credentials.save(self.state_dir)
        return self.credentials.access_token


def _credentials(token: dict[str, Any], server: str, client_id: str, endpoint: str) -> Credentials:
    return Credentials(
        server=server,
        client_id=client_id,
        token_endpoint=endpoint,
        refresh_token=token["refresh_token"],
        access_token=token["access_token"],
        access_token_expires_at=time.time() + float(token.get("expires_in") or 0),
    )


def _post_form(http: httpx.Client, url: str, data: dict[str, str]) -> httpx.Response:
    try:
        return http.post(url, data=data)
    except httpx.HTTPError as error:
        raise AgentError(f"Cannot reach Tandem at {url}: {error}.") from None


def _oauth_body(response: httpx.Response, doing: str) -> dict[str, Any]:
    body = _json(response)
    if response.status_code != 200:
        reason = body.get("error_description") or body.get("error") or response.reason_phrase
        raise AgentError(f"Tandem would not {doing}: {reason}.")
    return body


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def _backoff(attempt: int) -> float:
    return min(MAX_PAUSE_SECONDS, 2.0**attempt) + random.uniform(0, 1)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    if value.isdigit():
        return min(MAX_PAUSE_SECONDS, float(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return min(MAX_PAUSE_SECONDS, max(0.0, moment.timestamp() - time.time()))
