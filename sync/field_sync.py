"""Field-level sync of one linked client: how each field stands against the linked record, and
a person's choice of direction per field applied to both sides.

The three-way comparison (Tandem, base snapshot, external record) is the planner's; this module
reads the two sides, asks `record_plan`, and applies the plan. Values are compared and stored in
their JSON form (a date as ISO text, see `sync.snapshots`), as the base snapshot keeps them.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import User
from clients.models import Client
from clients.services import client_update
from clients.validation import INDIVIDUAL_FIELDS, field_label
from integrations.connectors.base import CANONICAL_FIELDS, Capability, Connector, ExternalRecord
from integrations.connectors.registry import connector_class
from integrations.exceptions import BadResponse, IntegrationError, ProviderUnavailable
from sync.exceptions import SyncError
from sync.models import Link
from sync.planner import ABSENT, Decision, Direction, Plan, Policy, record_plan
from sync.snapshots import snapshot_dump


class FieldStatus(enum.StrEnum):
    IN_STEP = "in_step"
    CHANGED_IN_TANDEM = "changed_in_tandem"
    CHANGED_IN_PM = "changed_in_pm"
    CONFLICT = "conflict"  # both sides changed it, differently
    NEVER_SYNCED = "never_synced"  # the values differ and no sync ever agreed on one


@dataclass(frozen=True)
class FieldState:
    """One synced field of a link: both values, the base (None when there is none yet), the
    status, and whether Tandem's value may be written to the external system."""

    name: str
    label: str
    tandem: Any
    remote: Any
    base: Any
    status: FieldStatus
    can_push: bool

    @property
    def differs(self) -> bool:
        return self.status != FieldStatus.IN_STEP

    @property
    def suggested_direction(self) -> Direction | None:
        """Towards the side that did not change it; None when a person must decide."""
        if self.status == FieldStatus.CHANGED_IN_PM:
            return Direction.TO_LOCAL
        if self.status == FieldStatus.CHANGED_IN_TANDEM and self.can_push:
            return Direction.TO_REMOTE
        return None


_STATUS_OF_DECISION = {
    Decision.UNCHANGED: FieldStatus.IN_STEP,
    Decision.TAKE_REMOTE: FieldStatus.CHANGED_IN_PM,
    Decision.PUSH_LOCAL: FieldStatus.CHANGED_IN_TANDEM,
    Decision.KEEP_LOCAL: FieldStatus.CHANGED_IN_TANDEM,
    Decision.CONFLICT: FieldStatus.CONFLICT,
}
_DIRECTIONS = frozenset(Direction)


# Pure helpers ---------------------------------------------------------------------------------
def field_states(
    *,
    local: Mapping[str, Any],
    base: Mapping[str, Any] | None,
    remote: Mapping[str, Any],
    fields: list[str],
    can_push: bool,
) -> list[FieldState]:
    """The state of each of `fields` that `remote` states, in the order given."""
    stated = [name for name in fields if name in remote]
    policy = Policy.refresh(can_push=can_push)
    plan = record_plan(local=local, base=base, remote=remote, fields=stated, policy=policy)
    states = []
    for item in plan.fields:
        status = _STATUS_OF_DECISION[item.decision]
        if status == FieldStatus.CONFLICT and item.base is ABSENT:
            status = FieldStatus.NEVER_SYNCED
        states.append(
            FieldState(
                name=item.name,
                label=field_label(item.name),
                tandem=item.local,
                remote=item.remote,
                base=None if item.base is ABSENT else item.base,
                status=status,
                can_push=can_push,
            )
        )
    return states


def synced_fields(*, connector: type[Connector], client: Client) -> list[str]:
    """The client fields the connector maps, in Tandem's order; a person's names and date of
    birth only for an individual, since no other kind of client holds them."""
    mapped = connector.field_mapping.canonical_fields
    return [
        name
        for name in CANONICAL_FIELDS
        if name in mapped and (client.is_individual or name not in INDIVIDUAL_FIELDS)
    ]


def _tandem_values(client: Client, fields: list[str]) -> dict[str, Any]:
    return snapshot_dump({name: getattr(client, name) for name in fields})


def _remote_values(remote: ExternalRecord, fields: list[str]) -> dict[str, Any]:
    return snapshot_dump({name: remote.fields[name] for name in fields if name in remote.fields})


def _can_push(connector: type[Connector] | Connector) -> bool:
    return Capability.PUSH in connector.capabilities


def push_refusal(short_name: str) -> str:
    return (
        f"{short_name} is read-only: Tandem does not write to {short_name}, so fields can only "
        f"be taken from {short_name}."
    )


# Selectors ------------------------------------------------------------------------------------
def link_connector(*, link: Link) -> type[Connector]:
    return connector_class(link.connection.provider)


def link_can_push(*, link: Link) -> bool:
    return _can_push(link_connector(link=link))


def link_remote_get(*, link: Link) -> ExternalRecord:
    """The linked record as the external system holds it now (one call), or a SyncError that
    says why it could not be read."""
    with link_connector(link=link)(link.connection) as connector:
        return _remote_read(connector, link)


def link_field_states(*, link: Link, remote: ExternalRecord) -> list[FieldState]:
    """Each synced field of `link`'s client against `remote`, three-way through the base."""
    connector = link_connector(link=link)
    fields = synced_fields(connector=connector, client=link.client)
    return field_states(
        local=_tandem_values(link.client, fields),
        base=link.base,
        remote=_remote_values(remote, fields),
        fields=fields,
        can_push=_can_push(connector),
    )


