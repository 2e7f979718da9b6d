"""The Tandem sync agent against a live Tandem on a loopback port, signed in through the
device authorization grant as a firm administrator approves it on Tandem's page."""

from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken, RefreshToken
from tandem_agent.client import (
    DEFAULT_CLIENT_ID,
    TandemApi,
    device_sign_in_start,
    device_sign_in_wait,
)
from tandem_agent.state import Credentials

from integrations.connectors.aps.services import agent_application_ensure, aps_activate
from sandbox.aps import COLUMNS, export_write


@pytest.fixture
def aps_connection(firm, admin_user):
    return aps_activate(firm=firm, acting_user=admin_user)


@pytest.fixture
def state_dir(tmp_path) -> Path:
    path = tmp_path / "agent-state"
    path.mkdir()
    return path


def sign_in(server: str, approve) -> Credentials:
    """Sign the agent in; `approve(user_code)` is the administrator's part in Tandem."""
    with httpx.Client() as http:
        started = device_sign_in_start(http, server=server, client_id=DEFAULT_CLIENT_ID)
        approve(started.user_code)
        return device_sign_in_wait(
            http, started, server=server, client_id=DEFAULT_CLIENT_ID, sleep=lambda _: None
        )


@pytest.fixture
def tandem_url(live_server, settings) -> str:
    """The live server's address, as Tandem's OAuth metadata states it (it names the issuer's
    endpoints), with the device sign-in approved on Tandem's own page."""
    settings.OAUTH2_PROVIDER = {
        **settings.OAUTH2_PROVIDER,
        "OIDC_ISS_ENDPOINT": live_server.url,
        "OAUTH_DEVICE_VERIFICATION_URI": f"{live_server.url}/agent/device/",
    }
    return live_server.url


def approve_as(http_client):
    """The administrator's part of the sign-in: typing the agent's code on Tandem's page."""

    def approve(user_code: str) -> None:
        response = http_client.post("/agent/device/", {"user_code": user_code, "approve": ""})
        assert response.status_code == 302, response.content

    return approve


def credentials_issue(*, user, server: str, state_dir: Path) -> Credentials:
    """The agent's sign-in as the device grant leaves it, saved where the agent keeps it: a
    refresh token of `user`'s, and no access token yet (the first call gets one)."""
    application = agent_application_ensure()
    access_token = AccessToken.objects.create(
        user=user,
        application=application,
        token=f"agent-access-{user.pk}",
        scope="aps:push",
        expires=timezone.now() + timedelta(minutes=10),
    )
    refresh_token = RefreshToken.objects.create(
        user=user,
        application=application,
        token=f"agent-refresh-{user.pk}",
        access_token=access_token,
    )
    credentials = Credentials(
        server=server,
        client_id=DEFAULT_CLIENT_ID,
        token_endpoint=f"{server}/o/token/",
        refresh_token=refresh_token.token,
    )
    credentials.save(state_dir)
    return credentials


@pytest.fixture
def signed_in(tandem_url, aps_connection, admin_user, state_dir) -> Credentials:
    return credentials_issue(user=admin_user, server=tandem_url, state_dir=state_dir)


@pytest.fixture
def api(signed_in, state_dir):
    api = TandemApi(signed_in, state_dir=state_dir, sleep=lambda _: None)
    yield api
    api.close()


def csv_write(path: Path, rows: list[dict[str, str]]) -> Path:
    export_write(rows, path)
    return path


def row(code: str, name: str, kind: str = "Company", **values: str) -> dict[str, str]:
    """A row of an APS export: every column empty but those given (by column name, with
    underscores for spaces)."""
    given = {key.replace("_", " "): value for key, value in values.items()}
    return {
        column: {"Client Code": code, "Client Name": name, "Client Type": kind}.get(
            column, given.get(column, "")
        )
        for column in COLUMNS
    }
