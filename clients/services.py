"""Every change to clients and their relationships, with its audit row."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst

from accounts.audit import audit_record, field_changes
from accounts.models import Firm, User
from clients.exceptions import (
    ClientStateError,
    RelationshipExistsError,
    RelationshipFirmError,
    RelationshipKindError,
)
from clients.models import ENTITY_KINDS, Client, ClientKind, Relationship
from clients.validation import (
    EDITABLE_FIELDS,
    INDIVIDUAL_FIELDS,
    client_fields_clean,
    client_name_require,
    individual_display_name,
    kind_clean,
)


@transaction.atomic
def client_create(*, firm: Firm, acting_user: User | None, kind: str, **fields: Any) -> Client:
    """A new client of `firm`; `fields` are any of `clients.validation.EDITABLE_FIELDS`.

    An individual without a display name gets one from its names (`individual_display_name`).
    """
    kind = kind_clean(kind)
    values = client_fields_clean(kind=kind, fields=fields)
    if kind == ClientKind.INDIVIDUAL and not values.get("display_name"):
        values["display_name"] = _derived_display_name(values)
    client_name_require(kind=kind, values=values)
    client = Client(firm=firm, kind=kind, created_by=acting_user, updated_by=acting_user, **values)
    _code_check_unique(client)
    _full_clean(client)
    client.save()
    audit_record(
        firm=firm,
        actor=acting_user,
        action="client.create",
        target=client,
        changes=field_changes(
            {}, {name: value for name, value in _snapshot(client).items() if value} | {"kind": kind}
        ),
    )
    return client


@transaction.atomic
def client_update(*, client: Client, acting_user: User | None, **fields: Any) -> Client:
    """Changes the given fields of `client`; the others keep their values.

    An individual's display name follows its names while nobody has customised it: when the
    stored display name is the one its names would give, it is derived again from the new
    names unless `fields` sets a different one. The kind is fixed at creation because
    relationships depend on it.
    """
    if "kind" in fields and fields.pop("kind") != client.kind:
        raise ValidationError(
            {"kind": "Kind: a client's kind cannot be changed; create a new client instead."}
        )
    values = client_fields_clean(kind=client.kind, fields=fields)
    before = _snapshot(client)
    if client.is_individual:
        values["display_name"] = _individual_display_name_next(before, values)
    client_name_require(kind=client.kind, values={**before, **values})
    for name, value in values.items():
        setattr(client, name, value)
    changes = field_changes(before, _snapshot(client))
    if not changes:
        return client
    try:
        _code_check_unique(client)
        _full_clean(client)
    except ValidationError:
        # The caller's object must keep showing what is stored, e.g. in the page's header.
        for name, value in before.items():
            setattr(client, name, value)
        raise
    client.updated_by = acting_user
    client.save()
    audit_record(
        firm=client.firm, actor=acting_user, action="client.update", target=client, changes=changes
    )
    return client


@transaction.atomic
def client_archive(*, client: Client, acting_user: User | None) -> Client:
    """Takes the client off the everyday lists; nothing about it is deleted."""
    if client.is_archived:
        raise ClientStateError(f"{client} is already archived.")
    return _archived_at_set(client, acting_user=acting_user, archived_at=timezone.now())


@transaction.atomic
def client_restore(*, client: Client, acting_user: User | None) -> Client:
    if not client.is_archived:
        raise ClientStateError(f"{client} is not archived.")
    return _archived_at_set(client, acting_user=acting_user, archived_at=None)


@transaction.atomic
def relationship_create(
    *, entity: Client, individual: Client, role: str, acting_user: User | None
) -> Relationship:
    """Records that `individual` holds `role` (director, trustee...) in `entity`."""
    if entity.kind not in ENTITY_KINDS:
        raise RelationshipKindError(
            f"{entity} is an {entity.get_kind_display().lower()}; only a company, trust or "
            "partnership can have directors, trustees, partners and contacts.",
            field="entity",
        )
    if individual.kind != ClientKind.INDIVIDUAL:
        raise RelationshipKindError(
            f"{individual} is not an individual; only individuals can hold a role in {entity}.",
            field="individual",
        )
    if entity.firm_id != individual.firm_id:
        raise RelationshipFirmError(
            "The entity and the individual must be clients of the same firm.", field="individual"
        )
    relationship = Relationship(
        firm_id=entity.firm_id,
        entity=entity,
        individual=individual,
        role=role,
        created_by=acting_user,
    )
    if Relationship.objects.filter(entity=entity, individual=individual, role=role).exists():
        raise RelationshipExistsError(
            f"{individual} is already {relationship.get_role_display().lower()} of {entity}.",
            field="role",
        )
    _full_clean(relationship)
    relationship.save()
    audit_record(
        firm=entity.firm,
        actor=acting_user,
        action="relationship.create",
        target=relationship,
        changes=_relationship_snapshot(relationship),
    )
    return relationship


@transaction.atomic
def relationship_delete(*, relationship: Relationship, acting_user: User | None) -> None:
    audit_record(
        firm=relationship.firm,
        actor=acting_user,
        action="relationship.delete",
        target=relationship,
        changes=_relationship_snapshot(relationship),
    )
    relationship.delete()


def _archived_at_set(client: Client, *, acting_user: User | None, archived_at) -> Client:
    before = client.archived_at
    client.archived_at = archived_at
    client.updated_by = acting_user
    client.save(update_fields=["archived_at", "updated_by", "updated_at"])
    audit_record(
        firm=client.firm,
        actor=acting_user,
        action="client.archive" if archived_at else "client.restore",
        target=client,
        changes=field_changes({"archived_at": before}, {"archived_at": archived_at}),
    )
    return client


def _snapshot(client: Client) -> dict[str, Any]:
    return {name: getattr(client, name) for name in EDITABLE_FIELDS}


def _individual_display_name_next(before: dict[str, Any], values: dict[str, Any]) -> str:
    current = before["display_name"]
    requested = values.get("display_name", current)
    follows_names = requested == current and current == _derived_display_name(before)
    if requested and not follows_names:
        return requested
    return _derived_display_name({**before, **values})


def _derived_display_name(values: dict[str, Any]) -> str:
    return individual_display_name(
        **{name: values.get(name) or "" for name in INDIVIDUAL_FIELDS if name != "date_of_birth"}
    )


def _code_check_unique(client: Client) -> None:
    if not client.code:
        return
    holder = (
        Client.objects.filter(firm_id=client.firm_id, code=client.code)
        .exclude(pk=client.pk)
        .only("display_name")
        .first()
    )
    if holder is not None:
        raise ValidationError(
            {"code": f"Client code: '{client.code}' is already used by {holder.display_name}."}
        )


def _full_clean(instance: Client | Relationship) -> None:
    """The model's own checks (lengths, choices), each message labelled with its field."""
    try:
        instance.full_clean()
    except ValidationError as error:
        raise ValidationError(
            {
                name: [
                    message if name == "__all__" else f"{_label(type(instance), name)}: {message}"
                    for message in messages
                ]
                for name, messages in error.message_dict.items()
            }
        ) from error


def _label(model: type[Client | Relationship], name: str) -> str:
    return capfirst(model._meta.get_field(name).verbose_name)


def _relationship_snapshot(relationship: Relationship) -> dict[str, Any]:
    return {
        "entity": [relationship.entity_id, str(relationship.entity)],
        "individual": [relationship.individual_id, str(relationship.individual)],
        "role": relationship.role,
    }
