"""Configuration of the client-feed contract kit (see sandbox/cms/README.md).

    pytest sandbox/cms/contract_kit --feed-url https://cms.example/tandem-feed \
        --token-command "my-cms mint-test-token --account 42"

or the environment variables CLIENT_FEED_URL, CLIENT_FEED_TOKEN_COMMAND,
CLIENT_FEED_FORBIDDEN_TOKEN_COMMAND and CLIENT_FEED_CONTRACT. When a test run merely passes
through this folder without a feed URL (a project's whole test suite), the kit is left out.
"""

import os
import shlex
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from .contract import Contract

KIT_DIR = Path(__file__).resolve().parent
# Within Tandem's repository the kit reads the contract from where Tandem serves it.
REPOSITORY_CONTRACT = KIT_DIR.parents[2] / "identity" / "client_feed" / "client-feed.openapi.yaml"
# Tokens live at most five minutes; a fresh one is minted well before that.
TOKEN_REUSE_SECONDS = 120

OPTIONS = {
    # option: (environment variable, help)
    "feed_url": ("CLIENT_FEED_URL", "the client-feed URL (the one registered with Tandem)"),
    "token_command": (
        "CLIENT_FEED_TOKEN_COMMAND",
        "a command printing a valid feed JWT for a connected account",
    ),
    "forbidden_token_command": (
        "CLIENT_FEED_FORBIDDEN_TOKEN_COMMAND",
        "optional: a command printing a correctly signed JWT for an account NOT connected",
    ),
    "contract": ("CLIENT_FEED_CONTRACT", "the contract's path or URL"),
}


def pytest_addoption(parser):
    group = parser.getgroup("client feed contract kit")
    for name, (variable, text) in OPTIONS.items():
        group.addoption(f"--{name.replace('_', '-')}", dest=name, help=f"{text} (env {variable})")


def setting(config, name: str) -> str | None:
    return config.getoption(name, default=None) or os.environ.get(OPTIONS[name][0]) or None


def _kit_targeted(config) -> bool:
    for argument in config.args:
        path = Path(config.invocation_params.dir, argument.split("::")[0]).resolve()
        if path == KIT_DIR or KIT_DIR in path.parents:
            return True
    return False


def pytest_ignore_collect(collection_path, config):
    if KIT_DIR in collection_path.parents and not setting(config, "feed_url"):
        if _kit_targeted(config):
            raise pytest.UsageError(
                "The contract kit needs --feed-url and --token-command "
                "(or CLIENT_FEED_URL and CLIENT_FEED_TOKEN_COMMAND)."
            )
        return True
    return None


@dataclass
class TokenSource:
    command: str
    _token: str = ""
    _minted_at: float = 0.0

    def get(self) -> str:
        if not self._token or time.monotonic() - self._minted_at > TOKEN_REUSE_SECONDS:
            self._token = run_token_command(self.command)
            self._minted_at = time.monotonic()
        return self._token


def run_token_command(command: str) -> str:
    # The person running the kit names the command, as they would in a shell.
    done = subprocess.run(  # noqa: S603
        shlex.split(command), capture_output=True, text=True, check=False
    )
    if done.returncode != 0 or not done.stdout.strip():
        pytest.fail(f"The token command failed ({done.returncode}): {done.stderr.strip()}")
    return done.stdout.strip()


@pytest.fixture(scope="session")
def feed_url(pytestconfig) -> str:
    return setting(pytestconfig, "feed_url").rstrip("/")


@pytest.fixture(scope="session")
def tokens(pytestconfig) -> TokenSource:
    command = setting(pytestconfig, "token_command")
    if not command:
        raise pytest.UsageError("Give --token-command (or CLIENT_FEED_TOKEN_COMMAND).")
    return TokenSource(command)


@pytest.fixture(scope="session")
def forbidden_token(pytestconfig) -> str:
    command = setting(pytestconfig, "forbidden_token_command")
    if not command:
        pytest.skip("No --forbidden-token-command: a token for an account not connected.")
    return run_token_command(command)


@pytest.fixture(scope="session")
def contract(pytestconfig) -> Contract:
    source = setting(pytestconfig, "contract") or str(REPOSITORY_CONTRACT)
    if source.startswith(("http://", "https://")):
        text = httpx.get(source, timeout=30).raise_for_status().text
    else:
        text = Path(source).read_text()
    return Contract.from_text(text)


@pytest.fixture
def feed(feed_url, tokens):
    with httpx.Client(
        base_url=feed_url, headers={"Authorization": f"Bearer {tokens.get()}"}, timeout=30
    ) as client:
        yield client


@pytest.fixture
def anonymous(feed_url):
    with httpx.Client(base_url=feed_url, timeout=30) as client:
        yield client
