"""Verifying the JWTs Tandem signs for its client-feed calls, as the contract requires.

RS256 only, `iss` = Tandem's issuer, `aud` = this CMS's client id, `sub` and `account_id`
present, at most five minutes between `iat` and `exp`, 60 seconds of clock skew. Keys come
from Tandem's JWKS and are cached; a token naming an unknown `kid` fetches them again, at most
once a minute, so a stream of bad tokens cannot turn the CMS against Tandem.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet

from sandbox.xpm.clock import Clock

MAX_LIFETIME_SECONDS = 300
LEEWAY_SECONDS = 60
REFETCH_INTERVAL_SECONDS = 60


class FeedAuthError(Exception):
    """The token is missing, malformed, wrongly signed, expired or not meant for this CMS."""


@dataclass(frozen=True)
class FeedCaller:
    tandem_sub: str
    account_id: str


class JwksCache:
    """Tandem's signing keys, fetched with `fetch` when first needed and on an unknown kid."""

    def __init__(self, fetch: Callable[[], dict], *, clock: Clock) -> None:
        self._fetch = fetch
        self._clock = clock
        self._lock = threading.Lock()
        self._keys: KeySet | None = None
        self._fetched_at: float | None = None
        self.fetches = 0

    def keys_for(self, kid: str | None) -> KeySet:
        with self._lock:
            if self._keys is None or (
                kid is not None and not self._has(kid) and self._may_refetch()
            ):
                self._keys = KeySet.import_key_set(self._fetch())
                self._fetched_at = self._clock()
                self.fetches += 1
            return self._keys

    def _has(self, kid: str) -> bool:
        return any(key.kid == kid for key in self._keys.keys)

    def _may_refetch(self) -> bool:
        return self._clock() - self._fetched_at >= REFETCH_INTERVAL_SECONDS


class FeedTokenVerifier:
    def __init__(
        self,
        *,
        audience: str,
        issuer: Callable[[], str],
        keys: JwksCache,
        clock: Clock,
    ) -> None:
        self.audience = audience
        self.issuer = issuer
        self.keys = keys
        self.clock = clock

    def verify(self, authorization: str) -> FeedCaller:
        scheme, _, token = authorization.partition(" ")
        token = token.strip()
        if scheme.lower() != "bearer" or not token:
            raise FeedAuthError("Send Authorization: Bearer <JWT signed by Tandem>.")
        try:
            header = jws.extract_compact(token.encode()).headers()
            decoded = jwt.decode(token, self.keys.keys_for(header.get("kid")), algorithms=["RS256"])
            claims = decoded.claims
            jwt.JWTClaimsRegistry(
                now=lambda: int(self.clock()),
                leeway=LEEWAY_SECONDS,
                iss={"essential": True, "value": self.issuer()},
                aud={"essential": True, "value": self.audience},
                sub={"essential": True},
                iat={"essential": True},
                exp={"essential": True},
                account_id={"essential": True},
            ).validate(claims)
        except (JoseError, ValueError) as error:
            raise FeedAuthError(f"The token was refused: {error}") from None
        if claims["exp"] - claims["iat"] > MAX_LIFETIME_SECONDS:
            raise FeedAuthError("The token lives longer than five minutes.")
        if not isinstance(claims["account_id"], str) or not isinstance(claims["sub"], str):
            raise FeedAuthError("The token's sub and account_id must be strings.")
        return FeedCaller(tandem_sub=claims["sub"], account_id=claims["account_id"])
