from datetime import timedelta
from typing import Any

from django import template
from django.utils import timezone
from django.utils.timesince import timeuntil

from accounts.audit import target_type_label

register = template.Library()


@register.filter
def record_type(target_type: str) -> str:
    return target_type_label(target_type)


@register.filter
def change_rows(changes: dict[str, Any]) -> list[dict[str, Any]]:
    """An audit event's `changes` as rows to show: a field with old and new, or with a value."""
    rows = []
    for field, change in changes.items():
        label = field.replace("_", " ").capitalize()
        if isinstance(change, list) and len(change) == 2:
            old, new = (_shown(value) for value in change)
            rows.append({"field": label, "old": old, "new": new, "is_change": True})
        else:
            rows.append({"field": label, "value": _shown(change), "is_change": False})
    return rows


def _shown(value: Any) -> Any:
    return "(empty)" if value is None or value == "" else value


@register.filter
def duration_words(duration: timedelta) -> str:
    """A duration as words ("15 minutes"), the way `timeuntil` says how long until a moment."""
    now = timezone.now()
    return timeuntil(now + duration, now)
