"""Short-lived tokens that authenticate Tandem's calls to a CMS's client feed.

The CMS verifies them against Tandem's published JWKS (`identity:jwks-info`), so no secret
beyond the OAuth registration is ever exchanged.
"""

import time
import uuid

from jwcrypto import jwt

from accounts.models import User
from identity import keys
from identity.models import Application
from identity.selectors import user_subject


def feed_token(
    *, application: Application, user: User, account_id: str, lifetime_seconds: int = 300
) -> str:
    """A JWT signed RS256 with the OIDC key, for `application` to accept one feed call.

    Claims: iss (Tandem's issuer), aud (the application's client id), sub (the connected
    user's OIDC subject, as in their id_token), account_id (the CMS account), iat, exp, jti.
    """
    if not account_id:
        raise ValueError("A feed token names the CMS account it is for.")
    if lifetime_seconds <= 0:
        raise ValueError("A feed token's lifetime must be positive.")
    key = keys.signing_key()
    issued_at = int(time.time())
    token = jwt.JWT(
        header={"alg": "RS256", "typ": "JWT", "kid": keys.key_id(key)},
        claims={
            "iss": keys.issuer(),
            "aud": application.client_id,
            "sub": user_subject(user),
            "account_id": account_id,
            "iat": issued_at,
            "exp": issued_at + lifetime_seconds,
            "jti": uuid.uuid4().hex,
        },
    )
    token.make_signed_token(key)
    return token.serialize()
