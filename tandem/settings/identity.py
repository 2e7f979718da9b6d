"""Tandem as an OAuth 2.0 / OpenID Connect provider (django-oauth-toolkit), held to RFC 9700."""

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .env import VAR_DIR, env

# The issuer is configuration, never derived from the request's Host header: relying parties
# compare it with the `iss` of every id_token and authorization response (RFC 9207).
OIDC_ISSUER = env.str("TANDEM_OIDC_ISSUER", default="http://127.0.0.1:8000").rstrip("/")


def _generate_demo_key(path: Path) -> None:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    pem = (
        rsa.generate_private_key(public_exponent=65537, key_size=2048)
        .private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        .decode()
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    # Written aside and linked into place so that processes starting together (web, worker,
    # test workers) agree on one key: os.link refuses to replace a key another one wrote first.
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(pem)
    temporary.chmod(0o600)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        temporary.unlink()


def _oidc_private_key() -> str:
    if pem := env.str("TANDEM_OIDC_RSA_PRIVATE_KEY", default=""):
        return pem
    if key_file := env.str("TANDEM_OIDC_KEY_FILE", default=""):
        path = Path(key_file)
        if not path.is_file():
            raise ImproperlyConfigured(f"TANDEM_OIDC_KEY_FILE names no file: {path}")
        return path.read_text()
    # Demo default: a key of this machine's own, made once, in the git-ignored var/ directory.
    demo_key = VAR_DIR / "oidc.pem"
    if not demo_key.is_file():
        _generate_demo_key(demo_key)
    return demo_key.read_text()


OAUTH2_PROVIDER_APPLICATION_MODEL = "identity.Application"

_DEVICE_CODE_GRANT = "urn:ietf:params:oauth:grant-type:device_code"
# "none": public clients (the APS agent, native apps) prove themselves with PKCE instead.
_TOKEN_ENDPOINT_AUTH_METHODS = ["client_secret_basic", "client_secret_post", "none"]

OAUTH2_PROVIDER = {
    "OAUTH2_VALIDATOR_CLASS": "identity.oauth2_validators.TandemOAuth2Validator",
    "OIDC_ENABLED": True,
    "OIDC_ISS_ENDPOINT": OIDC_ISSUER,
    "OIDC_RSA_PRIVATE_KEY": _oidc_private_key(),
    # Keys retired by a rotation stay published in the JWKS until tokens signed with them expire.
    "OIDC_RSA_PRIVATE_KEYS_INACTIVE": [
        Path(path).read_text() for path in env.list("TANDEM_OIDC_RETIRED_KEY_FILES", default=[])
    ],
    "SCOPES": {
        "openid": "Confirm who you are",
        "profile": "See your name",
        "email": "See your email address",
        "connect": "Connect an account of its own to your firm in Tandem",
        "clients:read": "Read your firm's clients",
        "clients:write": "Change your firm's clients",
        "sync:run": "Start syncs of your firm's connected accounts",
        "aps:push": "Send your firm's APS client list to Tandem",
    },
    "DEFAULT_SCOPES": ["openid"],
    # Authorization code with PKCE S256 for people, the device grant for the APS agent; no
    # implicit, password or hybrid flow is offered or accepted.
    "PKCE_REQUIRED": True,
    "OIDC_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_RESPONSE_TYPES_SUPPORTED": ["code"],
    "OAUTH2_GRANT_TYPES_SUPPORTED": ["authorization_code", "refresh_token", _DEVICE_CODE_GRANT],
    "OIDC_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": _TOKEN_ENDPOINT_AUTH_METHODS,
    "OAUTH2_TOKEN_ENDPOINT_AUTH_METHODS_SUPPORTED": _TOKEN_ENDPOINT_AUTH_METHODS,
    "ALLOW_URI_WILDCARDS": False,
    # http stays allowed for loopback redirect URIs (RFC 8252: the sandboxes and native agents).
    "ALLOWED_REDIRECT_URI_SCHEMES": ["https", "http"],
    "AUTHORIZATION_CODE_EXPIRE_SECONDS": 60,
    "ACCESS_TOKEN_EXPIRE_SECONDS": env.int("TANDEM_OAUTH_ACCESS_TOKEN_SECONDS", default=10 * 60),
    "ID_TOKEN_EXPIRE_SECONDS": 10 * 60,
    "REFRESH_TOKEN_EXPIRE_SECONDS": env.int(
        "TANDEM_OAUTH_REFRESH_TOKEN_SECONDS", default=30 * 24 * 60 * 60
    ),
    "ROTATE_REFRESH_TOKEN": True,
    "REFRESH_TOKEN_REUSE_PROTECTION": True,
    "REFRESH_TOKEN_GRACE_PERIOD_SECONDS": 0,
    # Consent is remembered per (user, application, scopes) by identity.Consent, not inferred
    # from a live access token, so the approval prompt itself is always asked for.
    "REQUEST_APPROVAL_PROMPT": "force",
    "OAUTH_DEVICE_VERIFICATION_URI": env.str(
        "TANDEM_OAUTH_DEVICE_VERIFICATION_URI", default=f"{OIDC_ISSUER}/agent/device/"
    ),
    "COMPLIANT_BCP_RFC9700_IMPLICIT_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PASSWORD_GRANT": True,
    "COMPLIANT_BCP_RFC9700_PKCE_METHOD": True,
    "COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT": True,
    "COMPLIANT_BCP_RFC9700_AUTHZ_RESPONSE_ISS": True,
    "COMPLIANT_BCP_RFC9700_TOKEN_STORAGE": True,
    "COMPLIANT_BCP_RFC9700_REFRESH_TOKEN": True,
    "COMPLIANT_BCP_RFC9700_REDIRECT_URI_MATCHING": True,
    "COMPLIANT_BCP_RFC9700_PKCE_REQUIRED": True,
}
