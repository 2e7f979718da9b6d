"""Reads for the identity provider."""

from django.db.models import Q, QuerySet
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from accounts.models import User
from identity.models import Application, Consent


def user_subject(user: User) -> str:
    """The user's stable OIDC subject (`sub`): the same in id_tokens and feed-call tokens."""
    return str(user.pk)


def consent_get(*, user: User, application: Application) -> Consent | None:
    return Consent.objects.filter(user=user, application=application).first()


def consent_list(*, user: User) -> QuerySet[Consent]:
    return Consent.objects.filter(user=user)


def connected_application_list(*, user: User) -> QuerySet[Application]:
    """Applications the user has authorised, or that still hold a token of theirs.

    Tokens count too: a device-grant approval (the APS agent) records no consent screen.
    """
    token_holders = get_access_token_model().objects.filter(user=user).values("application")
    refresh_holders = (
        get_refresh_token_model()
        .objects.filter(user=user, revoked__isnull=True)
        .values("application")
    )
    return (
        Application.objects.filter(
            Q(consents__user=user) | Q(pk__in=token_holders) | Q(pk__in=refresh_holders)
        )
        .distinct()
        .order_by("name", "pk")
    )
