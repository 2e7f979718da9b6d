"""Crash safety of sync: real `db_worker` processes killed (SIGKILL) at random points of imports
and refreshes, then resumed, and Tandem checked against what XPM says.

`make test` runs a short version (SOAK_TRIALS, SOAK_CLIENTS below); `make soak` runs it long
on PostgreSQL. Each trial changes some clients in XPM, starts a run, kills its worker once or
more at random moments, lets the worker's watch resume it, and at the end every client XPM
lists is in Tandem exactly once, linked once, with XPM's values: no duplicate, no lost client,
no half-applied record.
"""

import os
import random
import signal
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

import pytest

from clients.models import Client
from integrations.connectors.xpm import XpmConnector
from integrations.tests.conftest import XPM_CALLBACK, xpm_connect
from sandbox.xpm import XpmSandbox
from sync.models import Link, SyncRun, SyncRunStatus
from sync.runs import sync_run_start, sync_runs_resume_stale
from tandem.database_url import database_url

ROOT = Path(__file__).resolve().parent.parent
TRIALS = int(os.environ.get("SOAK_TRIALS", "2"))
CLIENTS = int(os.environ.get("SOAK_CLIENTS", "3000"))
SEED = int(os.environ.get("SOAK_SEED", "20261122"))
# The worker's watch resumes a run this long after its worker went silent.
STALE_SECONDS = 2
# How long one run may take, kills and resumes included, before the trial fails.
RUN_DEADLINE_SECONDS = 300

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def sandbox(settings):
    with XpmSandbox(
        clients=CLIENTS, seed=SEED, rate_limits=False, redirect_uris=[XPM_CALLBACK]
    ) as box:
        settings.XERO_AUTHORIZE_URL = box.authorize_url
        settings.XERO_TOKEN_URL = box.token_url
        settings.XERO_CONNECTIONS_URL = box.connections_url
        settings.XPM_API_BASE = box.api_base
        settings.SYNC_RUN_STALE_SECONDS = STALE_SECONDS
        yield box


def test_sync_survives_its_worker_being_killed_at_random_points(
    sandbox, firm, admin_user, record_property
):
    rng = random.Random(SEED)
    connection = xpm_connect(sandbox, firm=firm, user=admin_user)
    env = _worker_env(sandbox)
    kills = 0
    for trial in range(TRIALS):
        kind = "import" if trial == 0 else rng.choice(["import", "refresh"])
        if trial:
            _pm_edit(sandbox, rng, count=max(1, CLIENTS // 50))
        run = sync_run_start(connection=connection, acting_user=admin_user, kind=kind)
        kills += _run_with_kills(run, env, rng)
        if kind == "import" and trial:
            # Everything is in Tandem since the first trial: a later import creates nothing.
            run.refresh_from_db()
            assert run.created == 0
    record_property("soak_trials", TRIALS)
    record_property("soak_kills", kills)
    print(f"soak: {TRIALS} trials, {kills} workers killed, {CLIENTS} clients", file=sys.stderr)

    final = sync_run_start(connection=connection, acting_user=admin_user, kind="refresh")
    _run_with_kills(final, env, rng, kill_probability=0)
    _assert_tandem_equals_xpm(connection)


def _run_with_kills(run: SyncRun, env: dict, rng: random.Random, kill_probability=0.6) -> int:
    """Work `run` to the end with real workers, killing them at random; the kills made."""
    kills = 0
    deadline = time.monotonic() + RUN_DEADLINE_SECONDS
    worker = _worker(env)
    try:
        while True:
            run.refresh_from_db()
            if not run.is_active:
                break
            assert time.monotonic() < deadline, f"run {run.pk} did not finish: {run.cursor}"
            assert worker.poll() is None, f"the worker stopped by itself: {_said(worker)}"
            if rng.random() < kill_probability:
                time.sleep(rng.uniform(0.2, 3.0))
                worker.send_signal(signal.SIGKILL)
                worker.wait()
                kills += 1
                time.sleep(STALE_SECONDS + 0.5)
                sync_runs_resume_stale()
                worker = _worker(env)
                # Later kills are rarer, so every run ends.
                kill_probability /= 2
            else:
                time.sleep(0.5)
    finally:
        worker.kill()
        worker.wait()
    assert run.status == SyncRunStatus.SUCCEEDED, run.message
    return kills


def _assert_tandem_equals_xpm(connection) -> None:
    with XpmConnector(connection) as connector:
        listed = {
            record.external_id: record for page in connector.iter_pages() for record in page.records
        }
    links = list(Link.objects.filter(connection=connection).select_related("client"))
    by_external_id = {link.external_id: link for link in links}
    assert len(by_external_id) == len(links)
    assert set(listed) <= set(by_external_id), "a client XPM lists is not in Tandem"
    assert Client.objects.filter(firm=connection.firm).count() == len(links)
    for external_id, record in listed.items():
        client = by_external_id[external_id].client
        differing = {
            name: (getattr(client, name), value)
            for name, value in record.fields.items()
            if getattr(client, name) != value
        }
        assert not differing, f"{record.display_name}: {differing}"


def _pm_edit(sandbox: XpmSandbox, rng: random.Random, *, count: int) -> None:
    listed = [c for c in sandbox.store.clients_live() if not c.is_archived]
    when = sandbox.now() + timedelta(seconds=1)
    for client in rng.sample(listed, count):
        sandbox.store.client_update(
            client.uuid, {"email": f"soak{rng.randrange(10**9)}@example.com"}, when=when
        )


def _worker(env: dict) -> subprocess.Popen:
    # Closed with the worker's object; read by `_said` when the worker stops by itself.
    log = tempfile.TemporaryFile()  # noqa: SIM115
    worker = subprocess.Popen(
        [
            sys.executable,
            "manage.py",
            "db_worker",
            "--no-reload",
            "--no-startup-delay",
            "--interval",
            "0.2",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    worker.log = log
    return worker


def _said(worker: subprocess.Popen) -> str:
    """The end of what a worker wrote to stderr."""
    worker.log.seek(0)
    return worker.log.read()[-2000:].decode(errors="replace")


def _worker_env(sandbox: XpmSandbox) -> dict:
    return {
        **os.environ,
        "DATABASE_URL": database_url(),
        "XPM_SANDBOX_URL": sandbox.base_url.rstrip("/"),
        "SYNC_RUN_STALE_SECONDS": str(STALE_SECONDS),
    }
