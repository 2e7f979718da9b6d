"""The XPM sandbox on a loopback port, and connections to it made through Tandem's services."""

from urllib.parse import parse_qs, urlsplit

import pytest

from accounts.models import Firm, User
from integrations import services
from integrations.models import Connection
from sandbox.xpm import XpmSandbox

# Where the Django test client's requests come from ("testserver").
XPM_CALLBACK = "http://testserver/addons/xpm/callback/"


@pytest.fixture(scope="module")
def xpm_sandbox_server():
    with XpmSandbox(
        clients=200, seed=1, rate_limits=False, redirect_uris=[XPM_CALLBACK]
    ) as sandbox:
        yield sandbox


@pytest.fixture
def xpm_sandbox(xpm_sandbox_server, settings) -> XpmSandbox:
    """The module's sandbox with no faults and fresh counts, and Tandem pointed at it."""
    sandbox = xpm_sandbox_server
    sandbox.clear_faults()
    sandbox.reset_stats()
    settings.XERO_AUTHORIZE_URL = sandbox.authorize_url
    settings.XERO_TOKEN_URL = sandbox.token_url
    settings.XERO_CONNECTIONS_URL = sandbox.connections_url
    settings.XPM_API_BASE = sandbox.api_base
    yield sandbox
    sandbox.clear_faults()


def authorise_start(*, session: dict, firm: Firm, user: User) -> dict[str, str]:
    """Start connecting XPM; the query of the sign-in URL Tandem sends the person to."""
    url = services.connection_authorise_start(
        session=session, firm=firm, acting_user=user, provider="xpm", redirect_uri=XPM_CALLBACK
    )
    return {name: values[0] for name, values in parse_qs(urlsplit(url).query).items()}


def xpm_connect(
    sandbox: XpmSandbox, *, firm: Firm, user: User, tenant_ids: list[str] | None = None
) -> Connection:
    """Connect XPM through the services, the sandbox consenting as its seeded user would."""
    session: dict = {}
    query = authorise_start(session=session, firm=firm, user=user)
    code = sandbox.consent_code(
        redirect_uri=XPM_CALLBACK,
        scope=query["scope"],
        tenant_ids=tenant_ids,
        code_challenge=query["code_challenge"],
    )
    return services.connection_authorise_complete(
        session=session,
        firm=firm,
        acting_user=user,
        provider="xpm",
        params={"code": code, "state": query["state"]},
    )


@pytest.fixture
def xpm_connection(xpm_sandbox, firm, admin_user) -> Connection:
    return xpm_connect(xpm_sandbox, firm=firm, user=admin_user)


def xpm_listed_client(sandbox: XpmSandbox, *, structure: str) -> dict:
    """The fields of a live client of that business structure (e.g. "Company", "Individual")
    with no near namesake in the sandbox, so a search for it has one right answer."""
    near = {
        uuid for copy in sandbox.store.near_duplicates for uuid in (copy.uuid, copy.original_uuid)
    }
    return next(
        client.fields
        for client in sandbox.store.clients_live()
        if client.fields.get("businessStructure") == structure
        and not client.fields.get("middleName")
        and not client.is_archived
        and client.uuid not in near
    )
