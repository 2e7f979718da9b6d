"""The CMS as a relying party of Tandem: OpenID Connect sign-in and account registration.

Authorization code flow with PKCE (S256) through Authlib's client, the id_token checked with
Tandem's JWKS (signature, iss, aud, exp, nonce), then `POST {tandem}/cms/accounts/` with the
access token for every account being connected.
"""

import secrets
import threading
import warnings
from dataclasses import dataclass, field

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from joserfc import jws, jwt
from joserfc.errors import JoseError

from sandbox.cms.feed_auth import LEEWAY_SECONDS, JwksCache
from sandbox.xpm.clock import Clock

with warnings.catch_warnings():
    # Authlib 1.9 would rather use its httpx2 fork; Tandem's pinned HTTP client is httpx.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.httpx_client import OAuth2Client

SCOPE = "openid email profile connect"
TIMEOUT_SECONDS = 10.0


class TandemError(Exception):
    """Tandem could not be reached, refused, or answered something this CMS cannot trust."""


@dataclass(frozen=True)
class AuthorizationStart:
    url: str
    state: str
    code_verifier: str
    nonce: str


@dataclass
class TandemGrant:
    """The tokens of one authorization, shared by the accounts it connected: Tandem rotates
    refresh tokens, so each refresh must be seen by all of them."""

    access_token: str
    refresh_token: str | None
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


@dataclass(frozen=True)
class TandemIdentity:
    """Who Tandem says signed in, from a verified id_token (and userinfo if it lacks the email)."""

    sub: str
    email: str
    email_verified: bool
    name: str
    grant: TandemGrant


