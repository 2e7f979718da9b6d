"""Activating APS, approving the sync agent's sign-in, and taking in what the agent sends.

What the agent sends lands in the APS connection's directory (`DirectoryEntry`), the same rows
a refresh fills for the other providers, so the sync engine reads APS like any of them. A
client gone from the export is archived there, never deleted: the sync engine then flags its
link for a person to review.
"""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from oauth2_provider.models import (
    AbstractApplication,
    get_application_model,
    get_device_grant_model,
)

from accounts.audit import audit_record
from accounts.models import Firm, User
from integrations.connectors.aps.connector import ApsConnector
from integrations.connectors.aps.exceptions import (
    AgentForbidden,
    ApsNotActivated,
    BatchRefused,
    DeviceCodeRefused,
)
from integrations.connectors.aps.mapping import APS_FIELDS, details_clean
from integrations.connectors.aps.selectors import aps_connection_get
from integrations.connectors.base import KINDS
from integrations.models import Connection, ConnectionStatus, Directory, DirectoryEntry
from sync.exceptions import SyncRunRefused
from sync.models import Link, SyncKind, SyncRun
from sync.runs import sync_run_start

# One APS database per firm: the agent is signed in to the firm, not to an APS account.
APS_ACCOUNT_ID = "aps"
APS_ACCOUNT_NAME = "APS database"
AGENT_SCOPE = "aps:push"
MAX_BATCH = 1000
MAX_REMOVED = 10000


# Setting up ----------------------------------------------------------------------------------
@transaction.atomic
def aps_activate(*, firm: Firm, acting_user: User) -> Connection:
    """Activate APS for the firm (or bring it back after a Disconnect). Nothing is asked of APS:
    the connection waits for the agent to sign in and send the export."""
    agent_application_ensure()
    connection = (
        Connection.objects.select_for_update()
        .filter(firm=firm, provider=ApsConnector.key, external_account_id=APS_ACCOUNT_ID)
        .first()
    )
    before = connection.status if connection else None
    if connection is None:
        connection = Connection(
            firm=firm,
            provider=ApsConnector.key,
            external_account_id=APS_ACCOUNT_ID,
            external_account_name=APS_ACCOUNT_NAME,
        )
    if before == ConnectionStatus.ACTIVE:
        return connection
    connection.status = ConnectionStatus.ACTIVE
    connection.connected_by = acting_user
    connection.connected_at = timezone.now()
    connection.full_clean()
    connection.save()
    Directory.objects.get_or_create(connection=connection)
    audit_record(
        firm=firm,
        actor=acting_user,
        action="connection.connect" if before is None else "connection.reauthorise",
        target=connection,
        changes={"account": connection.external_account_name, "status": [before, "active"]},
    )
    return connection


def agent_application_ensure() -> AbstractApplication:
    """The OAuth application the agent signs in as: public (it keeps no secret) and limited to
    the device authorization grant."""
    application, _ = get_application_model().objects.get_or_create(
        client_id=settings.TANDEM_AGENT_CLIENT_ID,
        defaults={
            "name": "Tandem sync agent",
            "client_type": AbstractApplication.CLIENT_PUBLIC,
            "authorization_grant_type": AbstractApplication.GRANT_DEVICE_CODE,
            "client_secret": "",
        },
    )
    return application


@transaction.atomic
def agent_device_approve(*, firm: Firm, acting_user: User, user_code: str, approve: bool) -> None:
    """Approve (or deny) the sign-in of the agent that shows `user_code`: its tokens then act
    for `acting_user`, a firm administrator, so for the firm's APS connection only."""
    connection = aps_connection_get(firm=firm)
    if connection is None:
        raise ApsNotActivated(firm.name)
    code = "".join(user_code.split()).replace("-", "").upper()
    device_grants = get_device_grant_model().objects.select_for_update()
    grant = device_grants.filter(client_id=settings.TANDEM_AGENT_CLIENT_ID, user_code=code).first()
    if grant is None:
        raise DeviceCodeRefused(
            "Code: that is not a code the Tandem sync agent is showing. Check it and try again."
        )
    if grant.is_expired():
        raise DeviceCodeRefused(
            "Code: that code has expired. Run “tandem-agent login” again for a new one."
        )
    if grant.status != grant.AUTHORIZATION_PENDING:
        raise DeviceCodeRefused("Code: that code has been used already.")
    grant.user = acting_user
    grant.status = grant.AUTHORIZED if approve else grant.DENIED
    grant.save(update_fields=["user", "status"])
    audit_record(
        firm=firm,
        actor=acting_user,
        action="aps.agent_approve" if approve else "aps.agent_deny",
        target=connection,
    )


