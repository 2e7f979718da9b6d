"""Staff browsing and searching the Clients tab and the API while a refresh of 10,000 clients runs.

The set-up a practice would scale out to, on loopback: PostgreSQL (a database made for the
benchmark), gunicorn with several workers on an ephemeral 127.0.0.1 port, and a `db_worker`.
The firm's 10,000 clients come from the XPM sandbox through the sync engine (an import). What
the users do is in `bench/load_users.py`: staff open the Clients tab, page it, search it in place
(htmx) and open clients; scripts search and read clients through the API with their own tokens.

The search for the load held: for each user count of USER_STEPS, lowest first, the users work
for STEP_SECONDS; once they are all at work, refreshes run one after the other until they stop.
Before each refresh every XPM client is marked modified and CHANGED of them really change, so
that each refresh reads all 10,000 and updates those. A step's figures count the requests made
from the first refresh's start to the last one's end. The search stops at the first step whose
p95 is P95_TARGET_MS or more.

Figures:
- `load_users`: the most users whose p95 stayed under P95_TARGET_MS (the lowest step tried when
  none did; `load_p95_under_target` then says 0), and at that step: `load_rps` (requests answered
  a second), `load_p95_ms`, `load_htmx_search_p95_ms` (the Clients tab's in-place search),
  `load_api_search_p95_ms`, `load_refreshes` (how many ran), `load_refresh_s` (their median
  time, started to finished) and `load_refresh_updated` (the fewest clients one updated);
- `load_step_<n>_users_rps`, `load_step_<n>_users_p95_ms`, `load_step_<n>_users_refresh_s`:
  every step tried;
- `load_requests`, `load_errors` (any answer but a 200; a redirect to the login page is one),
  over all steps, ramp-ups included;
- `load_host_loadavg_1m`: the machine's load average before the load began (other work on it
  slows every figure above);
- `load_refresh_ok`: 1 when every refresh succeeded, every client changed in XPM equals
  XPM's record in Tandem, and no link, client or external id is doubled.

Reproduce: `make bench BENCH=load`, or with a PostgreSQL server of your own
`BENCH_POSTGRES_URL=postgres://... .venv/bin/python -m bench load` (LOAD_USER_STEPS="2,4,8",
LOAD_STEP_SECONDS=60 to choose). Logs (gunicorn, the worker, locust's table of each step's
requests) go to var/bench/load/.
"""

import contextlib
import json
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

from bench.support import BENCH_DATA_DIR, ROOT, measured_in_own_process

if TYPE_CHECKING:
    from sync.models import SyncRun

POSTGRES_DATABASE = "tandem_bench_load"
CLIENTS = 10_000
CHANGED = 200
SEED = 9_007
# The user counts tried, lowest first; the search stops at the first whose p95 misses.
USER_STEPS = tuple(
    int(n) for n in os.environ.get("LOAD_USER_STEPS", "1,2,4,6,8,12,16,24,32").split(",")
)
STEP_SECONDS = int(os.environ.get("LOAD_STEP_SECONDS", "60"))
# The refresh starts once every user is at work.
RAMP_SECONDS = 10
WEB_WORKERS = 3
WEB_THREADS = 4
P95_TARGET_MS = 300
STARTUP_SECONDS = 60
STOP_SECONDS = 10
REFRESH_DEADLINE_SECONDS = 600
BROWSED_CLIENTS = 1_000
SEARCH_TERMS = 60


def run() -> dict[str, float]:
    server_url = os.environ.get("BENCH_POSTGRES_URL") or _pg_test_server_start()
    return measured_in_own_process(
        "bench.bench_load", database_url=_postgres_database_fresh(server_url)
    )


