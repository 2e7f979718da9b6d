"""A client's contacts and relationships as XPM v3.1 holds them (`ClientDetailedDto`), read as
Tandem's roles.

- `contacts` are people (`ClientContactDto`: a `name`, email, phone, mobile) with the free-text
  `position` they hold in the client ("Director", "Trustee", "Accounts contact"...).
- `relationships` tie the client to another XPM client (`ClientRelationshipDto`: `type`,
  `relatedClient` {uuid, name}, shares, start and end dates). A relationship that has ended is
  history, not a role someone holds, so it is left out.
"""

from datetime import date
from typing import Any

from clients.models import ClientKind, RelationshipRole
from integrations.connectors.base import ExternalRecord, ExternalRelation, canonical_clean
from integrations.connectors.xpm.mapping import yes

# The first role whose word appears in XPM's free text wins, so a "Trustee Director" (a
# director of the trustee company) is a trustee of the trust; anything else is a contact.
_ROLE_WORDS = (
    ("trustee", RelationshipRole.TRUSTEE),
    ("director", RelationshipRole.DIRECTOR),
    ("shareholder", RelationshipRole.SHAREHOLDER),
    ("share holder", RelationshipRole.SHAREHOLDER),
    ("beneficiar", RelationshipRole.BENEFICIARY),
    ("partner", RelationshipRole.PARTNER),
)


def role_read(value: Any) -> str:
    """The `RelationshipRole` closest to an XPM position or relationship type."""
    words = value.casefold() if isinstance(value, str) else ""
    for word, role in _ROLE_WORDS:
        if word in words:
            return role.value
    return RelationshipRole.CONTACT.value


def relations_read(payload: dict[str, Any]) -> list[ExternalRelation]:
    """The relations of a client's detailed payload, contacts first; entries XPM marks
    deleted, relationships that have ended and entries without an id are left out."""
    relations = [
        relation
        for contact in _list(payload.get("contacts"))
        if (relation := _contact_relation(contact)) is not None
    ]
    relations.extend(
        relation
        for relationship in _list(payload.get("relationships"))
        if (relation := _relationship_relation(relationship)) is not None
    )
    return relations


def _contact_relation(contact: dict[str, Any]) -> ExternalRelation | None:
    contact_id = contact.get("uuid")
    name = _text_or_empty(contact.get("name"))
    if not (isinstance(contact_id, str) and contact_id and name) or yes(contact.get("isDeleted")):
        return None
    first, middle, last = _name_parts(name)
    fields, _unreadable = canonical_clean(
        {
            "display_name": name,
            "first_name": first,
            "middle_name": middle,
            "last_name": last,
            "email": _text_or_empty(contact.get("email")),
            "phone": _text_or_empty(contact.get("phone")),
            "mobile": _text_or_empty(contact.get("mobile")),
        },
        kind=ClientKind.INDIVIDUAL,
    )
    # A contact's email or phone Tandem cannot read is left out; the person still comes in.
    person = ExternalRecord(
        external_id=contact_id, kind=ClientKind.INDIVIDUAL.value, fields=fields, raw=contact
    )
    return ExternalRelation(
        role=role_read(contact.get("position")), person=person, related_external_id=None
    )


def _relationship_relation(relationship: dict[str, Any]) -> ExternalRelation | None:
    related = relationship.get("relatedClient")
    if not isinstance(related, dict) or _ended(relationship.get("endDate")):
        return None
    related_id = related.get("uuid")
    if not isinstance(related_id, str) or not related_id:
        return None
    return ExternalRelation(
        role=role_read(relationship.get("type")),
        person=None,
        related_external_id=related_id,
        related_name=_text_or_empty(related.get("name")),
    )


def _name_parts(name: str) -> tuple[str, str, str]:
    """First, middle and last names from XPM's one name text: its first and last words."""
    words = name.split()
    if len(words) == 1:
        return words[0], "", ""
    return words[0], " ".join(words[1:-1]), words[-1]


def _ended(value: Any) -> bool:
    if not isinstance(value, str) or len(value) < 10:
        return False
    try:
        return date.fromisoformat(value[:10]) < date.today()
    except ValueError:
        return False


def _list(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text_or_empty(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""
