"""`XpmSandbox`: the sandbox as a threaded HTTP server on loopback, for tests, demos and the CLI."""

import time
from collections.abc import Iterable
from datetime import UTC, datetime

from sandbox.serving import ServedInThread
from sandbox.xpm.app import XpmApp
from sandbox.xpm.clock import Clock
from sandbox.xpm.faults import FaultSwitchboard
from sandbox.xpm.identity import App, IdentityService, Organisation, User
from sandbox.xpm.limits import RateLimiter
from sandbox.xpm.seed import pools_build, practice_seed, tenant_id_for
from sandbox.xpm.stats import Stats
from sandbox.xpm.store import PracticeStore

DEFAULT_CLIENT_ID = "tandem-sandbox"
DEFAULT_CLIENT_SECRET = "tandem-sandbox-secret"  # noqa: S105 - a published demo secret
DEFAULT_REDIRECT_URI = "http://127.0.0.1:8000/addons/xpm/callback/"
DEFAULT_USER_EMAIL = "practice@xpm.example.com"
DEFAULT_USER_PASSWORD = "xpm-sandbox"  # noqa: S105 - the documented demo sign-in
PRACTICE_NAME = "Harbour Accounting"
TRAINING_PRACTICE_NAME = "Harbour Accounting Training"
TRAINING_CLIENTS = 25


class XpmSandbox(ServedInThread):
    """Xero identity and Practice Manager v3.1 with seeded practices, on a loopback port.

    Two organisations: "Harbour Accounting" with `clients` clients and "Harbour Accounting
    Training" with a few. The seeded user `practice@xpm.example.com` (password `xpm-sandbox`)
    may connect both.
    """

    thread_name = "xpm-sandbox"

    def __init__(
        self,
        *,
        clients: int = 300,
        seed: int = 1,
        rate_limits: bool = True,
        client_id: str = DEFAULT_CLIENT_ID,
        client_secret: str = DEFAULT_CLIENT_SECRET,
        redirect_uris: Iterable[str] = (DEFAULT_REDIRECT_URI,),
        access_token_seconds: int = 1800,
        clock: Clock = time.time,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.host = host
        self.port = port
        self.clock = clock
        pools = pools_build(seed)
        self.tenant_id = tenant_id_for(seed, 0)
        self.training_tenant_id = tenant_id_for(seed, 1)
        self.stores: dict[str, PracticeStore] = {
            self.tenant_id: practice_seed(seed=seed, clients=clients, pools=pools),
            self.training_tenant_id: practice_seed(
                seed=seed + 1, clients=min(clients, TRAINING_CLIENTS), pools=pools
            ),
        }
        for store in self.stores.values():
            # Serialise every client now, so the first pass through the pages is as quick as
            # the later ones (100,000 clients take a couple of seconds).
            store.json_warm()
        organisations = {
            self.tenant_id: Organisation(self.tenant_id, PRACTICE_NAME),
            self.training_tenant_id: Organisation(self.training_tenant_id, TRAINING_PRACTICE_NAME),
        }
        self.identity = IdentityService(
            app=App(client_id, client_secret, tuple(redirect_uris)),
            organisations=organisations,
            users={
                DEFAULT_USER_EMAIL: User(
                    email=DEFAULT_USER_EMAIL,
                    password=DEFAULT_USER_PASSWORD,
                    name="Harbour Practice",
                    tenant_ids=tuple(organisations),
                )
            },
            clock=clock,
            access_token_seconds=access_token_seconds,
        )
        self.switchboard = FaultSwitchboard()
        self.limiter = RateLimiter(clock=clock, enabled=rate_limits)
        self._stats = Stats()
        self.app = XpmApp(
            identity=self.identity,
            practices=self.stores,
            switchboard=self.switchboard,
            limiter=self.limiter,
            stats=self._stats,
            clock=clock,
        )

    # Where things are

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def authorize_url(self) -> str:
        return f"{self.base_url}/identity/connect/authorize"

    @property
    def token_url(self) -> str:
        return f"{self.base_url}/connect/token"

    @property
    def connections_url(self) -> str:
        return f"{self.base_url}/connections"

    @property
    def api_base(self) -> str:
        return f"{self.base_url}/practicemanager/"

    @property
    def store(self) -> PracticeStore:
        """The main practice's data ("Harbour Accounting")."""
        return self.stores[self.tenant_id]

    # Controls

    def set_fault(self, name: str, **params) -> None:
        """Switch a fault on; `times=N` limits it to N requests, `path=` to matching paths."""
        self.switchboard.set(name, **params)

    def clear_faults(self) -> None:
        self.switchboard.clear()

    @property
    def stats(self) -> dict:
        return self._stats.snapshot()

    def reset_stats(self) -> None:
        self._stats.reset()

    def consent_code(
        self,
        *,
        redirect_uri: str | None = None,
        scope: str = "openid profile email offline_access practicemanager.client",
        tenant_ids: Iterable[str] | None = None,
        code_challenge: str | None = None,
    ) -> str:
        """An authorization code as if the seeded user had consented in the browser."""
        request = self.identity.authorize_request_start(
            client_id=self.identity.app.client_id,
            redirect_uri=redirect_uri or self.identity.app.redirect_uris[0],
            scope=scope,
            state=None,
            code_challenge=code_challenge,
        )
        request.user_email = DEFAULT_USER_EMAIL
        chosen = list(tenant_ids) if tenant_ids is not None else [self.tenant_id]
        return self.identity.consent_grant(request, chosen)

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock(), UTC)
