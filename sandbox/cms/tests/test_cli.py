"""`python -m sandbox.cms` on its own, as `make run` starts it."""

import os
import subprocess
import sys

import httpx
import pytest

from sandbox.cms.feed_token import feed_token_mint
from sandbox.cms.tests.fake_tandem import FakeTandem

CLIENT_ID = "carecloud-from-env"


@pytest.fixture
def jwks_host(signing_key):
    with FakeTandem(
        key=signing_key, client_id="", client_secret="", redirect_uri="", email=""
    ) as host:
        yield host


@pytest.fixture
def sandbox_url(jwks_host):
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "sandbox.cms",
            "--port",
            "0",
            "--tandem-url",
            jwks_host.url,
            "--jwks-url",
            f"{jwks_host.url}/o/jwks/",
            "--issuer",
            "https://tandem.test",
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=os.environ | {"CMS_SANDBOX_CLIENT_ID": CLIENT_ID},
    )
    try:
        yield process.stdout.readline().strip()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_it_prints_its_url_and_serves_the_login_page(sandbox_url):
    page = httpx.get(f"{sandbox_url}/login")

    assert sandbox_url.startswith("http://127.0.0.1:")
    assert "Log in with Tandem" in page.text


def test_its_feed_trusts_the_keys_at_jwks_url_for_the_client_id_from_the_environment(
    sandbox_url, signing_key
):
    def feed_status(audience: str) -> int:
        token = feed_token_mint(
            key=signing_key,
            issuer="https://tandem.test",
            audience=audience,
            subject="s",
            account_id="a",
        )
        headers = {"Authorization": f"Bearer {token}"}
        return httpx.get(f"{sandbox_url}/feed/clients", headers=headers).status_code

    # 403: the token was good, but names no connected account.
    assert (feed_status(CLIENT_ID), feed_status("carecloud-cms-sandbox")) == (403, 401)
