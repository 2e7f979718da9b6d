"""Xero identity as this sandbox plays it: users, consent, codes, tokens and connections.

Rules follow Xero's published behaviour: codes are single-use and live five minutes, access
tokens live `access_token_seconds`, refresh tokens (scope `offline_access`) are single-use and
rotate, a rotated refresh token may be retried for 30 minutes when its answer was lost, and an
unused refresh token expires after 60 days.
"""

import base64
import hashlib
import secrets
import threading
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime

from sandbox.xpm.clock import Clock

CODE_SECONDS = 5 * 60
AUTHORIZE_REQUEST_SECONDS = 30 * 60
REFRESH_RETRY_SECONDS = 30 * 60
REFRESH_TOKEN_SECONDS = 60 * 24 * 60 * 60
KNOWN_SCOPES = frozenset(
    {
        "openid",
        "profile",
        "email",
        "offline_access",
        "practicemanager",
        "practicemanager.read",
        "practicemanager.client",
        "practicemanager.client.read",
        "practicemanager.job",
        "practicemanager.job.read",
        "practicemanager.time",
        "practicemanager.time.read",
    }
)
CONNECTION_NAMESPACE = uuid.UUID("0b6a1d2e-3c4f-4a5b-8c6d-7e8f9a0b1c2d")


class TokenError(Exception):
    """An OAuth error answered as `{"error": code}` with HTTP 400."""

    def __init__(self, code: str, description: str) -> None:
        super().__init__(description)
        self.code = code
        self.description = description


@dataclass(frozen=True)
class Organisation:
    tenant_id: str
    name: str


@dataclass(frozen=True)
class User:
    email: str
    password: str
    name: str
    tenant_ids: tuple[str, ...]


@dataclass
class AuthorizeRequest:
    id: str
    client_id: str
    redirect_uri: str
    scope: str
    state: str | None
    code_challenge: str | None
    created: float
    user_email: str | None = None


@dataclass
class Grant:
    """What a person allowed at one consent: the organisations and the scope."""

    id: str
    client_id: str
    user_email: str
    tenant_ids: tuple[str, ...]
    scope: str
    auth_event_id: str


@dataclass
class AuthorizationCode:
    code: str
    grant: Grant
    redirect_uri: str
    code_challenge: str | None
    expires: float


@dataclass
class AccessToken:
    token: str
    grant: Grant
    expires: float
    revoked: bool = False


@dataclass
class RefreshToken:
    token: str
    grant: Grant
    expires: float
    access_token: str
    rotated_at: float | None = None
    successor: str | None = None
    revoked: bool = False


@dataclass
class Connection:
    id: str
    client_id: str
    user_email: str
    tenant_id: str
    tenant_name: str
    auth_event_id: str
    created: datetime
    updated: datetime

    def dto(self) -> dict:
        return {
            "id": self.id,
            "authEventId": self.auth_event_id,
            "tenantId": self.tenant_id,
            "tenantType": "PRACTICEMANAGER",
            "tenantName": self.tenant_name,
            "createdDateUtc": _utc_text(self.created),
            "updatedDateUtc": _utc_text(self.updated),
        }


@dataclass
class App:
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]


