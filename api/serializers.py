"""The shapes of the API's requests and answers. Input serializers check only types and
shapes; the rules (names required, phone numbers, codes unique...) are the services', with the
same messages the browser shows."""

from collections.abc import Mapping
from typing import Any

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from accounts.models import User
from clients.models import Client, ClientKind, ClientMerge, Relationship, RelationshipRole
from clients.selectors import LIST_COLUMNS
from clients.validation import EDITABLE_FIELDS
from documents.models import Document
from integrations.models import Connection
from scheduling.models import Appointment
from sync.models import Link, RecordOutcome, SyncKind, SyncRun, SyncRunRecord

# The largest id the databases store (a signed 64-bit integer); a larger one names nothing.
MAX_ID = 2**63 - 1


def id_field(**kwargs: Any) -> serializers.IntegerField:
    return serializers.IntegerField(min_value=1, max_value=MAX_ID, **kwargs)


class StrictSerializer(serializers.Serializer):
    """Refuses fields it does not know: a misspelt field must not be silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, Mapping):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError(
                    {name: ["This call takes no such field."] for name in unknown}
                )
        return super().to_internal_value(data)


# People and references ---------------------------------------------------------------------
class PersonSerializer(serializers.ModelSerializer):
    name = serializers.CharField(source="get_full_name")

    class Meta:
        model = User
        fields = ("id", "name", "email")


class ClientReferenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = ("id", "kind", "display_name")


# Clients -----------------------------------------------------------------------------------
class ClientSummarySerializer(serializers.ModelSerializer):
    """A row of the clients list: the columns the list reads."""

    class Meta:
        model = Client
        fields = LIST_COLUMNS


class ClientSerializer(serializers.ModelSerializer):
    class Meta:
        model = Client
        fields = (
            "id",
            "kind",
            *EDITABLE_FIELDS,
            "archived_at",
            "merged_into",
            "created_at",
            "updated_at",
        )


def _client_field(name: str) -> serializers.Field:
    if name == "date_of_birth":
        return serializers.DateField(required=False, allow_null=True)
    return serializers.CharField(required=False, allow_blank=True, trim_whitespace=False)


class ClientUpdateSerializer(StrictSerializer):
    """Any of a client's editable fields; those not sent keep their values."""

    def get_fields(self) -> dict[str, serializers.Field]:
        return {name: _client_field(name) for name in EDITABLE_FIELDS}


class ClientCreateSerializer(ClientUpdateSerializer):
    def get_fields(self) -> dict[str, serializers.Field]:
        return {"kind": serializers.ChoiceField(choices=ClientKind.choices), **super().get_fields()}


