"""`CmsSandbox`: the reference CMS as a threaded HTTP server on loopback, for tests and demos."""

import time
from datetime import UTC, datetime
from typing import Self

import httpx

from sandbox.cms.app import CmsApp
from sandbox.cms.faults import FaultSwitchboard
from sandbox.cms.feed_auth import FeedTokenVerifier, JwksCache
from sandbox.cms.seed import (
    CARER_EMAIL,
    SANDBOX_PASSWORD,
    TANDEM_DEMO_ADMIN_EMAIL,
    cms_seed,
)
from sandbox.cms.store import Account, Client, CmsStore, Connection
from sandbox.cms.tandem import TandemClient, TandemError
from sandbox.serving import ServedInThread
from sandbox.xpm.clock import Clock

DEFAULT_PORT = 8102
DEFAULT_TANDEM_URL = "http://127.0.0.1:8000"
DEFAULT_CLIENT_ID = "carecloud-cms-sandbox"
DEFAULT_CLIENT_SECRET = "carecloud-cms-sandbox-secret"  # noqa: S105 - a published demo secret

__all__ = ["CARER_EMAIL", "SANDBOX_PASSWORD", "TANDEM_DEMO_ADMIN_EMAIL", "CmsSandbox"]


class CmsSandbox(ServedInThread):
    """CareCloud, a reference CMS that connects to Tandem and serves the client feed.

    Three accounts of `clients` clients each. `admin@demo.tandem.example` (Tandem's demo admin)
    administers the first two, `carer@cms.example` the third; both sign in with `cms-sandbox`.

    The feed trusts Tandem's keys and issuer from its discovery document, unless `feed_jwks`
    (a JWKS dict, for tests that sign their own tokens) or `jwks_url` is given, with
    `feed_issuer`.
    """

    thread_name = "cms-sandbox"

    def __init__(
        self,
        *,
        tandem_url: str = DEFAULT_TANDEM_URL,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        clients: int = 40,
        seed: int = 1,
        feed_jwks: dict | None = None,
        jwks_url: str | None = None,
        feed_issuer: str | None = None,
        clock: Clock = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        if (feed_jwks is not None or jwks_url is not None) != (feed_issuer is not None):
            raise ValueError("Give feed_issuer together with feed_jwks or jwks_url, or neither.")
        if feed_jwks is not None and jwks_url is not None:
            raise ValueError("Give feed_jwks or jwks_url, not both.")
        self.host = host
        self.port = port
        self.clock = clock
        seeded = cms_seed(seed=seed, clients_per_account=clients)
        self.store = CmsStore(
            users=seeded.users, accounts=seeded.accounts, clients=seeded.clients, clock=clock
        )
        self.tandem = TandemClient(
            tandem_url=tandem_url,
            client_id=client_id,
            client_secret=client_secret,
            redirect_uri="",  # known once the port is
            clock=clock,
        )
        self.feed_verifier = FeedTokenVerifier(
            audience=client_id,
            issuer=(lambda: feed_issuer) if feed_issuer is not None else self.tandem.issuer,
            keys=self._feed_keys(feed_jwks, jwks_url),
            clock=clock,
        )
        self.switchboard = FaultSwitchboard()
        self.app = CmsApp(
            store=self.store,
            tandem=self.tandem,
            feed_verifier=self.feed_verifier,
            switchboard=self.switchboard,
            clock=clock,
        )

    def _feed_keys(self, feed_jwks: dict | None, jwks_url: str | None) -> JwksCache:
        if feed_jwks is not None:
            return JwksCache(lambda: feed_jwks, clock=self.clock)
        if jwks_url is not None:

            def fetch() -> dict:
                try:
                    return httpx.get(jwks_url, timeout=10).raise_for_status().json()
                except (httpx.HTTPError, ValueError) as error:
                    raise TandemError(f"No keys from {jwks_url}: {error}") from None

            return JwksCache(fetch, clock=self.clock)
        # The same keys sign Tandem's id_tokens and its feed tokens.
        return self.tandem.keys

    # Running

    def start(self) -> Self:
        super().start()
        # The CMS's own address is known once the port is.
        self.tandem.redirect_uri = self.redirect_uri
        return self

    # Where things are

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def redirect_uri(self) -> str:
        return f"{self.url}/oauth/callback"

    @property
    def feed_url(self) -> str:
        return f"{self.url}/feed"

    # Data

    @property
    def accounts(self) -> list[Account]:
        return list(self.store.accounts.values())

    def account_named(self, name: str) -> Account:
        return next(account for account in self.accounts if account.name == name)

    def clients(self, account_id: str) -> list[Client]:
        """The account's clients in feed order, archived ones included."""
        return self.store.clients(account_id)

    def client_add(self, account_id: str, *, kind: str, display_name: str, **fields) -> Client:
        return self.store.client_add(account_id, kind=kind, display_name=display_name, **fields)

    def client_update(self, account_id: str, client_id: str, **changes) -> Client:
        return self.store.client_update(account_id, client_id, **changes)

    def client_archive(self, account_id: str, client_id: str, *, archived: bool = True) -> Client:
        return self.store.client_archive(account_id, client_id, archived=archived)

    # Connections

    @property
    def connections(self) -> dict[str, Connection]:
        return dict(self.store.connections)

    def connection_record(
        self, *, account_id: str, tandem_sub: str, connection_id: str = "test"
    ) -> None:
        """Mark an account connected to the Tandem user `tandem_sub`, as if the flow had run."""
        self.store.connection_record(
            Connection(
                account_id=account_id,
                tandem_sub=tandem_sub,
                connection_id=connection_id,
                connected_by="(test)",
                connected_at=self.now(),
            )
        )

    def connection_forget(self, account_id: str) -> None:
        """Forget a connection here only, as if revoked in the CMS without telling Tandem."""
        self.store.connection_forget(account_id)

    # Controls

    def set_fault(self, name: str, **params) -> None:
        """Switch a feed fault on; `times=N` limits it to N requests, `path=` to matching paths."""
        self.switchboard.set(name, **params)

    def clear_faults(self) -> None:
        self.switchboard.clear()

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)
