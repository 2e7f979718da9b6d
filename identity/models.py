from urllib.parse import urlsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from oauth2_provider.models import AbstractApplication, ApplicationManager

LOOPBACK_HOSTS = {"127.0.0.1", "localhost", "::1"}


class Application(AbstractApplication):
    """A CMS supplier's application, registered once for every firm that uses it.

    Swapped in for django-oauth-toolkit's own (OAUTH2_PROVIDER_APPLICATION_MODEL).
    """

    client_feed_url = models.URLField(
        "client feed URL",
        blank=True,
        help_text="Where Tandem reads a connected account's clients (the client-feed contract).",
    )
    logo_url = models.URLField("logo URL", blank=True)
    # Every application gets id_tokens signed with Tandem's published RSA key.
    algorithm = models.CharField(
        max_length=5,
        choices=AbstractApplication.ALGORITHM_TYPES,
        default=AbstractApplication.RS256_ALGORITHM,
        blank=True,
    )

    objects = ApplicationManager()

    class Meta(AbstractApplication.Meta):
        swappable = "OAUTH2_PROVIDER_APPLICATION_MODEL"
        constraints = [
            # RFC 9700 2.1.2 and 2.4: no implicit, hybrid or password grant, whatever the admin
            # offers; people use the authorization code, on-premises agents the device grant.
            models.CheckConstraint(
                condition=models.Q(
                    authorization_grant_type__in=[
                        AbstractApplication.GRANT_AUTHORIZATION_CODE,
                        AbstractApplication.GRANT_DEVICE_CODE,
                    ]
                ),
                name="identity_application_grant_allowed",
                violation_error_message=(
                    "Applications use the authorization code or the device code grant."
                ),
            ),
        ]

    def natural_key(self):
        return (self.client_id,)

    def clean(self) -> None:
        errors: dict = {}
        try:
            super().clean()
        except ValidationError as error:
            errors = error.update_error_dict(errors)
        # RFC 9700 2.6: a code sent over plain http can be read on the way; http is left for
        # loopback redirects only, which never leave the machine (RFC 8252).
        for uri in self.redirect_uris.split():
            parts = urlsplit(uri)
            if parts.scheme == "http" and parts.hostname not in LOOPBACK_HOSTS:
                errors.setdefault("redirect_uris", []).append(
                    ValidationError(f"{uri} must use https; only loopback addresses may use http.")
                )
        if errors:
            raise ValidationError(errors)

    def redirect_uri_allowed(self, uri: str) -> bool:
        # RFC 9700 4.1.1: exact string comparison. The toolkit's own check also accepts extra
        # query parameters, which would let an attacker smuggle a second redirect through.
        return uri in self.redirect_uris.split()


class Consent(models.Model):
    """The scopes a person has authorised an application to use, so it is asked only once.

    Revoking a connected application deletes this row along with the application's tokens.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="oauth_consents"
    )
    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL,
        on_delete=models.CASCADE,
        related_name="consents",
    )
    scope = models.TextField(help_text="Space-separated scopes granted.")
    granted_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "application"], name="identity_consent_one_per_application"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user} → {self.application}"

    @property
    def scopes(self) -> set[str]:
        return set(self.scope.split())


class RedeemedCode(models.Model):
    """An authorization code already exchanged, remembered by its hash after the toolkit
    deletes it, so that a second exchange revokes the tokens the first one obtained
    (RFC 6749 4.1.2, RFC 9700 4.2.1): whoever replays it may have stolen them.
    """

    code_checksum = models.CharField(max_length=64, unique=True)
    application = models.ForeignKey(
        settings.OAUTH2_PROVIDER_APPLICATION_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    token_family = models.UUIDField()
    forget_after = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"Code redeemed by {self.application}"
