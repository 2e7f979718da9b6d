"""The client-feed contract's client fields <-> Tandem's canonical client fields.

The feed (`identity/client_feed/client-feed.openapi.yaml`) publishes clients in Tandem's own
canonical names, so each field maps to its namesake (the CMS's own reference is `code`); what is
left is reading JSON types strictly: text must be text, the date of birth an ISO date, the kind
one of Tandem's kinds.
"""

from datetime import date, datetime
from typing import Any

from integrations.connectors.base import CANONICAL_FIELDS, KINDS, Field, FieldMapping


def text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"the feed sent {type(value).__name__} where text belongs")
    return value.strip()


def iso_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"“{value}” is not a date (YYYY-MM-DD)")


def kind_read(value: Any) -> str | None:
    """The record's kind; None when the feed leaves it out. Raises ValueError for an unknown."""
    if value in (None, ""):
        return None
    if not isinstance(value, str) or value not in KINDS:
        raise ValueError(f"“{value}” is not a kind of client ({', '.join(sorted(KINDS))})")
    return value


def updated_at_read(value: Any) -> datetime | None:
    if value in (None, ""):
        return None
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            if parsed.tzinfo is not None:
                return parsed
    raise ValueError(f"“{value}” is not a date and time with an offset (RFC 3339)")


FEED_MAPPING = FieldMapping(
    *(
        Field(name, name, read=iso_date if name == "date_of_birth" else text)
        for name in CANONICAL_FIELDS
    )
)
