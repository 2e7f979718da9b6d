"""What the benchmarks share: measuring in a process of their own, against a database made for
them, and connecting a firm to the XPM sandbox through Tandem's own services."""

import json
import multiprocessing
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATA_DIR = ROOT / "var" / "bench"
CALLBACK = "http://127.0.0.1:8000/addons/xpm/callback/"


def sqlite_database_fresh(name: str) -> str:
    """The URL of an empty SQLite database under var/bench (any earlier one removed)."""
    BENCH_DATA_DIR.mkdir(parents=True, exist_ok=True)
    for leftover in BENCH_DATA_DIR.glob(f"{name}.sqlite3*"):
        leftover.unlink()
    return f"sqlite:///{BENCH_DATA_DIR / name}.sqlite3"


def measured_in_own_process(module: str, *, database_url: str) -> dict[str, float]:
    """Run `python -m module` with its settings pointed at `database_url`; the figures it
    prints last, as JSON."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tandem.settings"}
    measured = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(measured.stdout.strip().splitlines()[-1])


class XpmSandboxProcess:
    """The XPM sandbox in a process of its own, as XPM is a server of its own: the process
    measured neither serves its requests nor holds its records. Its addresses, the number of
    live clients it lists, consent for a connection and its rate-limit switch are asked of it
    over a pipe."""

    def __init__(self, **options):
        context = multiprocessing.get_context("spawn")
        self._pipe, child_end = context.Pipe()
        self._process = context.Process(
            target=_xpm_sandbox_serve, args=(child_end, options), daemon=True
        )

    def __enter__(self):
        self._process.start()
        described = self._pipe.recv()
        self.authorize_url = described["authorize_url"]
        self.token_url = described["token_url"]
        self.connections_url = described["connections_url"]
        self.api_base = described["api_base"]
        self.live_clients = described["live_clients"]
        return self

    def __exit__(self, *exc_info) -> None:
        self._pipe.send(None)
        self._process.join(timeout=30)

    def consent_code(self, **consent) -> str:
        return self._ask("consent_code", consent)

    def rate_limits_switch(self, *, on: bool) -> None:
        self._ask("rate_limits", {"on": on})

    def _ask(self, name: str, arguments: dict):
        self._pipe.send((name, arguments))
        return self._pipe.recv()


def _xpm_sandbox_serve(pipe, options: dict) -> None:
    from sandbox.xpm import XpmSandbox

    with XpmSandbox(**options) as sandbox:
        pipe.send(
            {
                "authorize_url": sandbox.authorize_url,
                "token_url": sandbox.token_url,
                "connections_url": sandbox.connections_url,
                "api_base": sandbox.api_base,
                "live_clients": sum(
                    1 for c in sandbox.store.clients if not c.is_archived and not c.is_deleted
                ),
            }
        )
        while (request := pipe.recv()) is not None:
            name, arguments = request
            if name == "consent_code":
                pipe.send(sandbox.consent_code(**arguments))
            elif name == "rate_limits":
                sandbox.limiter.enabled = arguments["on"]
                pipe.send(None)


def xpm_connect(sandbox, *, slug: str):
    """A new firm, its administrator, and its connection to the sandbox's practice, made as a
    person connecting XPM would (the sandbox consenting for them)."""
    import httpx

    from accounts.models import Firm, Membership, Role, User
    from integrations import services

    firm = Firm.objects.create(name=f"Bench Accounting {slug}", slug=slug)
    user = User.objects.create_user(email=f"{slug}@example.com", password=None)
    Membership.objects.create(user=user, firm=firm, role=Role.ADMIN)
    session: dict = {}
    query = httpx.URL(
        services.connection_authorise_start(
            session=session, firm=firm, acting_user=user, provider="xpm", redirect_uri=CALLBACK
        )
    ).params
    code = sandbox.consent_code(
        redirect_uri=CALLBACK, scope=query["scope"], code_challenge=query["code_challenge"]
    )
    return services.connection_authorise_complete(
        session=session,
        firm=firm,
        acting_user=user,
        provider="xpm",
        params={"code": code, "state": query["state"]},
    )