@dataclass
class IdentityService:
    app: App
    organisations: dict[str, Organisation]
    users: dict[str, User]
    clock: Clock
    access_token_seconds: int = 1800
    lock: threading.Lock = field(default_factory=threading.Lock)
    requests: dict[str, AuthorizeRequest] = field(default_factory=dict)
    codes: dict[str, AuthorizationCode] = field(default_factory=dict)
    access_tokens: dict[str, AccessToken] = field(default_factory=dict)
    refresh_tokens: dict[str, RefreshToken] = field(default_factory=dict)
    connections: dict[str, Connection] = field(default_factory=dict)

    # The authorize page

    def authorize_request_start(
        self,
        *,
        client_id: str,
        redirect_uri: str,
        scope: str,
        state: str | None,
        code_challenge: str | None,
    ) -> AuthorizeRequest:
        request = AuthorizeRequest(
            id=secrets.token_urlsafe(16),
            client_id=client_id,
            redirect_uri=redirect_uri,
            scope=scope,
            state=state,
            code_challenge=code_challenge,
            created=self.clock(),
        )
        with self.lock:
            self.requests[request.id] = request
        return request

    def authorize_request_get(self, request_id: str) -> AuthorizeRequest | None:
        request = self.requests.get(request_id)
        if request is None or self.clock() - request.created > AUTHORIZE_REQUEST_SECONDS:
            return None
        return request

    def user_authenticate(self, email: str, password: str) -> User | None:
        user = self.users.get(email.strip().lower())
        if user is None or not secrets.compare_digest(user.password, password):
            return None
        return user

    def consent_grant(self, request: AuthorizeRequest, tenant_ids: list[str]) -> str:
        """Record the organisations a person allowed and return the authorization code."""
        now = self.clock()
        auth_event_id = str(uuid.uuid4())
        grant = Grant(
            id=secrets.token_urlsafe(12),
            client_id=request.client_id,
            user_email=request.user_email or "",
            tenant_ids=tuple(tenant_ids),
            scope=request.scope,
            auth_event_id=auth_event_id,
        )
        code = AuthorizationCode(
            code=secrets.token_urlsafe(32),
            grant=grant,
            redirect_uri=request.redirect_uri,
            code_challenge=request.code_challenge,
            expires=now + CODE_SECONDS,
        )
        stamp = datetime.fromtimestamp(now, UTC)
        with self.lock:
            self.requests.pop(request.id, None)
            self.codes[code.code] = code
            for tenant_id in tenant_ids:
                self._connection_upsert(grant, tenant_id, auth_event_id, stamp)
        return code.code

    def _connection_upsert(
        self, grant: Grant, tenant_id: str, auth_event_id: str, stamp: datetime
    ) -> None:
        connection_id = str(
            uuid.uuid5(CONNECTION_NAMESPACE, f"{grant.client_id}:{grant.user_email}:{tenant_id}")
        )
        existing = self.connections.get(connection_id)
        if existing is not None:
            existing.updated = stamp
            existing.auth_event_id = auth_event_id
            return
        self.connections[connection_id] = Connection(
            id=connection_id,
            client_id=grant.client_id,
            user_email=grant.user_email,
            tenant_id=tenant_id,
            tenant_name=self.organisations[tenant_id].name,
            auth_event_id=auth_event_id,
            created=stamp,
            updated=stamp,
        )

    # The token endpoint

    def client_authenticate(self, client_id: str | None, client_secret: str | None) -> None:
        if (
            client_id != self.app.client_id
            or client_secret is None
            or not secrets.compare_digest(client_secret, self.app.client_secret)
        ):
            raise TokenError("invalid_client", "Unknown client or wrong client secret.")

    def code_exchange(
        self, *, code: str, redirect_uri: str | None, code_verifier: str | None
    ) -> dict:
        with self.lock:
            issued = self.codes.pop(code, None)
            if issued is None or issued.expires <= self.clock():
                raise TokenError("invalid_grant", "The code is unknown, used or expired.")
            if redirect_uri != issued.redirect_uri:
                raise TokenError("invalid_grant", "redirect_uri differs from the authorize call.")
            if issued.code_challenge is not None and not _pkce_matches(
                issued.code_challenge, code_verifier
            ):
                raise TokenError("invalid_grant", "code_verifier does not match code_challenge.")
            return self._tokens_issue(issued.grant)

    def refresh(self, refresh_token: str) -> dict:
        """Rotate a refresh token; retrying a rotated one replaces the pair its answer held."""
        now = self.clock()
        with self.lock:
            current = self.refresh_tokens.get(refresh_token)
            if current is None or current.revoked or current.expires <= now:
                raise TokenError("invalid_grant", "The refresh token is unknown or expired.")
            if current.rotated_at is not None:
                self._rotated_retry_check(current, now)
                self._pair_revoke(current.successor)
            tokens = self._tokens_issue(current.grant)
            current.successor = tokens["refresh_token"]
            if current.rotated_at is None:
                current.rotated_at = now
            return tokens

    def _rotated_retry_check(self, rotated: RefreshToken, now: float) -> None:
        successor = self.refresh_tokens.get(rotated.successor or "")
        # A successor that was itself used proves its answer arrived: nothing was lost.
        if now - (rotated.rotated_at or now) > REFRESH_RETRY_SECONDS or (
            successor is not None and successor.rotated_at is not None
        ):
            raise TokenError("invalid_grant", "The refresh token was already used.")

    def _pair_revoke(self, refresh_token: str | None) -> None:
        issued = self.refresh_tokens.get(refresh_token or "")
        if issued is None:
            return
        issued.revoked = True
        access = self.access_tokens.get(issued.access_token)
        if access is not None:
            access.revoked = True

    def _tokens_issue(self, grant: Grant) -> dict:
        now = self.clock()
        access = AccessToken(
            token=secrets.token_urlsafe(48),
            grant=grant,
            expires=now + self.access_token_seconds,
        )
        self.access_tokens[access.token] = access
        answer = {
            "access_token": access.token,
            "expires_in": self.access_token_seconds,
            "token_type": "Bearer",
            "scope": grant.scope,
        }
        if "offline_access" in grant.scope.split():
            refresh = RefreshToken(
                token=secrets.token_urlsafe(48),
                grant=grant,
                expires=now + REFRESH_TOKEN_SECONDS,
                access_token=access.token,
            )
            self.refresh_tokens[refresh.token] = refresh
            answer["refresh_token"] = refresh.token
        return answer

    # Bearer checks

    def access_token_get(self, token: str) -> AccessToken | None:
        access = self.access_tokens.get(token)
        if access is None or access.revoked or access.expires <= self.clock():
            return None
        return access

    def connections_for(self, access: AccessToken) -> list[Connection]:
        grant = access.grant
        with self.lock:
            return [
                connection
                for connection in self.connections.values()
                if connection.client_id == grant.client_id
                and connection.user_email == grant.user_email
                and connection.tenant_id in grant.tenant_ids
            ]

    def tenant_reachable(self, access: AccessToken, tenant_id: str) -> bool:
        return any(c.tenant_id == tenant_id for c in self.connections_for(access))

    def connection_delete(self, access: AccessToken, connection_id: str) -> bool:
        with self.lock:
            connection = self.connections.get(connection_id)
            if (
                connection is None
                or connection.client_id != access.grant.client_id
                or connection.user_email != access.grant.user_email
            ):
                return False
            del self.connections[connection_id]
            return True


def _pkce_matches(challenge: str, verifier: str | None) -> bool:
    if not verifier:
        return False
    digest = hashlib.sha256(verifier.encode()).digest()
    computed = base64.urlsafe_b64encode(digest).decode().rstrip("=")
    return secrets.compare_digest(computed, challenge)


def _utc_text(value: datetime) -> str:
    # Xero writes seven fraction digits and, in practice, no offset; the spec's date-time
    # format needs one, so the sandbox adds "Z". Clients should accept both.
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f0Z")
