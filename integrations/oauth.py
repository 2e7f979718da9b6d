"""Tandem as an OAuth 2.0 client (RFC 6749 authorization code with PKCE, RFC 7636).

The standard parts live here; a provider subclasses `OAuthClient` for how it lists the accounts
an authorisation reaches and how one is revoked.
"""

import base64
import hashlib
import secrets
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import httpx
from django.utils import timezone

from integrations.exceptions import (
    AuthorisationExpired,
    AuthorisationFailed,
    BadResponse,
    ProviderUnavailable,
    RequestRejected,
)

TIMEOUT = httpx.Timeout(20.0, connect=5.0)


@dataclass(frozen=True)
class TokenSet:
    access_token: str
    refresh_token: str
    expires_at: datetime


@dataclass(frozen=True)
class ExternalAccount:
    """An account an authorisation reaches: `id` is what API calls name (e.g. a tenant id)."""

    id: str
    name: str
    provider_connection_id: str = ""


def pkce_pair() -> tuple[str, str]:
    """A PKCE code verifier and its S256 challenge."""
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).decode().rstrip("=")


class OAuthClient(ABC):
    # How often to send a refresh again when its answer was lost: the provider may already have
    # rotated the token, and accepts the old one again for a while (Xero: 30 minutes).
    REFRESH_ATTEMPTS = 3
    REFRESH_BACKOFF_SECONDS = 1.0

    def __init__(
        self,
        *,
        provider: str,
        client_id: str,
        client_secret: str,
        authorize_url: str,
        token_url: str,
        scopes: tuple[str, ...],
        http: httpx.Client | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ):
        self.provider = provider
        self.client_id = client_id
        self.client_secret = client_secret
        self.authorize_endpoint = authorize_url
        self.token_url = token_url
        self.scopes = scopes
        self.http = http or httpx.Client(timeout=TIMEOUT)
        self.sleep = sleep

    def authorize_url(self, *, redirect_uri: str, state: str, code_challenge: str) -> str:
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self.client_id,
                "redirect_uri": redirect_uri,
                "scope": " ".join(self.scopes),
                "state": state,
                "code_challenge": code_challenge,
                "code_challenge_method": "S256",
            }
        )
        return f"{self.authorize_endpoint}?{query}"

    def exchange_code(self, *, code: str, redirect_uri: str, code_verifier: str) -> TokenSet:
        """Codes are single-use, so a lost answer is not retried: the person starts again."""
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        }
        try:
            return self._token_request(form)
        except (AuthorisationExpired, RequestRejected) as error:
            raise AuthorisationFailed(
                f"{self.provider} did not accept the authorisation, so nothing was connected. "
                "Please start again."
            ) from error
        except (ProviderUnavailable, BadResponse) as error:
            raise AuthorisationFailed(
                f"{self.provider} did not complete the authorisation: {error.detail}. "
                "Nothing was connected; please start again."
            ) from error

    def refresh(self, refresh_token: str) -> TokenSet:
        """New tokens for `refresh_token`; AuthorisationExpired when the provider refuses it."""
        form = {"grant_type": "refresh_token", "refresh_token": refresh_token}
        attempt = 1
        while True:
            try:
                return self._token_request(form)
            except ProviderUnavailable:
                if attempt == self.REFRESH_ATTEMPTS:
                    raise
                self.sleep(self.REFRESH_BACKOFF_SECONDS * 2 ** (attempt - 1))
                attempt += 1

    def _token_request(self, form: dict[str, str]) -> TokenSet:
        try:
            response = self.http.post(
                self.token_url, data=form, auth=(self.client_id, self.client_secret)
            )
        except httpx.TransportError as error:
            raise ProviderUnavailable(self.provider, detail="no answer from sign-in") from error
        if response.status_code >= 500:
            raise ProviderUnavailable(
                self.provider, detail=f"sign-in answered HTTP {response.status_code}"
            )
        body = self._json(response)
        if response.status_code != 200:
            error = body.get("error") if isinstance(body, dict) else None
            if error == "invalid_grant":
                raise AuthorisationExpired(self.provider)
            raise RequestRejected(self.provider, detail=f"sign-in answered {error or 'an error'}")
        try:
            return TokenSet(
                access_token=_text(body["access_token"]),
                refresh_token=_text(body.get("refresh_token") or form.get("refresh_token", "")),
                expires_at=timezone.now() + timedelta(seconds=int(body["expires_in"])),
            )
        except (KeyError, TypeError, ValueError) as error:
            raise BadResponse(self.provider, detail="the tokens were incomplete") from error

    def _json(self, response: httpx.Response) -> Any:
        try:
            return response.json()
        except ValueError as error:
            raise BadResponse(self.provider, detail="sign-in answer was not JSON") from error

    @abstractmethod
    def accounts(self, access_token: str) -> list[ExternalAccount]:
        """The accounts this authorisation reaches."""

    @abstractmethod
    def account_revoke(self, *, access_token: str, provider_connection_id: str) -> None:
        """Ask the provider to forget the authorisation of one account."""

    def close(self) -> None:
        self.http.close()


def _text(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise ValueError("expected a non-empty string")
    return value
