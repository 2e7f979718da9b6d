from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import User
from api.models import PersonalAccessToken
from api.tokens import token_hash


def personal_access_tokens_for_user(*, user: User) -> QuerySet[PersonalAccessToken]:
    return PersonalAccessToken.objects.filter(user=user)


def personal_access_token_get(*, user: User, pk: int) -> PersonalAccessToken:
    """One of `user`'s own tokens, or 404: nobody else's token is theirs to see or revoke."""
    return get_object_or_404(personal_access_tokens_for_user(user=user), pk=pk)


def personal_access_token_find(*, raw: str) -> PersonalAccessToken | None:
    """The token whose secret is `raw`, usable or not, found by its hash."""
    return (
        PersonalAccessToken.objects.select_related("user")
        .filter(token_hash=token_hash(raw))
        .first()
    )
