"""The secret in an invitation link: derived on demand, never stored, looked up by its hash."""

import hashlib
import secrets

from django.utils.crypto import salted_hmac

from accounts.models import Invitation

_KEY_SALT = "accounts.invitation"


def token_seed_new() -> str:
    return secrets.token_hex(32)


def invitation_token(invitation: Invitation) -> str:
    # Like Django's password-reset tokens, the token needs SECRET_KEY as well as the database row,
    # so a copy of the database alone (or of the task queue) cannot accept an invitation.
    return salted_hmac(_KEY_SALT, invitation.token_seed, algorithm="sha256").hexdigest()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
