"""Feed tokens: what the verifier accepts, and when it fetches Tandem's keys again."""

import pytest
from joserfc.jwk import RSAKey

from sandbox.cms.feed_auth import FeedAuthError, FeedCaller, FeedTokenVerifier, JwksCache
from sandbox.cms.feed_token import feed_token_mint, public_jwks, signing_key_load
from sandbox.xpm.clock import ManualClock

ISSUER = "https://tandem.test"


@pytest.fixture
def clock():
    return ManualClock()


@pytest.fixture
def published(signing_key):
    """The JWKS Tandem publishes; tests change it to rotate keys."""
    return {"jwks": public_jwks(signing_key)}


@pytest.fixture
def keys(published, clock):
    return JwksCache(lambda: published["jwks"], clock=clock)


@pytest.fixture
def verifier(keys, clock):
    return FeedTokenVerifier(audience="cms", issuer=lambda: ISSUER, keys=keys, clock=clock)


def mint(key: RSAKey, clock: ManualClock, **claims) -> str:
    values = {"issuer": ISSUER, "audience": "cms", "subject": "s", "account_id": "a"} | claims
    return "Bearer " + feed_token_mint(key=key, issued_at=int(clock()), **values)


def test_a_good_token_names_the_caller(verifier, signing_key, clock):
    assert verifier.verify(mint(signing_key, clock)) == FeedCaller(tandem_sub="s", account_id="a")


def test_sixty_seconds_of_skew_are_allowed_and_no_more(verifier, signing_key, clock):
    token = mint(signing_key, clock, lifetime_seconds=300)

    clock.advance(359)
    verifier.verify(token)
    clock.advance(2)
    with pytest.raises(FeedAuthError, match="expired"):
        verifier.verify(token)


@pytest.mark.parametrize(
    ("claims", "reason"),
    [
        ({"audience": "other"}, "aud"),
        ({"issuer": "https://other.test"}, "iss"),
        ({"account_id": 7}, "account_id must be strings"),
        ({"lifetime_seconds": 301}, "longer than five minutes"),
    ],
)
def test_tokens_for_someone_else_are_refused(verifier, signing_key, clock, claims, reason):
    with pytest.raises(FeedAuthError, match=reason):
        verifier.verify(mint(signing_key, clock, **claims))


def test_a_token_without_account_id_is_refused(verifier, signing_key, clock):
    token = mint(signing_key, clock, account_id=None)

    with pytest.raises(FeedAuthError, match="account_id"):
        verifier.verify(token)


def new_key() -> RSAKey:
    return signing_key_load(RSAKey.generate_key(2048).as_pem(private=True))


def test_a_rotated_key_is_fetched_when_a_token_names_it(
    verifier, keys, published, signing_key, clock
):
    verifier.verify(mint(signing_key, clock))
    clock.advance(60)
    rotated = new_key()
    published["jwks"] = public_jwks(rotated)

    assert verifier.verify(mint(rotated, clock)).account_id == "a"
    assert keys.fetches == 2


def test_unknown_keys_fetch_the_jwks_at_most_once_a_minute(verifier, keys, signing_key, clock):
    stranger = new_key()
    verifier.verify(mint(signing_key, clock))

    for _ in range(3):
        with pytest.raises(FeedAuthError, match="kid"):
            verifier.verify(mint(stranger, clock))
    fetches_within_the_minute = keys.fetches
    clock.advance(60)
    with pytest.raises(FeedAuthError):
        verifier.verify(mint(stranger, clock))

    assert (fetches_within_the_minute, keys.fetches) == (1, 2)
