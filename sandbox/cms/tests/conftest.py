"""A CMS sandbox per test that trusts a test signing key, and feed clients holding its tokens."""

import httpx
import pytest
from joserfc.jwk import RSAKey

from sandbox.cms import DEFAULT_CLIENT_ID, CmsSandbox
from sandbox.cms.feed_token import feed_token_mint, public_jwks, signing_key_load

ISSUER = "https://tandem.test"
TANDEM_SUB = "tandem-user-1"


@pytest.fixture(scope="session")
def signing_key() -> RSAKey:
    return signing_key_load(RSAKey.generate_key(2048).as_pem(private=True))


@pytest.fixture(scope="session")
def signing_key_pem(signing_key, tmp_path_factory):
    path = tmp_path_factory.mktemp("keys") / "feed-signing.pem"
    path.write_bytes(signing_key.as_pem(private=True))
    return path


@pytest.fixture
def cms(signing_key):
    with CmsSandbox(feed_jwks=public_jwks(signing_key), feed_issuer=ISSUER) as sandbox:
        yield sandbox


@pytest.fixture
def account(cms):
    """An account of the sandbox connected to the Tandem user TANDEM_SUB."""
    account = cms.accounts[0]
    cms.connection_record(account_id=account.id, tandem_sub=TANDEM_SUB)
    return account


def token_for(key: RSAKey, account_id: str, **claims) -> str:
    values = {
        "issuer": ISSUER,
        "audience": DEFAULT_CLIENT_ID,
        "subject": TANDEM_SUB,
        "account_id": account_id,
    } | claims
    return feed_token_mint(key=key, **values)


@pytest.fixture
def feed(cms, account, signing_key):
    with httpx.Client(
        base_url=cms.feed_url,
        headers={"Authorization": f"Bearer {token_for(signing_key, account.id)}"},
    ) as client:
        yield client
