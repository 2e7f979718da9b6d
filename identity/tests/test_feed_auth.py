import pytest
from joserfc import jwt
from joserfc.errors import ExpiredTokenError, InvalidClaimError
from joserfc.jwk import KeySet

from identity import keys
from identity.feed_auth import feed_token
from identity.selectors import user_subject
from identity.tests.factories import ApplicationFactory


def _verified_claims(token: str, *, audience: str) -> dict:
    decoded = jwt.decode(token, KeySet.import_key_set(keys.jwks()), algorithms=["RS256"])
    jwt.JWTClaimsRegistry(
        iss={"essential": True, "value": keys.issuer()},
        aud={"essential": True, "value": audience},
        exp={"essential": True},
    ).validate(decoded.claims)
    return decoded.claims


def test_feed_token_verifies_against_the_published_jwks(staff_user):
    application = ApplicationFactory()

    token = feed_token(application=application, user=staff_user, account_id="acct-42")

    claims = _verified_claims(token, audience=application.client_id)
    assert claims["sub"] == user_subject(staff_user)
    assert claims["account_id"] == "acct-42"
    assert claims["exp"] - claims["iat"] == 300
    assert claims["jti"]


def test_feed_token_header_names_the_published_key(staff_user):
    token = feed_token(application=ApplicationFactory(), user=staff_user, account_id="acct-42")

    header = jwt.decode(token, KeySet.import_key_set(keys.jwks())).header
    assert header["alg"] == "RS256"
    assert header["kid"] in {key["kid"] for key in keys.jwks()["keys"]}


def test_feed_token_for_one_application_is_refused_by_another(staff_user):
    token = feed_token(application=ApplicationFactory(), user=staff_user, account_id="acct-42")

    with pytest.raises(InvalidClaimError):
        _verified_claims(token, audience=ApplicationFactory().client_id)


def test_feed_tokens_are_unique(staff_user):
    application = ApplicationFactory()
    first = feed_token(application=application, user=staff_user, account_id="a")
    second = feed_token(application=application, user=staff_user, account_id="a")

    assert (
        _verified_claims(first, audience=application.client_id)["jti"]
        != (_verified_claims(second, audience=application.client_id)["jti"])
    )


def test_feed_token_is_refused_once_its_lifetime_has_passed(staff_user):
    token = feed_token(
        application=ApplicationFactory(), user=staff_user, account_id="a", lifetime_seconds=60
    )
    claims = jwt.decode(token, KeySet.import_key_set(keys.jwks())).claims

    jwt.JWTClaimsRegistry(now=claims["iat"] + 59).validate(claims)
    with pytest.raises(ExpiredTokenError):
        jwt.JWTClaimsRegistry(now=claims["iat"] + 61).validate(claims)


@pytest.mark.parametrize(
    ("account_id", "lifetime_seconds", "message"),
    [("", 300, "names the CMS account"), ("acct-42", 0, "positive"), ("acct-42", -5, "positive")],
)
def test_feed_token_refuses_no_account_or_no_lifetime(
    staff_user, account_id, lifetime_seconds, message
):
    with pytest.raises(ValueError, match=message):
        feed_token(
            application=ApplicationFactory(),
            user=staff_user,
            account_id=account_id,
            lifetime_seconds=lifetime_seconds,
        )