class ClientFilterSerializer(StrictSerializer):
    q = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Words in the name, code, email or phone; all must appear.",
    )
    kind = serializers.ChoiceField(choices=ClientKind.choices, required=False)
    archived = serializers.ChoiceField(
        choices=["false", "true", "all"],
        default="false",
        help_text="false: active clients; true: archived ones; all: both.",
    )
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)

    ARCHIVED = {"false": False, "true": True, "all": None}

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `client_list`."""
        data = self.validated_data
        return {
            "search": data.get("q", ""),
            "kind": data.get("kind"),
            "archived": self.ARCHIVED[data["archived"]],
        }


# Relationships -----------------------------------------------------------------------------
class RelationshipSerializer(serializers.ModelSerializer):
    entity = ClientReferenceSerializer()
    individual = ClientReferenceSerializer()

    class Meta:
        model = Relationship
        fields = ("id", "role", "entity", "individual", "created_at")


class RelationshipCreateSerializer(StrictSerializer):
    other = id_field(
        help_text="The active client on the other side: an individual when this client is a "
        "company, trust or partnership; an entity when it is an individual.",
    )
    role = serializers.ChoiceField(choices=RelationshipRole.choices)


# Appointments ------------------------------------------------------------------------------
class AppointmentSerializer(serializers.ModelSerializer):
    staff = PersonSerializer()

    class Meta:
        model = Appointment
        fields = (
            "id",
            "client",
            "staff",
            "starts_at",
            "ends_at",
            "location",
            "notes",
            "status",
            "created_at",
        )


class AppointmentBookSerializer(StrictSerializer):
    staff = id_field(help_text="The id of a member of the firm.")
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    location = serializers.CharField(required=False, allow_blank=True, default="")
    notes = serializers.CharField(required=False, allow_blank=True, default="")


class BookingSerializer(serializers.Serializer):
    appointment = AppointmentSerializer()
    clashes = AppointmentSerializer(
        many=True,
        help_text="The staff member's booked appointments this one overlaps: double-booking is "
        "allowed, and said.",
    )


# Documents ---------------------------------------------------------------------------------
class DocumentSerializer(serializers.ModelSerializer):
    uploaded_by = PersonSerializer(allow_null=True)

    class Meta:
        model = Document
        fields = (
            "id",
            "client",
            "original_name",
            "content_type",
            "size",
            "sha256",
            "uploaded_at",
            "uploaded_by",
        )


class DocumentUploadSerializer(StrictSerializer):
    # Empty files pass so the service refuses them with the message the browser shows.
    file = serializers.FileField(allow_empty_file=True)


# Connections and links ---------------------------------------------------------------------
class ConnectionSerializer(serializers.ModelSerializer):
    provider_name = serializers.CharField()

    class Meta:
        model = Connection
        fields = (
            "id",
            "provider",
            "provider_name",
            "external_account_name",
            "status",
            "connected_at",
            "last_error",
            "last_error_at",
        )


class ConnectionStatusSerializer(ConnectionSerializer):
    """A connection with what the API's status call adds, passed in `context` by the view:
    `links`, `directory_refreshed_at` and `active_run`."""

    links = serializers.SerializerMethodField()
    directory_refreshed_at = serializers.SerializerMethodField()
    active_run = serializers.SerializerMethodField()

    class Meta(ConnectionSerializer.Meta):
        fields = (
            *ConnectionSerializer.Meta.fields,
            "links",
            "directory_refreshed_at",
            "active_run",
        )

    @extend_schema_field(serializers.IntegerField(help_text="Clients linked through it."))
    def get_links(self, connection: Connection) -> int:
        return self.context["links"]

    @extend_schema_field(
        serializers.DateTimeField(
            allow_null=True, help_text="When Tandem last read the connection's list of clients."
        )
    )
    def get_directory_refreshed_at(self, connection: Connection) -> str | None:
        refreshed_at = self.context["directory_refreshed_at"]
        return serializers.DateTimeField().to_representation(refreshed_at) if refreshed_at else None

    @extend_schema_field(
        serializers.IntegerField(allow_null=True, help_text="The queued or running sync run.")
    )
    def get_active_run(self, connection: Connection) -> int | None:
        run = self.context["active_run"]
        return run.pk if run else None


class LinkSerializer(serializers.ModelSerializer):
    client = ClientReferenceSerializer()

    class Meta:
        model = Link
        fields = (
            "id",
            "client",
            "connection",
            "external_id",
            "external_name",
            "linked_at",
            "last_synced_at",
            "remote_status",
        )


class LinkCreateSerializer(StrictSerializer):
    connection = id_field()
    external_id = serializers.CharField(max_length=100)


class LinkSuggestionSerializer(serializers.Serializer):
    client = ClientReferenceSerializer()
    external_id = serializers.CharField(source="entry.external_id")
    external_name = serializers.CharField(source="entry.display_name")
    score = serializers.FloatField(help_text="How alike the two are, from 0 to 1.")
    reasons = serializers.ListField(child=serializers.CharField())


# Duplicates and merges ---------------------------------------------------------------------
class DuplicateGroupSerializer(serializers.Serializer):
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    clients = ClientSummarySerializer(many=True)


class MergeCreateSerializer(StrictSerializer):
    survivor = id_field(help_text="The contact that stays.")
    duplicates = serializers.ListField(
        child=id_field(),
        min_length=1,
        help_text="The contacts merged into the survivor, archived and kept for an undo.",
    )
    field_choices = serializers.DictField(
        child=id_field(),
        required=False,
        default=dict,
        help_text="Field name -> the id of the contact whose value the survivor keeps; "
        "other fields keep the survivor's.",
    )


class MergeSerializer(serializers.ModelSerializer):
    survivor = ClientReferenceSerializer()
    duplicates = ClientReferenceSerializer(many=True)
    merged_by = PersonSerializer(allow_null=True)
    undone_by = PersonSerializer(allow_null=True)

    class Meta:
        model = ClientMerge
        fields = (
            "id",
            "survivor",
            "duplicates",
            "merged_at",
            "merged_by",
            "undone_at",
            "undone_by",
        )


# Sync runs ---------------------------------------------------------------------------------
class SyncRunStartSerializer(StrictSerializer):
    kind = serializers.ChoiceField(choices=SyncKind.choices)
    dry_run = serializers.BooleanField(
        default=False, help_text="Only plan: the run records what it would do and changes nothing."
    )
    overwrite = serializers.BooleanField(
        default=False, help_text="Refresh only: the practice-management system wins every field."
    )
    external_ids = serializers.ListField(
        child=serializers.CharField(max_length=100),
        required=False,
        min_length=1,
        help_text="Only these external records; leave out for every record.",
    )


class SyncRunSerializer(serializers.ModelSerializer):
    started_by = PersonSerializer(allow_null=True)
    is_active = serializers.BooleanField(help_text="Queued or running.")
    progress = serializers.SerializerMethodField()

    class Meta:
        model = SyncRun
        fields = (
            "id",
            "connection",
            "kind",
            "status",
            "is_active",
            "dry_run",
            "overwrite",
            "external_ids",
            "retry_of",
            "started_by",
            "created_at",
            "started_at",
            "finished_at",
            "progress",
            "total",
            "processed",
            "created",
            "updated",
            "unchanged",
            "conflicts",
            "flagged",
            "skipped",
            "failed",
            "message",
        )

    @extend_schema_field(
        serializers.FloatField(
            allow_null=True,
            help_text="Processed out of total, 0 to 1; null until the total is known.",
        )
    )
    def get_progress(self, run: SyncRun) -> float | None:
        if not run.total:
            return None
        return min(run.processed / run.total, 1.0)


class SyncRunRecordSerializer(serializers.ModelSerializer):
    class Meta:
        model = SyncRunRecord
        fields = (
            "id",
            "external_id",
            "external_name",
            "client",
            "outcome",
            "changes",
            "conflicts",
            "pushable",
            "message",
        )


class SyncRunRecordFilterSerializer(StrictSerializer):
    outcome = serializers.ChoiceField(choices=RecordOutcome.choices, required=False)
    cursor = serializers.CharField(required=False)
    page_size = serializers.IntegerField(required=False, min_value=1, max_value=200)
