"""The audit trail every writing service leaves behind."""

from typing import Any

from django.apps import apps
from django.db import models

from accounts.models import AuditEvent, Firm, User


def audit_record(
    *,
    firm: Firm,
    actor: User | None,
    action: str,
    target: models.Model,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """Record that `actor` did `action` (e.g. "client.update") to `target` in `firm`.

    `changes` maps a field name to `[old, new]`, or holds whatever else explains the action.
    """
    event = audit_event_build(firm=firm, actor=actor, action=action, target=target, changes=changes)
    event.save()
    return event


def audit_event_build(
    *,
    firm: Firm,
    actor: User | None,
    action: str,
    target: models.Model,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    """An unsaved audit row, for services that write many at once with `bulk_create`."""
    return AuditEvent(
        firm=firm,
        actor=actor,
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk),
        target_repr=str(target)[:255],
        changes=changes or {},
    )


def field_changes(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """The `[old, new]` pairs of the keys whose values differ, as JSON-safe strings."""
    return {
        key: [_jsonable(before.get(key)), _jsonable(value)]
        for key, value in after.items()
        if before.get(key) != value
    }


def _jsonable(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def target_type_label(target_type: str) -> str:
    """The model's name as people read it: "clients.client" -> "Client"."""
    try:
        model = apps.get_model(target_type)
    except (LookupError, ValueError):
        return target_type
    return str(model._meta.verbose_name).capitalize()