def _pg_test_server_start() -> str:
    started = subprocess.run(  # noqa: S603 - our own script
        [str(ROOT / "scripts" / "pg_test_server"), "start"],
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return started.stdout.strip()


def _postgres_database_fresh(server_url: str) -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as connection:
        name = sql.Identifier(POSTGRES_DATABASE)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
    return urlunsplit(urlsplit(server_url)._replace(path=f"/{POSTGRES_DATABASE}"))


# Everything below runs with Django set up, in the benchmark's subprocess or in a test.


@dataclass
class LoadResult:
    samples: list[list]  # [start (unix seconds), response time (ms), name, ok] per request
    runs: list["SyncRun"]  # the refreshes, one after the other
    changed: list[str]  # the XPM clients changed before them
    refresh_started: float  # unix seconds: the first refresh started
    refresh_finished: float  # the last one finished

    def during_refresh(self, *, name_contains: str = "") -> dict[str, float]:
        return self.window(self.refresh_started, self.refresh_finished, name_contains)

    def window(self, start: float, end: float, name_contains: str = "") -> dict[str, float]:
        """Requests a second, p95 (ms), requests and errors of those started in [start, end]."""
        chosen = [s for s in self.samples if start <= s[0] <= end and name_contains in s[2]]
        if not chosen:
            return {"rps": 0.0, "p95_ms": 0.0, "requests": 0, "errors": 0}
        times = [s[1] for s in chosen]
        p95 = statistics.quantiles(times, n=20)[-1] if len(times) > 1 else times[0]
        return {
            "rps": len(chosen) / max(min(end, max(s[0] for s in chosen)) - start, 1e-3),
            "p95_ms": p95,
            "requests": len(chosen),
            "errors": sum(1 for s in chosen if not s[3]),
        }


def xpm_change(sandbox, *, count: int, rng: random.Random) -> list[str]:
    """Change the email of `count` live clients in XPM, as its staff would; their uuids."""
    listed = [c for c in sandbox.store.clients_live() if not c.is_archived]
    # XPM compares modified times to the second: the changes land after the last sync began.
    when = sandbox.now() + timedelta(seconds=1)
    changed = rng.sample(listed, count)
    for client in changed:
        sandbox.store.client_update(
            client.uuid, {"email": f"load{rng.randrange(10**9)}@example.com"}, when=when
        )
    return [client.uuid for client in changed]


def xpm_touch_all(sandbox) -> None:
    """Mark every client modified in XPM, values unchanged, so that the next refresh reads all
    of them again: each step of the load runs beside a refresh of the whole practice."""
    when = sandbox.now() + timedelta(seconds=1)
    for client in sandbox.store.clients_live():
        sandbox.store.client_touch(client.uuid, when)


def load_config(*, firm, users: int, seconds: int, rng: random.Random) -> dict:
    """What the users need: a session and an API token each, clients to open, words to type."""
    from django.conf import settings
    from django.test import Client as HttpClient

    from accounts.models import Membership, Role, User
    from api.services import personal_access_token_create
    from clients.models import Client

    credentials = []
    for number in range(users):
        user = User.objects.create_user(email=f"load{number}@{firm.slug}.example", password=None)
        Membership.objects.create(user=user, firm=firm, role=Role.STAFF)
        # What signing in leaves behind, without paying for a password hash per user.
        browser = HttpClient()
        browser.force_login(user)
        token = personal_access_token_create(
            user=user, name="Load test", scopes=["clients:read"], expires_at=None
        )
        session = browser.cookies[settings.SESSION_COOKIE_NAME]
        credentials.append({"cookie": f"{session.key}={session.value}", "token": token.raw})
    client_ids = list(Client.objects.filter(firm=firm).values_list("pk", flat=True))
    names = [
        word.lower()
        for name in Client.objects.filter(firm=firm).values_list("display_name", flat=True)[:2_000]
        for word in name.split()
        if len(word) >= 4 and word.isalpha()
    ]
    return {
        "users": users,
        "seconds": seconds,
        "credentials": credentials,
        "client_ids": rng.sample(client_ids, min(BROWSED_CLIENTS, len(client_ids))),
        "searches": rng.sample(sorted(set(names)), min(SEARCH_TERMS, len(set(names)))),
    }


def service_env(sandbox) -> dict[str, str]:
    """The environment of the portal and the worker: this process's database and sandbox."""
    from tandem.database_url import database_url

    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "DJANGO_SETTINGS_MODULE": "tandem.settings",
        "XPM_SANDBOX_URL": sandbox.base_url.rstrip("/"),
        "PYTHONUNBUFFERED": "1",
    }


@contextlib.contextmanager
def portal(env: dict[str, str], *, log: Path, workers: int = WEB_WORKERS) -> Iterator[str]:
    """gunicorn serving Tandem on a free 127.0.0.1 port; yields its base URL."""
    port = _free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        "tandem.wsgi:application",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--worker-class=gthread",
        f"--threads={WEB_THREADS}",
        "--graceful-timeout=5",
        "--error-logfile=-",
        "--no-control-socket",
    ]
    with _process(command, env, log) as process:
        url = f"http://127.0.0.1:{port}"
        _wait_until_answering(url, process, log)
        yield url


@contextlib.contextmanager
def task_worker(env: dict[str, str], *, log: Path) -> Iterator[None]:
    command = [
        sys.executable,
        "manage.py",
        "db_worker",
        "--no-reload",
        "--no-startup-delay",
        "--interval",
        "0.2",
    ]
    with _process(command, env, log):
        yield


@contextlib.contextmanager
def portal_and_worker(env: dict[str, str], *, work_dir: Path) -> Iterator[str]:
    """The set-up under test: gunicorn and a `db_worker`; yields the portal's base URL."""
    work_dir.mkdir(parents=True, exist_ok=True)
    with (
        task_worker(env, log=work_dir / "worker.log"),
        portal(env, log=work_dir / "portal.log") as url,
    ):
        yield url


