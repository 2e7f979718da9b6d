from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Firm
from clients.models import Client
from integrations.crypto import SecretKeysJSONField
from integrations.models import Connection


class RemoteStatus(models.TextChoices):
    PRESENT = "present", "In step"
    ARCHIVED = "archived", "Archived in the external system"
    MISSING = "missing", "No longer in the external system"


class Link(models.Model):
    """A Tandem client <-> one record (`external_id`) of one connection.

    `base` is the canonical field values both sides agreed on at the last sync: empty until
    the first sync, since linking changes no values.
    """

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="links")
    # Found through the unique constraints, which begin with it, rather than an index more.
    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="links", db_index=False
    )
    external_id = models.CharField(max_length=100)
    external_name = models.CharField(max_length=255)
    base = SecretKeysJSONField(default=dict, blank=True)
    linked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    linked_at = models.DateTimeField(default=timezone.now)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    # Set by a sync that finds the external record archived or gone: a person reviews it;
    # Tandem never archives or deletes the client on its own.
    remote_status = models.CharField(
        max_length=20, choices=RemoteStatus.choices, default=RemoteStatus.PRESENT
    )
    remote_status_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["connection_id", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection", "external_id"], name="link_unique_external_record"
            ),
            models.UniqueConstraint(fields=["connection", "client"], name="link_unique_client"),
        ]

    def __str__(self) -> str:
        return f"{self.client} <-> {self.external_name}"


class SyncKind(models.TextChoices):
    IMPORT = "import", "Import"
    REFRESH = "refresh", "Refresh"


class SyncRunStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Done"
    FAILED = "failed", "Failed"


ACTIVE_RUN_STATUSES = (SyncRunStatus.QUEUED, SyncRunStatus.RUNNING)


class SyncRun(models.Model):
    """One background job over one connection: an import or a refresh, real or a dry run.

    `external_ids` limits it to those records (an import of the ones a person ticked, a Retry
    failed); empty means every record. `cursor` is where the listing had got to at the last
    committed batch, so a run whose worker died resumes there. At most one run per connection
    is queued or running at a time (a database constraint, so it holds across workers).
    """

    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="+")
    connection = models.ForeignKey(Connection, on_delete=models.PROTECT, related_name="sync_runs")
    kind = models.CharField(max_length=20, choices=SyncKind.choices)
    status = models.CharField(
        max_length=20, choices=SyncRunStatus.choices, default=SyncRunStatus.QUEUED
    )
    dry_run = models.BooleanField(default=False)
    overwrite = models.BooleanField(default=False)
    external_ids = models.JSONField(default=list, blank=True)
    retry_of = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.SET_NULL, related_name="retries"
    )
    # None when the schedule started it.
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    task_id = models.CharField(max_length=64, blank=True)
    # The instant the listing was asked for changes since (None: everything).
    modified_since = models.DateTimeField(null=True, blank=True)
    cursor = models.JSONField(default=dict, blank=True)
    total = models.PositiveIntegerField(null=True, blank=True)
    processed = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    conflicts = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    skipped = models.PositiveIntegerField(default=0)
    failed = models.PositiveIntegerField(default=0)
    api_calls = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["connection"],
                condition=models.Q(status__in=ACTIVE_RUN_STATUSES),
                name="sync_run_one_active_per_connection",
            ),
        ]
        indexes = [models.Index(fields=["connection", "-created_at"], name="sync_run_history")]

    def __str__(self) -> str:
        dry = " (dry run)" if self.dry_run else ""
        return f"{self.get_kind_display()} of {self.connection}{dry}"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_RUN_STATUSES

    @property
    def duration(self):
        if self.started_at is None:
            return None
        return (self.finished_at or timezone.now()) - self.started_at


class RecordOutcome(models.TextChoices):
    CREATED = "created", "Created"
    UPDATED = "updated", "Updated"
    CONFLICT = "conflict", "Conflict"
    PUSHABLE = "pushable", "Changed in Tandem only"
    FLAGGED = "flagged", "Flagged for review"
    SKIPPED = "skipped", "Skipped"
    FAILED = "failed", "Failed"


class SyncRunRecord(models.Model):
    """What a run did (or, in a dry run, would do) with one external record.

    Records left as they were are only counted on the run. `changes` maps a field to its
    {"from", "to"} in Tandem; `conflicts` maps a field to {"tandem", "base", "remote"};
    `pushable` lists the fields changed only in Tandem. A failed record keeps the external
    record as it was received in `raw`, for the person and for Retry failed.
    """

    # Found through the unique constraint and the outcome index, which begin with it.
    run = models.ForeignKey(
        SyncRun, on_delete=models.CASCADE, related_name="records", db_index=False
    )
    external_id = models.CharField(max_length=100)
    external_name = models.CharField(max_length=255, blank=True)
    client = models.ForeignKey(
        Client, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    outcome = models.CharField(max_length=20, choices=RecordOutcome.choices)
    changes = SecretKeysJSONField(default=dict, blank=True)
    conflicts = SecretKeysJSONField(default=dict, blank=True)
    pushable = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    raw = SecretKeysJSONField(default=dict, blank=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "external_id"], name="sync_run_record_once_per_run"
            ),
        ]
        indexes = [models.Index(fields=["run", "outcome"], name="sync_run_record_by_outcome")]

    def __str__(self) -> str:
        return f"{self.external_name or self.external_id}: {self.get_outcome_display()}"


class SyncSchedule(models.Model):
    """A connection's automatic refresh: every `every_minutes`, run by the worker. Off unless
    a firm administrator turns it on."""

    connection = models.OneToOneField(
        Connection, on_delete=models.CASCADE, related_name="sync_schedule", primary_key=True
    )
    enabled = models.BooleanField(default=False)
    every_minutes = models.PositiveIntegerField(default=60)
    next_run_at = models.DateTimeField(null=True, blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    def __str__(self) -> str:
        return f"Schedule of {self.connection}"
