"""A sandbox per test on a loopback port, its hand-moved clock, and signed-in HTTP clients."""

import httpx
import pytest

from sandbox.xpm import ManualClock, XpmSandbox

CALLBACK = "http://127.0.0.1:8000/addons/xpm/callback/"
CLIENT_ID = "tandem-sandbox"
CLIENT_SECRET = "tandem-sandbox-secret"
SCOPE = "openid profile email offline_access practicemanager.client"


@pytest.fixture
def clock() -> ManualClock:
    # Later than every seeded modified date (see seed.MODIFIED_ANCHOR).
    return ManualClock(start=1_800_000_000.0)


@pytest.fixture
def xpm(clock):
    with XpmSandbox(clients=60, seed=1, rate_limits=False, clock=clock) as sandbox:
        yield sandbox


@pytest.fixture
def limited_xpm(clock):
    with XpmSandbox(clients=60, seed=1, rate_limits=True, clock=clock) as sandbox:
        yield sandbox


def tokens_get(sandbox: XpmSandbox, *, tenant_ids: list[str] | None = None) -> dict:
    """Tokens from the token endpoint for a code the seeded user consented to."""
    code = sandbox.consent_code(redirect_uri=CALLBACK, scope=SCOPE, tenant_ids=tenant_ids)
    response = httpx.post(
        sandbox.token_url,
        data={"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )
    assert response.status_code == 200, response.text
    return response.json()


def refresh(sandbox: XpmSandbox, refresh_token: str) -> httpx.Response:
    return httpx.post(
        sandbox.token_url,
        data={"grant_type": "refresh_token", "refresh_token": refresh_token},
        auth=(CLIENT_ID, CLIENT_SECRET),
    )


def api_client(sandbox: XpmSandbox, access_token: str, tenant_id: str | None = None):
    return httpx.Client(
        base_url=sandbox.api_base + "v3.1/",
        headers={
            "Authorization": f"Bearer {access_token}",
            "Xero-Tenant-Id": tenant_id or sandbox.tenant_id,
        },
    )


@pytest.fixture
def api(xpm):
    with api_client(xpm, tokens_get(xpm)["access_token"]) as client:
        yield client


@pytest.fixture
def limited_api(limited_xpm):
    with api_client(limited_xpm, tokens_get(limited_xpm)["access_token"]) as client:
        yield client