def load_during_refresh(
    *,
    connection,
    acting_user,
    url: str,
    config: dict,
    work_dir: Path,
    before_refresh: Callable[[], list[str]],
) -> LoadResult:
    """Set the users loose on the portal at `url` and, once they are all at work, refresh
    `connection` again and again until they stop, so that every request they make after the
    ramp-up meets a refresh. `before_refresh` changes XPM before each and says which clients."""
    from sync.models import SyncKind
    from sync.runs import sync_run_start

    work_dir.mkdir(parents=True, exist_ok=True)
    config_path, samples_path = work_dir / "config.json", work_dir / "samples.json"
    samples_path.unlink(missing_ok=True)
    spawn_rate = max(1.0, config["users"] / RAMP_SECONDS)
    config_path.write_text(json.dumps({**config, "host": url, "spawn_rate": spawn_rate}))
    command = [sys.executable, "-m", "bench.load_users", str(config_path), str(samples_path)]
    with _process(command, dict(os.environ), work_dir / "locust.log") as users:
        time.sleep(min(RAMP_SECONDS, config["seconds"] / 3))
        runs, changed = [], []
        refresh_started = time.time()
        while not runs or users.poll() is None:
            changed += before_refresh()
            run = sync_run_start(
                connection=connection, acting_user=acting_user, kind=SyncKind.REFRESH
            )
            _wait_for_run(run)
            runs.append(run)
        refresh_finished = time.time()
        users.wait(timeout=config["seconds"] + STARTUP_SECONDS)
        if users.returncode:
            raise RuntimeError(f"locust failed ({users.returncode}): see {work_dir}")
    return LoadResult(
        samples=json.loads(samples_path.read_text()),
        runs=runs,
        changed=list(dict.fromkeys(changed)),
        refresh_started=refresh_started,
        refresh_finished=refresh_finished,
    )


def refresh_problems(*, connection, result: LoadResult) -> list[str]:
    """What is wrong after the load's refreshes (nothing, when all is right): every one
    succeeded, every client changed in XPM equals XPM's record in Tandem, nothing is doubled."""
    from django.db.models import Count

    from clients.models import Client
    from integrations.connectors.xpm import XpmConnector
    from sync.models import Link, SyncRunStatus

    problems = [
        f"refresh {run.pk} ended {run.status}: {run.message}"
        for run in result.runs
        if run.status != SyncRunStatus.SUCCEEDED
    ]
    links = Link.objects.filter(connection=connection)
    for column in ("external_id", "client"):
        doubled = links.values(column).annotate(count=Count("pk")).filter(count__gt=1).count()
        if doubled:
            problems.append(f"{doubled} {column} values are linked more than once")
    clients = Client.objects.filter(firm=connection.firm).count()
    if clients != links.count():
        problems.append(f"{clients} clients for {links.count()} links: a client doubled or lost")
    linked = {link.external_id: link.client for link in links.select_related("client")}
    with XpmConnector(connection) as connector:
        for external_id in result.changed:
            record = connector.get_client(external_id)
            client = linked.get(external_id)
            if client is None:
                problems.append(f"{record.display_name} is not in Tandem")
                continue
            differing = {
                name: (getattr(client, name), value)
                for name, value in record.fields.items()
                if getattr(client, name) != value
            }
            if differing:
                problems.append(f"{record.display_name} differs from XPM: {differing}")
    return problems


def _wait_for_run(run) -> None:
    deadline = time.monotonic() + REFRESH_DEADLINE_SECONDS
    while True:
        run.refresh_from_db()
        if not run.is_active:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"the refresh did not finish in {REFRESH_DEADLINE_SECONDS} s")
        time.sleep(0.2)


@contextlib.contextmanager
def _process(command: list[str], env: dict[str, str], log: Path) -> Iterator[subprocess.Popen]:
    """A child in a session of its own (gunicorn's workers included), stopped on the way out:
    SIGTERM, then SIGKILL to whatever of its group is left."""
    with log.open("w") as output:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter and fixed commands
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield process
        finally:
            _signal_group(process, signal.SIGTERM)
            try:
                process.wait(timeout=STOP_SECONDS)
            except subprocess.TimeoutExpired:
                _log(f"{' '.join(command[:4])} did not stop in {STOP_SECONDS} s; killing it")
            _signal_group(process, signal.SIGKILL)
            process.wait()


def _signal_group(process: subprocess.Popen, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signum)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until_answering(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}: see {log}")
        try:
            with urllib.request.urlopen(f"{url}/accounts/login/", timeout=2):  # noqa: S310
                return
        except urllib.error.HTTPError:
            return  # It answered, even if not with a 200.
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"gunicorn did not answer at {url} in {STARTUP_SECONDS} s: see {log}")


