"""An imported client's contacts and relationships: its directors, trustees, shareholders...

The sync engine calls `relations_import` right after it creates a client from an external
record, in the same transaction, when the connector declares `Capability.CONTACTS`.

It only ever adds. A contact who is already one of the firm's individuals is reused rather than
created again: someone already related to the client (through a linked relationship, or an
earlier import) under a name alike enough, or anyone whose email, phone or date of birth
agrees and who scores as a likely duplicate would (the Duplicates view's threshold). Outside
the client a name alone never decides, because attaching the wrong person to a company is
worse than a duplicate the Duplicates view offers to merge. A relationship that exists is left
as it is, so importing the same relations twice adds nothing.
"""

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q

from accounts.models import User
from clients.models import Client, ClientKind, Relationship, RelationshipRole
from clients.services import client_create, relationship_create
from integrations.connectors.base import Connector, ExternalRecord, ExternalRelation
from integrations.models import Connection
from matching.duplicates import DUPLICATE_THRESHOLD
from matching.records import CLIENT_FIELDS, Features, MatchRecord, features_of, record_from_client
from matching.scoring import NAME_NEUTRAL, name_similarity, score_features
from sync.models import Link

# Among the people already related to the client, names this alike are one person (XPM's
# contact "Barry Campbell" is its client "Barry Liam Campbell", 0.93 alike; "John Smith" and
# "Jane Smith" are 0.78): one client rarely has two people of nearly one name. It is where
# matching starts counting a name as evidence for the same person.
WITHIN_CLIENT_NAME_SIMILARITY = NAME_NEUTRAL

LinkLookup = Callable[[str], Client | None]
"""The Tandem client linked to an external id of the connection, or None."""


def relations_import(
    *,
    connector: Connector,
    client: Client,
    record: ExternalRecord,
    acting_user: User | None,
    link_lookup: LinkLookup,
) -> list[str]:
    """Add `client`'s contacts and relationships as `connector` reports them for `record`;
    returns a line per person added and per relation left out, and why.

    A provider failure is raised as it is, so that the caller's transaction undoes the client
    too and a retry brings both in.
    """
    relations = connector.client_relations(record.external_id)
    messages: list[str] = []
    # Relationships to linked clients first: a link names the very person, and a contact of
    # the same name then finds them among those related to the client.
    unlinked: list[tuple[str, ExternalRelation]] = []
    for relation in relations:
        if relation.person is not None:
            continue
        role = _role(relation)
        related = link_lookup(relation.related_external_id or "")
        if related is None:
            unlinked.append((role, relation))
            continue
        messages.append(
            _relationship_import(client=client, related=related, role=role, acting_user=acting_user)
        )
    # An individual's contact in a PM system is the person themself, or someone Tandem keeps
    # no role for: Tandem records the roles people hold in companies, trusts and partnerships.
    contacts_handled: list[tuple[str, Features]] = []
    if client.kind != ClientKind.INDIVIDUAL:
        for relation in relations:
            if relation.person is None:
                continue
            role = _role(relation)
            messages.append(
                _contact_import(
                    entity=client, person=relation.person, role=role, acting_user=acting_user
                )
            )
            contacts_handled.append((role, _features(_match_record(relation.person.fields))))
    for role, relation in unlinked:
        # The same person as a contact came in above; only someone else is worth a word.
        related = _features(MatchRecord(key=None, name=relation.related_name, kind="individual"))
        if not any(
            handled_role == role
            and name_similarity(related, contact) >= WITHIN_CLIENT_NAME_SIMILARITY
            for handled_role, contact in contacts_handled
        ):
            name = relation.related_name or relation.related_external_id
            messages.append(
                f"Left out {name}, {_label(role)}: not in Tandem yet. Once {name} is imported "
                f"or linked, add the role on {client}'s Contacts and relationships tab."
            )
    return [message for message in messages if message]


def link_lookup_for(connection: Connection) -> LinkLookup:
    """A `LinkLookup` reading `connection`'s links (one query per call, so links made
    earlier in the same run are seen)."""

    def lookup(external_id: str) -> Client | None:
        link = (
            Link.objects.filter(connection=connection, external_id=external_id)
            .select_related("client")
            .first()
        )
        return link.client if link else None

    return lookup