def agent_connection_get(*, user: User, client_id: str) -> Connection:
    """The APS connection an agent signed in as `user` sends to; refused unless the token is the
    agent's (`client_id`, not another application's that was granted the scope) and `user` is
    (still) an administrator of a firm with APS active."""
    if client_id != settings.TANDEM_AGENT_CLIENT_ID:
        raise AgentForbidden("Only the Tandem sync agent may send a firm's APS clients.")
    membership = getattr(user, "membership", None)
    if membership is None or not membership.is_admin:
        raise AgentForbidden(
            "The agent's sign-in belongs to someone who is not a firm administrator (any more). "
            "A firm administrator must approve it: run “tandem-agent login” again."
        )
    connection = aps_connection_get(firm=membership.firm)
    if connection is None:
        raise ApsNotActivated(membership.firm.name)
    return connection


# What the agent sends ------------------------------------------------------------------------
@dataclass(frozen=True)
class RecordRefusal:
    """A record of a batch Tandem did not take: its place in the batch, its code, why."""

    index: int
    code: str
    message: str


@dataclass(frozen=True)
class BatchOutcome:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    refused: tuple[RecordRefusal, ...] = field(default=())

    @property
    def accepted(self) -> int:
        return self.created + self.updated + self.unchanged


@dataclass(frozen=True)
class RemovalOutcome:
    """`review_run` is the refresh started to flag the archived clients' links, if any."""

    archived: int
    already_archived: int
    unknown: tuple[str, ...]
    review_run: SyncRun | None = None


@transaction.atomic
def aps_records_receive(*, connection: Connection, acting_user: User, records: Any) -> BatchOutcome:
    """Upsert a batch of clients (agent wire format, see `mapping`) into the directory.

    Each record is judged on its own: a bad one is refused with the reason, the others kept.
    A record unchanged since the last time is left alone, so its `modified_at` still says when
    APS last changed it, which listings of changes go by.
    """
    if not isinstance(records, list):
        raise BatchRefused("“records” must be a list of clients.")
    if len(records) > MAX_BATCH:
        raise BatchRefused(
            f"A batch holds at most {MAX_BATCH} clients; this one has {len(records)}."
        )
    now = timezone.now()
    refused: list[RecordRefusal] = []
    received: dict[str, DirectoryEntry] = {}
    for index, record in enumerate(records):
        try:
            entry = _entry(connection, record, now)
        except _Refused as refusal:
            refused.append(RecordRefusal(index, refusal.code, refusal.message))
            continue
        if entry.external_id in received:
            refused.append(
                RecordRefusal(index, entry.external_id, "Client code: sent twice in this batch.")
            )
            continue
        received[entry.external_id] = entry

    stored = {
        entry.external_id: entry
        for entry in DirectoryEntry.objects.select_for_update().filter(
            connection=connection, external_id__in=list(received)
        )
    }
    changed = [
        entry
        for code, entry in received.items()
        if code not in stored or _content(stored[code]) != _content(entry)
    ]
    if changed:
        DirectoryEntry.objects.bulk_create(
            changed,
            update_conflicts=True,
            unique_fields=["connection", "external_id"],
            update_fields=[
                "kind",
                "display_name",
                "sort_name",
                "fields",
                "details",
                "modified_at",
                "archived",
                "refreshed_at",
            ],
        )
        _directory_changed(connection, now)
    created = sum(1 for entry in changed if entry.external_id not in stored)
    outcome = BatchOutcome(
        created=created,
        updated=len(changed) - created,
        unchanged=len(received) - len(changed),
        refused=tuple(refused),
    )
    _contact(connection, now)
    audit_record(
        firm=connection.firm,
        actor=acting_user,
        action="aps.clients_receive",
        target=connection,
        changes={
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
            "refused": len(refused),
        },
    )
    return outcome


