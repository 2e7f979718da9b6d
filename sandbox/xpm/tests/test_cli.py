"""`python -m sandbox.xpm` on its own, controlled over HTTP as a separate process would."""

import subprocess
import sys

import httpx
import pytest

from sandbox.xpm.seed import tenant_id_for


@pytest.fixture
def sandbox_process():
    process = subprocess.Popen(
        [sys.executable, "-m", "sandbox.xpm", "--port", "0", "--clients", "20", "--seed", "3"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        yield process, process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_it_prints_its_base_url_and_serves_the_documented_urls(sandbox_process):
    _, base_url = sandbox_process

    index = httpx.get(f"{base_url}/").json()

    assert base_url.startswith("http://127.0.0.1:")
    assert index["api_base"] == f"{base_url}/practicemanager/"
    assert index["token_url"] == f"{base_url}/connect/token"
    page = httpx.get(
        index["authorize_url"],
        params={
            "response_type": "code",
            "client_id": "tandem-sandbox",
            "redirect_uri": "http://127.0.0.1:8000/addons/xpm/callback/",
            "scope": "offline_access practicemanager.client",
        },
    )
    assert "Log in" in page.text


def test_it_takes_faults_and_reports_stats_over_http(sandbox_process):
    _, base_url = sandbox_process

    made = httpx.post(f"{base_url}/_sandbox/faults", json={"fault": "server_error", "times": 1})
    token = httpx.post(f"{base_url}/connect/token", data={"grant_type": "refresh_token"})
    stats = httpx.get(f"{base_url}/_sandbox/stats").json()

    assert made.status_code == 201
    assert token.status_code == 500
    assert stats["token_calls"] == {}
    assert tenant_id_for(3, 0) != tenant_id_for(1, 0)