def _contact_import(
    *, entity: Client, person: ExternalRecord, role: str, acting_user: User | None
) -> str:
    # A name Tandem cannot store (too long, say) is left out of the fields.
    name = person.display_name or f"the contact with the id {person.external_id}"
    label = _label(role)
    individual = _individual_find(entity=entity, person=person)
    found = individual is not None
    if individual is None:
        try:
            individual = client_create(
                firm=entity.firm,
                acting_user=acting_user,
                kind=ClientKind.INDIVIDUAL,
                **person.fields,
            )
        except ValidationError as error:
            return f"Left out {name}, {label}: {' '.join(error.messages)}"
    added = _relate(entity=entity, individual=individual, role=role, acting_user=acting_user)
    if not added:
        return ""
    if found:
        return f"{individual} added as {label} (already in Tandem)."
    return f"{individual} added as {label} (new contact)."


def _relationship_import(
    *, client: Client, related: Client, role: str, acting_user: User | None
) -> str:
    if client.kind == ClientKind.INDIVIDUAL and related.kind != ClientKind.INDIVIDUAL:
        entity, individual = related, client
    elif client.kind != ClientKind.INDIVIDUAL and related.kind == ClientKind.INDIVIDUAL:
        entity, individual = client, related
    else:
        between = "individuals" if client.kind == ClientKind.INDIVIDUAL else "entities"
        return (
            f"Left out {related}, {_label(role)}: Tandem records the roles people hold in "
            f"companies, trusts and partnerships, not ties between two {between}."
        )
    if _relate(entity=entity, individual=individual, role=role, acting_user=acting_user):
        return f"{individual} added as {_label(role)} of {entity}."
    return ""


def _relate(*, entity: Client, individual: Client, role: str, acting_user: User | None) -> bool:
    """Whether the relationship was added (False: it was already there)."""
    if Relationship.objects.filter(entity=entity, individual=individual, role=role).exists():
        return False
    relationship_create(entity=entity, individual=individual, role=role, acting_user=acting_user)
    return True


def _individual_find(*, entity: Client, person: ExternalRecord) -> Client | None:
    """The firm's active individual who is most likely `person`, if any is likely enough."""
    wanted = _features(_match_record(person.fields))
    related_to_entity = set(
        Relationship.objects.filter(entity=entity).values_list("individual_id", flat=True)
    )
    best: tuple[float, Client] | None = None
    for candidate in _candidates(entity=entity, person=person, related=related_to_entity):
        features = _features(record_from_client(candidate))
        score, _ = score_features(wanted, features)
        if candidate.pk in related_to_entity:
            if name_similarity(wanted, features) < WITHIN_CLIENT_NAME_SIMILARITY:
                continue
        elif score < DUPLICATE_THRESHOLD or not _identifier_agrees(wanted, features):
            continue
        if best is None or score > best[0]:
            best = (score, candidate)
    return best[1] if best else None


def _candidates(*, entity: Client, person: ExternalRecord, related: set[int]) -> list[Client]:
    """The individuals worth scoring: those related to `entity` and those sharing an email,
    phone or date of birth with `person`."""
    fields = person.fields
    phones = [phone for phone in (fields.get("phone"), fields.get("mobile")) if phone]
    shared = Q(pk__in=related)
    if fields.get("email"):
        shared |= Q(email=fields["email"])
    if phones:
        shared |= Q(phone__in=phones) | Q(mobile__in=phones)
    if fields.get("date_of_birth"):
        shared |= Q(date_of_birth=fields["date_of_birth"])
    return list(
        Client.objects.filter(
            firm=entity.firm,
            kind=ClientKind.INDIVIDUAL,
            archived_at__isnull=True,
            merged_into__isnull=True,
        )
        .filter(shared)
        .only(*CLIENT_FIELDS)
        .order_by("id")
    )


def _role(relation: ExternalRelation) -> str:
    return relation.role if relation.role in RelationshipRole.values else RelationshipRole.CONTACT


def _label(role: str) -> str:
    return RelationshipRole(role).label.lower()


def _identifier_agrees(a: Features, b: Features) -> bool:
    return bool(
        a.emails & b.emails
        or a.phones & b.phones
        or (a.date_of_birth and a.date_of_birth == b.date_of_birth)
    )


def _match_record(fields: Mapping[str, Any]) -> MatchRecord:
    return MatchRecord.from_fields(None, {**fields, "kind": ClientKind.INDIVIDUAL})


def _features(record: MatchRecord) -> Features:
    return features_of(record, phone_region=settings.PHONE_DEFAULT_REGION)