@transaction.atomic
def aps_records_archive(*, connection: Connection, acting_user: User, codes: Any) -> RemovalOutcome:
    """Archive the clients gone from the export. Never deleted: links to them stay, and a
    refresh of just the linked ones is started, in which the sync engine flags them for a
    person to review (unless a run is under way already: the next refresh flags them)."""
    if not isinstance(codes, list) or not all(isinstance(code, str) for code in codes):
        raise BatchRefused("“codes” must be a list of client codes.")
    if len(codes) > MAX_REMOVED:
        raise BatchRefused(f"At most {MAX_REMOVED} client codes at a time; {len(codes)} were sent.")
    now = timezone.now()
    entries = DirectoryEntry.objects.filter(connection=connection, external_id__in=set(codes))
    known = set(entries.values_list("external_id", flat=True))
    archived_codes = sorted(entries.filter(archived=False).values_list("external_id", flat=True))
    archived = entries.filter(external_id__in=archived_codes).update(
        archived=True, modified_at=now, refreshed_at=now
    )
    if archived:
        _directory_changed(connection, now)
    _contact(connection, now)
    audit_record(
        firm=connection.firm,
        actor=acting_user,
        action="aps.clients_archive",
        target=connection,
        changes={"archived": archived_codes},
    )
    return RemovalOutcome(
        archived=archived,
        already_archived=len(known) - archived,
        unknown=tuple(sorted(set(codes) - known)),
        review_run=_linked_review(connection, acting_user, archived_codes),
    )


def _linked_review(connection: Connection, acting_user: User, codes: list[str]) -> SyncRun | None:
    linked = list(
        Link.objects.filter(connection=connection, external_id__in=codes).values_list(
            "external_id", flat=True
        )
    )
    if not linked:
        return None
    try:
        with transaction.atomic():
            return sync_run_start(
                connection=connection,
                acting_user=acting_user,
                kind=SyncKind.REFRESH,
                external_ids=linked,
            )
    except SyncRunRefused:
        return None


def agent_contact_record(*, connection: Connection) -> None:
    _contact(connection, timezone.now())


class _Refused(Exception):
    def __init__(self, code: str, message: str):
        self.code = code
        self.message = message


def _entry(connection: Connection, record: Any, now: datetime) -> DirectoryEntry:
    if not isinstance(record, dict):
        raise _Refused("", "Each client must be an object.")
    code = record.get("code")
    if not isinstance(code, str) or not code.strip():
        raise _Refused("", "Client code: none was sent.")
    code = code.strip()
    kind = record.get("kind")
    if not isinstance(kind, str) or kind not in KINDS:
        allowed = ", ".join(sorted(KINDS))
        raise _Refused(code, f"Kind: “{kind}” is not one of {allowed}.")
    fields = record.get("fields")
    if not isinstance(fields, dict):
        raise _Refused(code, "Fields: must be an object of client fields.")
    unknown = set(fields) - APS_FIELDS.canonical_fields
    if unknown:
        raise _Refused(code, f"Fields: Tandem has no client fields {', '.join(sorted(unknown))}.")
    values, errors = APS_FIELDS.to_canonical({**fields, "code": code}, kind=kind)
    if not errors and not values.get("display_name"):
        errors["display_name"] = "Name: none was sent."
    if errors:
        raise _Refused(code, " ".join(errors.values()))
    try:
        details = details_clean(record.get("details"))
    except ValueError as error:
        raise _Refused(code, f"Details: {error}.") from None
    name = values["display_name"]
    return DirectoryEntry(
        connection=connection,
        external_id=code,
        kind=kind,
        display_name=name,
        sort_name=name.casefold()[:255],
        fields=APS_FIELDS.to_provider(values),
        details=details,
        modified_at=now,
        archived=False,
        refreshed_at=now,
    )


def _content(entry: DirectoryEntry) -> tuple:
    return (entry.kind, entry.fields, entry.details, entry.archived)


def _directory_changed(connection: Connection, now: datetime) -> None:
    # A new version, so that cached search indexes of the directory are rebuilt.
    Directory.objects.get_or_create(connection=connection)
    Directory.objects.filter(connection=connection).update(
        version=F("version") + 1, refreshed_at=now
    )


def _contact(connection: Connection, now: datetime) -> None:
    Connection.objects.filter(pk=connection.pk).update(agent_contact_at=now)
    connection.agent_contact_at = now
