"""What the Tandem sync agent sends for each APS client, and how Tandem reads it.

The agent does the APS-specific reading (the export's columns, its client types, its
day/month/year dates) and sends each client in Tandem's canonical field names, keyed by the
APS client code:

    {"code": "SMITHJ01", "kind": "individual",
     "fields": {"display_name": "John Smith", "date_of_birth": "1980-04-01", ...},
     "details": {"family_group": "SMITH", "contacts": [{"code": "", "name": "...",
                                                         "role": "Director"}]}}

So the field mapping is one to one; it is still declared, since Tandem validates every value
through it as it would any provider's, and screens list what APS holds.
"""

from datetime import date
from typing import Any

from integrations.connectors.base import CANONICAL_FIELDS, Field, FieldMapping


def text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"the agent sent {type(value).__name__} where text belongs")
    return value.strip()


def iso_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise ValueError(f"the agent sent {type(value).__name__} where a date belongs")
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"“{value}” is not a date (YYYY-MM-DD)") from None


def iso_date_write(value: date | None) -> str | None:
    return None if value is None else value.isoformat()


APS_FIELDS = FieldMapping(
    *(
        Field("date_of_birth", name, read=iso_date, write=iso_date_write)
        if name == "date_of_birth"
        else Field(name, name, read=text)
        for name in CANONICAL_FIELDS
    )
)

# Contacts are listed for people to read, not synced: a few bounded texts each.
CONTACT_KEYS = ("code", "name", "role")
MAX_CONTACTS = 50
MAX_DETAIL_LENGTH = 200


def details_clean(value: Any) -> dict[str, Any]:
    """The family group and contacts of a client, or ValueError saying what is wrong."""
    if value in (None, {}):
        return {}
    if not isinstance(value, dict):
        raise ValueError("details must be an object")
    unknown = set(value) - {"family_group", "contacts"}
    if unknown:
        raise ValueError(f"unknown details: {', '.join(sorted(unknown))}")
    family_group = text(value.get("family_group"))[:MAX_DETAIL_LENGTH]
    contacts = value.get("contacts") or []
    if not isinstance(contacts, list) or len(contacts) > MAX_CONTACTS:
        raise ValueError(f"contacts must be a list of at most {MAX_CONTACTS}")
    cleaned_contacts = []
    for contact in contacts:
        if not isinstance(contact, dict) or set(contact) - set(CONTACT_KEYS):
            raise ValueError(f"each contact is an object of {', '.join(CONTACT_KEYS)}")
        cleaned = {key: text(contact.get(key))[:MAX_DETAIL_LENGTH] for key in CONTACT_KEYS}
        if not cleaned["name"] and not cleaned["code"]:
            raise ValueError("a contact needs a name or a client code")
        cleaned_contacts.append(cleaned)
    details: dict[str, Any] = {}
    if family_group:
        details["family_group"] = family_group
    if cleaned_contacts:
        details["contacts"] = cleaned_contacts
    return details
