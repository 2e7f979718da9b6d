import json
from datetime import timedelta

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.utils.text import capfirst

from clients.models import Client

register = template.Library()


@register.filter
def duration(value: timedelta | None) -> str:
    """A run's duration as people say it: "45 s", "3 min 5 s", "2 h 10 min"; "" before it
    starts."""
    if value is None:
        return ""
    seconds = round(value.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes} min"
    if minutes:
        return f"{minutes} min {seconds} s"
    return f"{seconds} s"


@register.filter
def pretty_json(value) -> str:
    """An external record as it was received, indented for reading."""
    return json.dumps(value, indent=2, sort_keys=True, ensure_ascii=False)


@register.filter
def client_field_label(name: str) -> str:
    """A canonical field as the client form labels it: "mobile" -> "Mobile phone"."""
    try:
        return capfirst(Client._meta.get_field(name).verbose_name)
    except FieldDoesNotExist:
        return name
