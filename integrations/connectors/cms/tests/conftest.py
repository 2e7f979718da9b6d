"""The reference CMS sandbox on a loopback port, trusting Tandem's signing key, and a firm's
connection to one of its accounts made as the CMS's call to /cms/accounts/ makes them."""

import pytest

from identity import keys
from identity.selectors import user_subject
from identity.tests.factories import ApplicationFactory
from integrations.connectors.cms.tests.factories import cms_connection_create
from integrations.models import Connection
from sandbox.cms import DEFAULT_CLIENT_ID, DEFAULT_CLIENT_SECRET, CmsSandbox

CLIENTS_PER_ACCOUNT = 30


@pytest.fixture(scope="module")
def cms_sandbox_server(django_db_blocker):
    with django_db_blocker.unblock():
        jwks, issuer = keys.jwks(), keys.issuer()
    with CmsSandbox(
        clients=CLIENTS_PER_ACCOUNT, seed=7, feed_jwks=jwks, feed_issuer=issuer
    ) as sandbox:
        yield sandbox


@pytest.fixture
def cms_sandbox(cms_sandbox_server) -> CmsSandbox:
    """The module's sandbox with no faults on."""
    cms_sandbox_server.clear_faults()
    yield cms_sandbox_server
    cms_sandbox_server.clear_faults()


@pytest.fixture
def cms_application(cms_sandbox):
    return ApplicationFactory(
        name="CareCloud", client_id=DEFAULT_CLIENT_ID, client_feed_url=cms_sandbox.feed_url
    )


@pytest.fixture
def cms_account(cms_sandbox):
    return cms_sandbox.accounts[0]


@pytest.fixture
def cms_connection(cms_sandbox, cms_application, cms_account, firm, admin_user) -> Connection:
    cms_sandbox.connection_record(account_id=cms_account.id, tandem_sub=user_subject(admin_user))
    return cms_connection_create(
        firm=firm,
        application=cms_application,
        account_id=cms_account.id,
        user=admin_user,
        external_account_name=cms_account.name,
    )


@pytest.fixture
def cms_live(live_server, settings):
    """The CMS sandbox signing people in with the live Tandem, registered there as CareCloud.

    Tandem's issuer is the live server's address, as the sandbox reads it from discovery.
    """
    settings.OAUTH2_PROVIDER = {**settings.OAUTH2_PROVIDER, "OIDC_ISS_ENDPOINT": live_server.url}
    with CmsSandbox(tandem_url=live_server.url, clients=12, seed=5) as sandbox:
        ApplicationFactory(
            name="CareCloud",
            client_id=DEFAULT_CLIENT_ID,
            client_secret=DEFAULT_CLIENT_SECRET,
            redirect_uris=sandbox.redirect_uri,
            client_feed_url=sandbox.feed_url,
        )
        yield sandbox