def _measure() -> dict[str, float]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection as db_connection
    from django.test.utils import override_settings

    # The benchmarks' way of connecting XPM: through the services, the sandbox consenting.
    from bench.support import CALLBACK, xpm_connect
    from sandbox.xpm import XpmSandbox
    from sync.runs import sync_run_execute, sync_run_start

    call_command("migrate", verbosity=0)
    rng = random.Random(SEED)
    sandbox = XpmSandbox(clients=CLIENTS, seed=SEED, rate_limits=False, redirect_uris=[CALLBACK])
    steps: dict[int, dict[str, float]] = {}
    problems: list[str] = []
    with (
        sandbox,
        override_settings(
            XERO_AUTHORIZE_URL=sandbox.authorize_url,
            XERO_TOKEN_URL=sandbox.token_url,
            XERO_CONNECTIONS_URL=sandbox.connections_url,
            XPM_API_BASE=sandbox.api_base,
        ),
    ):
        connection = xpm_connect(sandbox, slug="load")
        began = time.monotonic()
        imported = sync_run_execute(
            run_id=sync_run_start(connection=connection, acting_user=None, kind="import").pk
        )
        if imported.status != "succeeded":
            raise SystemExit(f"the import failed: {imported.message}")
        _log(f"imported {imported.created:,} clients in {time.monotonic() - began:.0f} s")
        with db_connection.cursor() as cursor:
            # What autovacuum does soon after a bulk load.
            cursor.execute("VACUUM ANALYZE")
        config = load_config(
            firm=connection.firm, users=max(USER_STEPS), seconds=STEP_SECONDS, rng=rng
        )
        work_dir = BENCH_DATA_DIR / "load"
        # What else the machine was running: the figures mean little without it.
        host_load = os.getloadavg()[0]
        with portal_and_worker(service_env(sandbox), work_dir=work_dir) as url:

            def before_refresh() -> list[str]:
                xpm_touch_all(sandbox)
                return xpm_change(sandbox, count=CHANGED, rng=rng)

            for users in USER_STEPS:
                result = load_during_refresh(
                    connection=connection,
                    acting_user=None,
                    url=url,
                    config={**config, "users": users},
                    work_dir=work_dir / f"{users}-users",
                    before_refresh=before_refresh,
                )
                step_problems = refresh_problems(connection=connection, result=result)
                problems += step_problems
                steps[users] = _step_figures(result, ok=not step_problems)
                _log(f"{users} users: {steps[users]}")
                if steps[users]["p95_ms"] >= P95_TARGET_MS:
                    break  # More users only wait longer.
    for problem in problems[:20]:
        _log(f"PROBLEM: {problem}")

    under_target = [users for users, step in steps.items() if step["p95_ms"] < P95_TARGET_MS]
    held_users = max(under_target, default=min(steps))
    held = steps[held_users]
    figures = {
        "load_users": float(held_users),
        "load_p95_under_target": float(bool(under_target)),
        "load_rps": held["rps"],
        "load_p95_ms": held["p95_ms"],
        "load_htmx_search_p95_ms": held["htmx_search_p95_ms"],
        "load_api_search_p95_ms": held["api_search_p95_ms"],
        "load_refreshes": held["refreshes"],
        "load_refresh_s": held["refresh_s"],
        "load_refresh_updated": held["refresh_updated"],
        "load_refresh_ok": float(not problems),
        "load_requests": sum(step["requests"] for step in steps.values()),
        "load_errors": sum(step["errors"] for step in steps.values()),
        "load_host_loadavg_1m": round(host_load, 2),
    }
    for users, step in steps.items():
        figures[f"load_step_{users}_users_rps"] = step["rps"]
        figures[f"load_step_{users}_users_p95_ms"] = step["p95_ms"]
        figures[f"load_step_{users}_users_refresh_s"] = step["refresh_s"]
    return figures


def _step_figures(result: LoadResult, *, ok: bool) -> dict[str, float]:
    during = result.during_refresh()
    seconds = [(run.finished_at - run.started_at).total_seconds() for run in result.runs]
    return {
        "rps": round(during["rps"], 1),
        "p95_ms": round(during["p95_ms"], 1),
        "htmx_search_p95_ms": round(result.during_refresh(name_contains="(htmx)")["p95_ms"], 1),
        "api_search_p95_ms": round(
            result.during_refresh(name_contains="api clients search")["p95_ms"], 1
        ),
        "requests": float(len(result.samples)),
        "errors": float(sum(1 for sample in result.samples if not sample[3])),
        "refreshes": float(len(result.runs)),
        "refresh_s": round(statistics.median(seconds), 2),
        "refresh_updated": float(min(run.updated for run in result.runs)),
        "refresh_ok": float(ok),
    }


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    print(json.dumps(_measure()))
