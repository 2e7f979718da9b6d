from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone

from accounts.models import Firm


class PersonalAccessToken(models.Model):
    """A bearer token a person makes for a script of their own, acting as them in their firm.

    Only the SHA-256 of the token is stored; `prefix` (the token's first characters) is kept
    readable so a person can tell their tokens apart without Tandem holding the secret.
    """

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="personal_access_tokens"
    )
    name = models.CharField(max_length=100)
    scopes = models.JSONField(default=list)
    prefix = models.CharField(max_length=16)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and self.expires_at <= timezone.now()

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and not self.is_expired


class IdempotencyKey(models.Model):
    """The first answer to a create call sent with an `Idempotency-Key`, replayed to retries.

    `credential` names who sent it (one token, or one OAuth application acting for one user,
    whose access tokens rotate): keys of different callers never meet. `fingerprint` is the
    hash of the method, path and body, so the same key with a different request is refused.
    """

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    credential = models.CharField(max_length=100)
    key = models.CharField(max_length=255)
    fingerprint = models.CharField(max_length=64)
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField(encoder=DjangoJSONEncoder, null=True)
    response_location = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["credential", "key"], name="idempotency_key_unique_per_credential"
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="idempotency_key_created")]

    def __str__(self) -> str:
        return f"{self.credential}: {self.key}"
