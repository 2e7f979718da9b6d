"""Personal access tokens as strings: made once, shown once, stored only as a hash."""

import hashlib
import secrets

# Lets a leaked token be recognised (secret scanners, logs) and routed to the right check.
TOKEN_PREFIX = "tnd_"  # noqa: S105 - a marker, not a secret
# The part of a token kept readable, so a person can tell their tokens apart.
VISIBLE_LENGTH = len(TOKEN_PREFIX) + 8


def token_new() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_visible_prefix(raw: str) -> str:
    return raw[:VISIBLE_LENGTH]
