"""Tandem's OIDC issuer and signing keys, shared by id_tokens and feed-call tokens."""

import json

from jwcrypto import jwk
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.utils import jwk_from_pem


def issuer() -> str:
    return oauth2_settings.OIDC_ISS_ENDPOINT


def signing_key() -> jwk.JWK:
    """The active private key: every token Tandem signs now is signed with it."""
    return jwk_from_pem(oauth2_settings.OIDC_RSA_PRIVATE_KEY)


def key_id(key: jwk.JWK) -> str:
    # The RFC 7638 thumbprint, as django-oauth-toolkit puts it in id_token headers.
    return key.thumbprint()


def jwks() -> dict:
    """The public JSON Web Key Set: the active key, then retired ones still in their tokens."""
    pems = [oauth2_settings.OIDC_RSA_PRIVATE_KEY, *oauth2_settings.OIDC_RSA_PRIVATE_KEYS_INACTIVE]
    keys = []
    for pem in pems:
        key = jwk_from_pem(pem)
        keys.append(
            {"alg": "RS256", "use": "sig", "kid": key_id(key), **json.loads(key.export_public())}
        )
    return {"keys": keys}
