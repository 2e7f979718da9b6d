"""The load test's harness, briefly: a few users on a real gunicorn for a few seconds while a
real `db_worker` refreshes a small XPM practice. `make bench BENCH=load` runs it at size.

It asserts what must hold at any load: every request answered 200 (no error, no redirect to the
login page, a partial to every htmx request) and the refresh ended correct. Never timings.
"""

import importlib.util
import random

import pytest

from bench.bench_load import (
    load_config,
    load_during_refresh,
    portal_and_worker,
    refresh_problems,
    service_env,
    xpm_change,
    xpm_touch_all,
)
from integrations.tests.conftest import XPM_CALLBACK, xpm_connect
from sandbox.xpm import XpmSandbox
from sync.runs import sync_run_execute, sync_run_start

CLIENTS = 300
CHANGED = 15
USERS = 3
SECONDS = 6

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        importlib.util.find_spec("locust") is None,
        reason="locust is not installed (pip install -r requirements-bench.lock)",
    ),
]


@pytest.fixture
def sandbox(settings):
    with XpmSandbox(
        clients=CLIENTS, seed=5, rate_limits=False, redirect_uris=[XPM_CALLBACK]
    ) as box:
        settings.XERO_AUTHORIZE_URL = box.authorize_url
        settings.XERO_TOKEN_URL = box.token_url
        settings.XERO_CONNECTIONS_URL = box.connections_url
        settings.XPM_API_BASE = box.api_base
        yield box


def test_staff_and_api_users_are_served_while_a_refresh_runs_and_it_ends_correct(
    sandbox, firm, admin_user, tmp_path
):
    rng = random.Random(5)
    connection = xpm_connect(sandbox, firm=firm, user=admin_user)
    imported = sync_run_execute(
        run_id=sync_run_start(connection=connection, acting_user=admin_user, kind="import").pk
    )
    assert imported.status == "succeeded", imported.message

    def before_refresh() -> list[str]:
        xpm_touch_all(sandbox)
        return xpm_change(sandbox, count=CHANGED, rng=rng)

    with portal_and_worker(service_env(sandbox), work_dir=tmp_path) as url:
        result = load_during_refresh(
            connection=connection,
            acting_user=admin_user,
            url=url,
            config=load_config(firm=firm, users=USERS, seconds=SECONDS, rng=rng),
            work_dir=tmp_path,
            before_refresh=before_refresh,
        )

    assert result.samples, f"the users made no request; see {tmp_path}"
    failed = [sample for sample in result.samples if not sample[3]]
    assert not failed, f"{len(failed)} failed requests, e.g. {failed[:3]}; see {tmp_path}"
    assert result.runs
    assert [run.updated for run in result.runs] == [CHANGED] * len(result.runs)
    assert refresh_problems(connection=connection, result=result) == []
