"""Personal access tokens: made by a person for their own scripts, revoked by them."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import Membership, User
from api.exceptions import TokenStateError
from api.models import PersonalAccessToken
from api.scopes import Scope
from api.tokens import token_hash, token_new, token_visible_prefix

# last_used_at is for people ("used yesterday"), not an access log: one write a minute at most.
LAST_USED_PRECISION = timedelta(minutes=1)


@dataclass(frozen=True)
class NewToken:
    """A token just made: `raw` is the secret, shown once and never stored."""

    token: PersonalAccessToken
    raw: str


@transaction.atomic
def personal_access_token_create(
    *, user: User, name: str, scopes: list[str], expires_at: datetime | None
) -> NewToken:
    """A token acting as `user` in their firm with `scopes`; `user` is the acting user too:
    nobody makes a token for someone else."""
    membership = Membership.objects.select_related("firm").filter(user=user).first()
    if membership is None:
        raise TokenStateError("Only a member of a firm can make an API token.")
    name = name.strip()
    errors = {}
    if not name:
        errors["name"] = "Name: say what the token is for, e.g. “Nightly export”."
    unknown = sorted(set(scopes) - set(Scope.values))
    if unknown:
        errors["scopes"] = f"Scopes: {', '.join(unknown)} are not scopes of the API."
    elif not scopes:
        errors["scopes"] = "Scopes: choose at least one."
    if expires_at is not None and expires_at <= timezone.now():
        errors["expires_at"] = "Expires: choose a moment in the future."
    if errors:
        raise ValidationError(errors)
    raw = token_new()
    token = PersonalAccessToken(
        firm=membership.firm,
        user=user,
        name=name,
        scopes=[scope for scope in Scope.values if scope in scopes],
        prefix=token_visible_prefix(raw),
        token_hash=token_hash(raw),
        expires_at=expires_at,
    )
    token.full_clean()
    token.save()
    audit_record(
        firm=membership.firm,
        actor=user,
        action="api_token.create",
        target=token,
        changes={"name": token.name, "scopes": token.scopes, "expires_at": _iso(expires_at)},
    )
    return NewToken(token=token, raw=raw)


@transaction.atomic
def personal_access_token_revoke(
    *, token: PersonalAccessToken, acting_user: User
) -> PersonalAccessToken:
    if token.revoked_at is not None:
        raise TokenStateError(f"{token} is already revoked.")
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit_record(firm=token.firm, actor=acting_user, action="api_token.revoke", target=token)
    return token


def personal_access_token_touch(*, token: PersonalAccessToken, now: datetime) -> None:
    """Records that the token was used, at most once per LAST_USED_PRECISION."""
    if token.last_used_at is None or now - token.last_used_at >= LAST_USED_PRECISION:
        PersonalAccessToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None
