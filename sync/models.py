from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Firm
from clients.models import Client
from integrations.models import Connection


class Link(models.Model):
    """A Tandem client <-> one record (`external_id`) of one connection.

    `base` is the canonical field values both sides agreed on at the last sync: empty until
    the first sync, since linking changes no values.
    """

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="links")
    connection = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="links")
    external_id = models.CharField(max_length=100)
    external_name = models.CharField(max_length=255)
    base = models.JSONField(default=dict, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["connection", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "external_id"], name="link_unique_external_record"
            ),
            models.UniqueConstraint(fields=["connection", "client"], name="link_unique_client"),
        ]

    def __str__(self) -> str:
        return f"{self.client} <-> {self.external_name}"
