"""Writes for the identity provider: CMS applications, the consent people give them, revocation."""

from django.core.exceptions import ValidationError
from django.db import transaction
from oauth2_provider.generators import generate_client_secret
from oauth2_provider.models import (
    get_access_token_model,
    get_grant_model,
    get_id_token_model,
    get_refresh_token_model,
)

from accounts.audit import audit_record
from accounts.models import Firm, User
from identity.exceptions import ApplicationInvalid
from identity.models import Application, Consent


@transaction.atomic
def consent_grant(
    *, user: User, application: Application, scopes: list[str], firm: Firm | None
) -> Consent:
    """Remember that `user` authorised `application` for `scopes`, on top of earlier grants."""
    consent, _created = Consent.objects.select_for_update().get_or_create(
        user=user, application=application, defaults={"scope": ""}
    )
    before = consent.scopes
    granted = before | set(scopes)
    consent.scope = " ".join(sorted(granted))
    consent.full_clean()
    consent.save()
    if firm is not None and granted != before:
        audit_record(
            firm=firm,
            actor=user,
            action="oauth_application.authorise",
            target=application,
            changes={"scopes": [" ".join(sorted(before)), consent.scope]},
        )
    return consent


@transaction.atomic
def connected_application_revoke(
    *, user: User, application: Application, firm: Firm | None
) -> None:
    """Withdraw everything `user` gave `application`: its consent, grants and tokens."""
    refresh_tokens = get_refresh_token_model().objects.filter(
        user=user, application=application, revoked__isnull=True
    )
    for refresh_token in refresh_tokens:
        refresh_token.revoke()
    get_access_token_model().objects.filter(user=user, application=application).delete()
    get_id_token_model().objects.filter(user=user, application=application).delete()
    get_grant_model().objects.filter(user=user, application=application).delete()
    Consent.objects.filter(user=user, application=application).delete()
    if firm is not None:
        audit_record(firm=firm, actor=user, action="oauth_application.revoke", target=application)


@transaction.atomic
def application_create(
    *,
    name: str,
    redirect_uris: list[str],
    client_feed_url: str = "",
    logo_url: str = "",
    public: bool = False,
    device: bool = False,
) -> tuple[Application, str | None]:
    """Register a CMS application; returns it with its client secret, shown this once.

    The secret is stored hashed, so it can never be read back. Public clients (`public`, and
    every device-grant client such as the APS agent) have none and rely on PKCE instead.
    """
    secret = None if public or device else generate_client_secret()
    application = Application(
        name=name,
        redirect_uris=" ".join(redirect_uris),
        client_feed_url=client_feed_url,
        logo_url=logo_url,
        client_type=Application.CLIENT_PUBLIC
        if secret is None
        else Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=(
            Application.GRANT_DEVICE_CODE if device else Application.GRANT_AUTHORIZATION_CODE
        ),
        client_secret=secret or "",
    )
    if not name.strip():
        raise ApplicationInvalid("An application needs a name people will recognise.", field="name")
    try:
        application.full_clean()
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise ApplicationInvalid(messages[0], field=field) from error
    application.save()
    return application, secret