class TandemClient:
    def __init__(
        self,
        *,
        tandem_url: str,
        client_id: str,
        client_secret: str,
        redirect_uri: str,
        clock: Clock,
    ) -> None:
        self.tandem_url = tandem_url.rstrip("/")
        self.client_id = client_id
        self.client_secret = client_secret
        self.redirect_uri = redirect_uri
        self.clock = clock
        self._lock = threading.Lock()
        self._discovery: dict | None = None
        self.keys = JwksCache(self._jwks_fetch, clock=clock)

    # Discovery

    def discovery(self) -> dict:
        # Fetched when first needed: the sandbox may start before Tandem does.
        with self._lock:
            if self._discovery is None:
                self._discovery = _get_json(f"{self.tandem_url}/.well-known/openid-configuration")
            return self._discovery

    def issuer(self) -> str:
        return self.discovery()["issuer"]

    def _jwks_fetch(self) -> dict:
        return _get_json(self.discovery()["jwks_uri"])

    # The authorization code flow

    def _oauth(self) -> OAuth2Client:
        return OAuth2Client(
            client_id=self.client_id,
            client_secret=self.client_secret,
            scope=SCOPE,
            redirect_uri=self.redirect_uri,
            code_challenge_method="S256",
            timeout=TIMEOUT_SECONDS,
        )

    def authorization_start(self) -> AuthorizationStart:
        verifier = secrets.token_urlsafe(48)
        nonce = secrets.token_urlsafe(16)
        with self._oauth() as oauth:
            url, state = oauth.create_authorization_url(
                self.discovery()["authorization_endpoint"],
                state=secrets.token_urlsafe(16),
                code_verifier=verifier,
                nonce=nonce,
            )
        return AuthorizationStart(url=url, state=state, code_verifier=verifier, nonce=nonce)

    def authorization_finish(self, *, code: str, start: AuthorizationStart) -> TandemIdentity:
        """Exchange the code, verify the id_token and say who signed in."""
        discovery = self.discovery()
        with self._oauth() as oauth:
            try:
                token = oauth.fetch_token(
                    discovery["token_endpoint"], code=code, code_verifier=start.code_verifier
                )
            except Exception as error:  # Authlib raises its own OAuthError or httpx errors
                raise TandemError(f"Tandem did not exchange the code: {error}") from None
        if "id_token" not in token:
            raise TandemError("Tandem's token answer has no id_token; is the scope openid?")
        claims = self.id_token_verify(token["id_token"], nonce=start.nonce)
        if "email" not in claims and discovery.get("userinfo_endpoint"):
            claims = self._userinfo(token["access_token"], claims)
        return TandemIdentity(
            sub=claims["sub"],
            email=claims.get("email", ""),
            email_verified=claims.get("email_verified") is True,
            name=claims.get("name", ""),
            grant=TandemGrant(token["access_token"], token.get("refresh_token")),
        )

    def id_token_verify(self, id_token: str, *, nonce: str) -> dict:
        try:
            kid = jws.extract_compact(id_token.encode()).headers().get("kid")
            decoded = jwt.decode(id_token, self.keys.keys_for(kid), algorithms=["RS256"])
            jwt.JWTClaimsRegistry(
                now=lambda: int(self.clock()),
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.issuer()},
                aud={"essential": True, "value": self.client_id},
                sub={"essential": True},
                exp={"essential": True},
                nonce={"essential": True, "value": nonce},
            ).validate(decoded.claims)
        except (JoseError, ValueError) as error:
            raise TandemError(f"Tandem's id_token was refused: {error}") from None
        return decoded.claims

    def _userinfo(self, access_token: str, claims: dict) -> dict:
        info = _get_json(self.discovery()["userinfo_endpoint"], headers=_bearer(access_token))
        if info.get("sub") != claims["sub"]:
            raise TandemError("Tandem's userinfo names another person than the id_token.")
        return info | claims

    # Connected accounts

    def account_register(self, *, grant: TandemGrant, account_id: str, account_name: str) -> str:
        """Tell Tandem this account is connected; its connection id."""
        response = self._authorised_call(
            grant,
            "POST",
            f"{self.tandem_url}/cms/accounts/",
            json={"account_id": account_id, "account_name": account_name},
        )
        if response.status_code not in (200, 201):
            raise TandemError(_refusal(response, "register the account"))
        connection_id = _json(response).get("connection_id")
        if not connection_id:
            raise TandemError("Tandem's answer has no connection_id.")
        return str(connection_id)

    def account_unregister(self, *, grant: TandemGrant, account_id: str) -> None:
        response = self._authorised_call(
            grant, "DELETE", f"{self.tandem_url}/cms/accounts/{account_id}/"
        )
        if response.status_code not in (204, 404):
            raise TandemError(_refusal(response, "disconnect the account"))

    def _authorised_call(self, grant: TandemGrant, method: str, url: str, **kwargs):
        """The call with the grant's access token, refreshed once if Tandem says it expired."""
        with grant.lock:
            response = _call(method, url, headers=_bearer(grant.access_token), **kwargs)
            if response.status_code != 401 or not grant.refresh_token:
                return response
            self._refresh(grant)
            return _call(method, url, headers=_bearer(grant.access_token), **kwargs)

    def _refresh(self, grant: TandemGrant) -> None:
        with self._oauth() as oauth:
            try:
                token = oauth.refresh_token(
                    self.discovery()["token_endpoint"], refresh_token=grant.refresh_token
                )
            except Exception as error:  # Authlib raises its own OAuthError or httpx errors
                raise TandemError(f"Tandem did not refresh the access token: {error}") from None
        grant.access_token = token["access_token"]
        grant.refresh_token = token.get("refresh_token", grant.refresh_token)


def _call(method: str, url: str, **kwargs) -> httpx.Response:
    try:
        return httpx.request(method, url, timeout=TIMEOUT_SECONDS, **kwargs)
    except httpx.HTTPError as error:
        raise TandemError(f"Tandem could not be reached at {url}: {error}") from None


def _get_json(url: str, headers: dict[str, str] | None = None) -> dict:
    response = _call("GET", url, headers=headers)
    if response.status_code != 200:
        raise TandemError(f"{url} answered {response.status_code}.")
    return _json(response)


def _json(response: httpx.Response) -> dict:
    try:
        value = response.json()
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise TandemError(f"{response.request.url} answered something that is not a JSON object.")
    return value


def _bearer(access_token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {access_token}"}


def _refusal(response: httpx.Response, what: str) -> str:
    try:
        detail = response.json().get("detail", "")
    except ValueError:
        detail = ""
    return f"Tandem would not {what} ({response.status_code}){': ' + detail if detail else ''}."
