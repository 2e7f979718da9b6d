"""Mint client-feed tokens the way Tandem does, with a key of your own, for testing a feed.

    python -m sandbox.cms.feed_token --key-file test-key.pem --issuer https://tandem.test \\
        --audience CLIENT_ID --subject SUB --account-id ACCOUNT        # prints a token
    python -m sandbox.cms.feed_token --key-file test-key.pem --jwks   # prints the public JWKS

A CMS under test trusts that JWKS and issuer instead of Tandem's (the sandbox's `--jwks-url`
and `--issuer`); the contract kit's `--token-command` runs the first form.
"""

import argparse
import json
import time
import uuid
from pathlib import Path

from joserfc import jwt
from joserfc.jwk import RSAKey

LIFETIME_SECONDS = 300


def signing_key_load(pem: bytes | str) -> RSAKey:
    key = RSAKey.import_key(pem)
    # The RFC 7638 thumbprint, as Tandem names its keys.
    return RSAKey.import_key(
        pem, parameters={"kid": key.thumbprint(), "alg": "RS256", "use": "sig"}
    )


def public_jwks(key: RSAKey) -> dict:
    return {"keys": [key.as_dict(private=False)]}


def feed_token_mint(
    *,
    key: RSAKey,
    issuer: str,
    audience: str,
    subject: str,
    account_id: str,
    issued_at: int | None = None,
    lifetime_seconds: int = LIFETIME_SECONDS,
    **extra_claims,
) -> str:
    now = int(time.time()) if issued_at is None else issued_at
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": subject,
        "account_id": account_id,
        "iat": now,
        "exp": now + lifetime_seconds,
        "jti": uuid.uuid4().hex,
    } | extra_claims
    return jwt.encode({"alg": "RS256", "typ": "JWT", "kid": key.kid}, claims, key)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m sandbox.cms.feed_token", description=__doc__)
    parser.add_argument("--key-file", type=Path, required=True, help="an RSA private key (PEM)")
    parser.add_argument("--jwks", action="store_true", help="print the public JWKS and stop")
    for name in ("--issuer", "--audience", "--subject", "--account-id"):
        parser.add_argument(name)
    args = parser.parse_args(argv)
    key = signing_key_load(args.key_file.read_bytes())
    if args.jwks:
        print(json.dumps(public_jwks(key)))
        return
    missing = [n for n in ("issuer", "audience", "subject", "account_id") if not getattr(args, n)]
    if missing:
        parser.error("a token needs " + ", ".join(f"--{n.replace('_', '-')}" for n in missing))
    print(
        feed_token_mint(
            key=key,
            issuer=args.issuer,
            audience=args.audience,
            subject=args.subject,
            account_id=args.account_id,
        )
    )


if __name__ == "__main__":
    main()