# Services -------------------------------------------------------------------------------------
def link_field_sync(*, link: Link, directions: Mapping[str, str], acting_user: User | None) -> Plan:
    """Sync the chosen fields of `link`, each in its direction ("to_remote": Tandem's value is
    written to the external system; "to_local": the external value is written to Tandem).

    The record is read afresh, so the plan is made from what the external system holds now.
    Either every chosen field is synced and the link's base records the agreed values, or a
    SyncError says why and nothing changed on either side. Fields equal on both sides are
    recorded as agreed too, so that a later change to one of them is put down to its side.
    """
    connection = link.connection
    connector_type = link_connector(link=link)
    if not connection.is_active:
        raise SyncError(
            f"{connection.provider_name} is not connected: reauthorise the add-on to sync.",
            code="not_connected",
        )
    fields = synced_fields(connector=connector_type, client=link.client)
    _directions_check(directions, fields=fields, connector=connector_type)
    with connector_type(connection) as connector:
        remote = _remote_read(connector, link)
        with transaction.atomic():
            return _field_sync_apply(
                link=Link.objects.select_for_update().get(pk=link.pk),
                connector=connector,
                remote=remote,
                fields=fields,
                directions=directions,
                acting_user=acting_user,
            )


def _field_sync_apply(
    *,
    link: Link,
    connector: Connector,
    remote: ExternalRecord,
    fields: list[str],
    directions: Mapping[str, str],
    acting_user: User | None,
) -> Plan:
    client = Client.objects.select_for_update().get(pk=link.client_id)
    local = _tandem_values(client, fields)
    remote_values = _remote_values(remote, fields)
    agreed = {
        name: Direction.TO_LOCAL
        for name, value in remote_values.items()
        if local[name] == value and name not in directions
    }
    policy = Policy.field_sync(
        agreed | dict(directions), can_push=connector.supports(Capability.PUSH)
    )
    plan = record_plan(
        local=local, base=link.base, remote=remote_values, fields=fields, policy=policy
    )
    # Tandem's side is written first, uncommitted, so that every rule of the clients app (the
    # form's, and a client code unique in the firm) has passed before anything is sent; the
    # external system is written last, and its refusal rolls the Tandem side back.
    if plan.changes_local:
        try:
            client_update(client=client, acting_user=acting_user, **plan.changes_local)
        except ValidationError as error:
            raise _values_refused(error, short_name=connector.short_name) from error
    if plan.changes_remote:
        try:
            connector.update_client(link.external_id, plan.changes_remote)
        except IntegrationError as error:
            raise _push_refused(error, short_name=connector.short_name) from error
    link.base = dict(plan.base)
    link.last_synced_at = timezone.now()
    link.full_clean(validate_constraints=False)
    link.save(update_fields=["base", "last_synced_at"])
    audit_record(
        firm=link.firm,
        actor=acting_user,
        action="link.field_sync",
        target=client,
        changes={
            "connection": str(link.connection),
            "external_id": link.external_id,
            "to_tandem": {name: [local[name], value] for name, value in plan.changes_local.items()},
            "to_remote": {
                name: [remote_values[name], value] for name, value in plan.changes_remote.items()
            },
        },
    )
    return plan


def _directions_check(
    directions: Mapping[str, str], *, fields: list[str], connector: type[Connector]
) -> None:
    if not directions:
        raise SyncError("Tick the fields to sync first.", code="nothing_chosen")
    for name, way in directions.items():
        if name not in fields:
            raise SyncError(
                f"“{name}” is not a field Tandem syncs with {connector.short_name}.",
                field=name,
                code="unknown_field",
            )
        if way not in _DIRECTIONS:
            raise SyncError(
                f"{field_label(name)}: choose which way to sync it.", field=name, code="direction"
            )
        if way == Direction.TO_REMOTE and not _can_push(connector):
            raise SyncError(
                f"{field_label(name)}: {push_refusal(connector.short_name)}",
                field=name,
                code="push_not_supported",
            )


def _remote_read(connector: Connector, link: Link) -> ExternalRecord:
    try:
        return connector.get_client(link.external_id)
    except IntegrationError as error:
        raise SyncError(error.message, code=error.code) from error


def _push_refused(error: IntegrationError, *, short_name: str) -> SyncError:
    if isinstance(error, BadResponse | ProviderUnavailable):
        # The request may have been carried out with its answer lost on the way back.
        outcome = (
            f"Nothing was changed in Tandem; {short_name} may have taken the change, so compare "
            "the fields again before syncing."
        )
    else:
        outcome = f"Nothing was changed in Tandem or {short_name}."
    return SyncError(f"{error.message} {outcome}", field=error.field, code=error.code)


def _values_refused(error: ValidationError, *, short_name: str) -> SyncError:
    problems = error.message_dict
    reasons = " ".join(message for messages in problems.values() for message in messages)
    return SyncError(
        f"Tandem cannot take these values from {short_name}: {reasons} "
        f"Nothing was changed in Tandem or {short_name}.",
        field=next((name for name in problems if name != NON_FIELD_ERRORS), None),
        code="invalid_value",
    )
