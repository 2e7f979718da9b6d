from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Firm
from integrations.connectors.registry import connector_class, provider_name
from integrations.crypto import EncryptedTextField, SecretKeysJSONField


class ConnectionStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    NEEDS_REAUTHORISATION = "needs_reauthorisation", "Needs reauthorisation"
    DISCONNECTED = "disconnected", "Disconnected"


class Connection(models.Model):
    """One authorised link between a firm and one account of an external system.

    A disconnected connection keeps its row, so the links and sync history that refer to it
    stay readable, and connecting the same account again revives it.
    """

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="connections")
    provider = models.CharField(max_length=40)
    external_account_id = models.CharField(
        max_length=100, help_text="The account at the provider, e.g. the Xero tenant id."
    )
    external_account_name = models.CharField(max_length=255)
    # What the provider calls this authorised link, so that disconnecting can revoke it there.
    provider_connection_id = models.CharField(max_length=100, blank=True)
    status = models.CharField(
        max_length=30, choices=ConnectionStatus.choices, default=ConnectionStatus.ACTIVE
    )
    connected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    connected_at = models.DateTimeField(default=timezone.now)
    last_error = models.TextField(blank=True)
    last_error_at = models.DateTimeField(null=True, blank=True)
    # For providers that call Tandem instead (the Tandem sync agent feeding APS): when their
    # agent was last heard from, so a silent one shows on the Add-ons page.
    agent_contact_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["provider", "external_account_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["firm", "provider", "external_account_id"],
                name="connection_unique_account_per_firm",
            ),
        ]
        indexes = [models.Index(fields=["firm", "status"], name="connection_firm_status")]

    def __str__(self) -> str:
        return f"{self.provider_name}: {self.external_account_name}"

    @property
    def provider_name(self) -> str:
        return provider_name(self.provider)

    @property
    def is_active(self) -> bool:
        return self.status == ConnectionStatus.ACTIVE

    @property
    def needs_reauthorisation(self) -> bool:
        return self.status == ConnectionStatus.NEEDS_REAUTHORISATION

    @property
    def fed_by_agent(self) -> bool:
        """Whether the provider's records come from the Tandem sync agent rather than calls."""
        return getattr(connector_class(self.provider), "fed_by_agent", False)

    @property
    def agent_silent(self) -> bool:
        """Whether the sync agent has not called for TANDEM_AGENT_SILENT_HOURS (or ever)."""
        if self.agent_contact_at is None:
            return True
        silence = timezone.now() - self.agent_contact_at
        return silence > timedelta(hours=settings.TANDEM_AGENT_SILENT_HOURS)


class Credential(models.Model):
    """The OAuth tokens of one connection, encrypted at rest.

    A row of its own so that refreshing can lock it (`select_for_update`) without holding up
    anything that only reads the connection.
    """

    connection = models.OneToOneField(
        Connection, on_delete=models.CASCADE, related_name="credential", primary_key=True
    )
    access_token = EncryptedTextField()
    refresh_token = EncryptedTextField(blank=True)
    access_token_expires_at = models.DateTimeField()
    refreshed_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Credential of {self.connection}"

    def expires_within(self, margin: timedelta, *, now: datetime | None = None) -> bool:
        return self.access_token_expires_at <= (now or timezone.now()) + margin


class Directory(models.Model):
    """Where a connection's directory of external records has got to.

    `version` changes with every committed page, so a search index built from the rows is
    cached under (connection, version) and never outlives them. `refreshed_through` is the
    high-water mark: the instant the last complete refresh started, which the next one asks
    for changes since (less an overlap).
    """

    connection = models.OneToOneField(
        Connection, on_delete=models.CASCADE, related_name="directory", primary_key=True
    )
    version = models.PositiveIntegerField(default=0)
    refreshed_through = models.DateTimeField(null=True, blank=True)
    refreshed_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"Directory of {self.connection}"


class DirectoryEntry(models.Model):
    """One external record as last read from the connection, in canonical field names."""

    # No index of its own on either: every query is for one connection, which the unique
    # constraint and `directory_entry_by_name` begin with, and each index more is written in
    # a random place for every record an import saves.
    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="directory_entries", db_index=False
    )
    external_id = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, blank=True)
    display_name = models.CharField(max_length=255)
    sort_name = models.CharField(max_length=255)
    fields = SecretKeysJSONField(default=dict)
    modified_at = models.DateTimeField(null=True, blank=True)
    archived = models.BooleanField(default=False)
    refreshed_at = models.DateTimeField()
    # What the provider holds beyond the canonical fields, kept for people to read (APS: the
    # family group, and the contacts with their roles).
    details = SecretKeysJSONField(default=dict, blank=True)

    class Meta:
        ordering = ["sort_name", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "external_id"], name="directory_entry_unique_external_id"
            ),
        ]
        indexes = [
            models.Index(fields=["connection", "sort_name", "id"], name="directory_entry_by_name")
        ]

    def __str__(self) -> str:
        return self.display_name
