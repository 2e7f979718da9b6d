"""Every change to clients and their relationships, with its audit row."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.text import capfirst

from accounts.audit import audit_record, field_changes
from accounts.models import Firm, User
from clients.exceptions import (
    ClientMergeConflictError,
    ClientMergeError,
    ClientMergeUndoError,
    ClientStateError,
    RelationshipExistsError,
    RelationshipFirmError,
    RelationshipKindError,
)
from clients.models import ENTITY_KINDS, Client, ClientKind, ClientMerge, Relationship
from clients.validation import (
    EDITABLE_FIELDS,
    INDIVIDUAL_FIELDS,
    client_fields_clean,
    client_name_require,
    field_label,
    individual_display_name,
    kind_clean,
)
from documents.models import Document
from scheduling.models import Appointment
from sync.models import Link

# The values a merge lets the person choose field by field. The display name follows the
# chosen names (see client_update); notes are appended rather than chosen.
MERGE_FIELDS = tuple(
    name for name in EDITABLE_FIELDS if name not in ("display_name", "notes", "company_number")
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
    if client.merged_into_id is not None:
        raise ClientStateError(
            f"{client} was merged into {client.merged_into}; undo that merge to restore it."
        )
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


@transaction.atomic
def client_merge(
    *,
    firm: Firm,
    survivor: Client,
    duplicates: list[Client],
    field_choices: dict[str, Client],
    acting_user: User | None,
) -> ClientMerge:
    """Merges the duplicate contacts into `survivor` and returns the record that undoes it.

    `field_choices` maps a field of MERGE_FIELDS to the contact whose value the survivor keeps;
    other fields keep the survivor's. The duplicates' appointments, documents, links and roles
    move to the survivor (a role the survivor already holds is dropped, and recorded), their notes
    are appended to the survivor's, and they are archived with `merged_into` set, never
    deleted. The rows are locked first, so of two people merging the same contacts at once
    the second is told who was first.
    """
    pks = [survivor.pk, *(duplicate.pk for duplicate in duplicates)]
    if not duplicates or len(set(pks)) != len(pks):
        raise ClientMergeError("Choose at least two different contacts to merge.")
    locked = {
        client.pk: client
        for client in Client.objects.select_for_update()
        .filter(firm=firm, pk__in=pks)
        .order_by("pk")
    }
    if len(locked) != len(pks):
        raise ClientMergeError("Some of these contacts no longer exist.")
    _merge_check_mergeable(firm, [locked[pk] for pk in pks])
    survivor = locked[survivor.pk]
    duplicates = [locked[pk] for pk in pks[1:]]
    _merge_check_links(locked, pks)

    values, codes_taken = _merge_values(survivor, duplicates, field_choices, locked)
    before = _snapshot(survivor)
    client_update(client=survivor, acting_user=acting_user, **values)
    replaced = field_changes(before, _snapshot(survivor))

    duplicate_pks = pks[1:]
    appointments = list(
        Appointment.objects.filter(client_id__in=duplicate_pks).values_list("pk", "client_id")
    )
    Appointment.objects.filter(client_id__in=duplicate_pks).update(client=survivor)
    documents = list(
        Document.objects.filter(client_id__in=duplicate_pks).values_list("pk", "client_id")
    )
    Document.objects.filter(client_id__in=duplicate_pks).update(client=survivor)
    links = list(Link.objects.filter(client_id__in=duplicate_pks).values_list("pk", "client_id"))
    Link.objects.filter(client_id__in=duplicate_pks).update(client=survivor)
    relationships_moved, relationships_dropped = _merge_relationships(survivor, duplicate_pks)

    merged_at = timezone.now()
    for duplicate in duplicates:
        duplicate.merged_into = survivor
        duplicate.archived_at = merged_at
        duplicate.updated_by = acting_user
        duplicate.save(update_fields=["merged_into", "archived_at", "updated_by", "updated_at"])
        audit_record(
            firm=firm,
            actor=acting_user,
            action="client.merge_away",
            target=duplicate,
            changes={"merged_into": [None, [survivor.pk, str(survivor)]]},
        )
    undo = {
        "values": replaced,
        "codes_taken": codes_taken,
        "appointments": appointments,
        "documents": documents,
        "links": links,
        "relationships_moved": relationships_moved,
        "relationships_dropped": relationships_dropped,
    }
    merge = ClientMerge.objects.create(
        firm=firm, survivor=survivor, undo=undo, merged_by=acting_user
    )
    merge.duplicates.set(duplicates)
    audit_record(
        firm=firm,
        actor=acting_user,
        action="client.merge",
        target=survivor,
        changes={
            "merge": merge.pk,
            "merged": [[duplicate.pk, str(duplicate)] for duplicate in duplicates],
            **undo,
        },
    )
    return merge


@transaction.atomic
def client_merge_undo(*, merge: ClientMerge, acting_user: User | None) -> ClientMerge:
    """Puts everything `merge` changed back: the survivor's values and notes, the moved
    appointments, documents and roles, the dropped roles, and the duplicates, active again.

    Refused, changing nothing, when later changes stand in the way: a moved appointment or
    document deleted or moved on, a merged value edited since, the survivor merged again.
    """
    merge = ClientMerge.objects.select_for_update().get(pk=merge.pk)
    if merge.is_undone:
        raise ClientMergeConflictError(
            f"This merge was already undone by {merge.undone_by or 'the system'}."
        )
    duplicate_pks = list(merge.duplicates.values_list("pk", flat=True))
    locked = {
        client.pk: client
        for client in Client.objects.select_for_update()
        .filter(pk__in=[merge.survivor_id, *duplicate_pks])
        .order_by("pk")
    }
    survivor = locked[merge.survivor_id]
    record = merge.undo
    problems = _merge_undo_problems(survivor, [locked[pk] for pk in duplicate_pks], record)
    if problems:
        raise ClientMergeUndoError(
            f"This merge cannot be undone: {'; '.join(problems)}. Undo or fix those first."
        )

    client_update(
        client=survivor,
        acting_user=acting_user,
        **{name: old for name, (old, _new) in record["values"].items()},
    )
    for pk, code in record["codes_taken"].items():
        duplicate = locked[int(pk)]
        duplicate.code = code
        _code_check_unique(duplicate)
        duplicate.save(update_fields=["code", "updated_at"])
    for model, moved in (
        (Appointment, record["appointments"]),
        (Document, record["documents"]),
        (Link, record.get("links", [])),
    ):
        for pk, client_pk in moved:
            model.objects.filter(pk=pk).update(client_id=client_pk)
    for pk, individual_pk in record["relationships_moved"]:
        Relationship.objects.filter(pk=pk).update(individual_id=individual_pk)
    for dropped in record["relationships_dropped"]:
        Relationship.objects.create(
            firm_id=merge.firm_id,
            entity_id=dropped["entity"],
            individual_id=dropped["individual"],
            role=dropped["role"],
            created_by_id=dropped["created_by"],
        )
    for pk in duplicate_pks:
        duplicate = locked[pk]
        duplicate.merged_into = None
        duplicate.archived_at = None
        duplicate.updated_by = acting_user
        duplicate.save(update_fields=["merged_into", "archived_at", "updated_by", "updated_at"])
    merge.undone_at = timezone.now()
    merge.undone_by = acting_user
    merge.save(update_fields=["undone_at", "undone_by"])
    audit_record(
        firm=merge.firm,
        actor=acting_user,
        action="client.merge_undo",
        target=survivor,
        changes={"merge": merge.pk, "restored": [[pk, str(locked[pk])] for pk in duplicate_pks]},
    )
    return merge


def _merge_check_mergeable(firm: Firm, clients: list[Client]) -> None:
    merged = [client for client in clients if client.merged_into_id is not None]
    if merged:
        earlier = (
            ClientMerge.objects.filter(firm=firm, undone_at__isnull=True)
            .filter(duplicates__in=merged)
            .select_related("merged_by")
            .first()
        )
        who = (earlier and earlier.merged_by) or "someone else"
        raise ClientMergeConflictError(f"These contacts were merged by {who} a moment ago.")
    for client in clients:
        if not client.is_individual:
            raise ClientMergeError(f"{client} is not an individual; only contacts are merged.")
        if client.is_archived:
            raise ClientMergeError(f"{client} is archived; restore it before merging.")


def _merge_check_links(locked: dict[int, Client], pks: list[int]) -> None:
    """A client has one link per connection, so contacts linked to records of the same
    connection cannot become one until all but one are disconnected."""
    linked: dict[int, list[Link]] = {}
    for link in Link.objects.filter(client_id__in=pks).select_related("connection"):
        linked.setdefault(link.connection_id, []).append(link)
    for links in linked.values():
        if len(links) > 1:
            names = " and ".join(
                f"{locked[link.client_id]} ({link.external_name})" for link in links
            )
            raise ClientMergeError(
                f"{names} are each linked in {links[0].connection}; disconnect all but one "
                "before merging."
            )


def _merge_values(
    survivor: Client,
    duplicates: list[Client],
    field_choices: dict[str, Client],
    locked: dict[int, Client],
) -> tuple[dict[str, Any], dict[str, str]]:
    """The survivor's new values, and the codes taken from duplicates (by pk) to give it one
    of theirs: a code is unique within the firm."""
    values: dict[str, Any] = {}
    codes_taken: dict[str, str] = {}
    for name, chosen in field_choices.items():
        if name not in MERGE_FIELDS:
            raise ClientMergeError(f"{name} is not a value a merge can choose.", field=name)
        if chosen.pk not in locked:
            raise ClientMergeError(
                f"{capfirst(name.replace('_', ' '))}: choose one of the contacts merged.",
                field=name,
            )
        value = getattr(locked[chosen.pk], name)
        if value != getattr(survivor, name):
            values[name] = value
    if "code" in values:
        holder = locked[field_choices["code"].pk]
        codes_taken[str(holder.pk)] = holder.code
        holder.code = ""
        holder.save(update_fields=["code", "updated_at"])
    notes = [
        f"From {duplicate.display_name}:\n{duplicate.notes.strip()}"
        for duplicate in duplicates
        if duplicate.notes.strip()
    ]
    if notes:
        values["notes"] = "\n\n".join(filter(None, [survivor.notes.strip(), *notes]))
    return values, codes_taken


def _merge_relationships(
    survivor: Client, duplicate_pks: list[int]
) -> tuple[list[list[int]], list[dict[str, Any]]]:
    """Moves the duplicates' roles to the survivor; one it already holds is dropped instead.

    Returns the moved ones as [pk, individual pk] and the dropped ones as enough to recreate.
    """
    held = set(Relationship.objects.filter(individual=survivor).values_list("entity_id", "role"))
    moved: list[list[int]] = []
    dropped: list[dict[str, Any]] = []
    for relationship in Relationship.objects.filter(individual_id__in=duplicate_pks).order_by("pk"):
        key = (relationship.entity_id, relationship.role)
        if key in held:
            dropped.append(
                {
                    "entity": relationship.entity_id,
                    "individual": relationship.individual_id,
                    "role": relationship.role,
                    "created_by": relationship.created_by_id,
                    "description": str(relationship),
                }
            )
            relationship.delete()
            continue
        held.add(key)
        moved.append([relationship.pk, relationship.individual_id])
        relationship.individual = survivor
        relationship.save(update_fields=["individual"])
    return moved, dropped


def _merge_undo_problems(
    survivor: Client, duplicates: list[Client], record: dict[str, Any]
) -> list[str]:
    problems = []
    if survivor.merged_into_id is not None:
        problems.append(f"{survivor} has since been merged into another contact")
    problems += [
        f"{duplicate} is no longer merged into {survivor}"
        for duplicate in duplicates
        if duplicate.merged_into_id != survivor.pk
    ]
    current = _snapshot(survivor)
    problems += [
        f"{field_label(name)} of {survivor} was changed since the merge"
        for name, (_old, new) in record["values"].items()
        if _as_recorded(current[name]) != new
    ]
    for model, noun, moved in (
        (Appointment, "appointment", record["appointments"]),
        (Document, "document", record["documents"]),
        (Link, "link", record.get("links", [])),
        (Relationship, "role", record["relationships_moved"]),
    ):
        owner = "individual_id" if model is Relationship else "client_id"
        still_there = set(
            model.objects.filter(
                pk__in=[pk for pk, _ in moved], **{owner: survivor.pk}
            ).values_list("pk", flat=True)
        )
        gone = sum(1 for pk, _ in moved if pk not in still_there)
        if gone:
            problems.append(
                f"{gone} {noun}{'s' if gone > 1 else ''} moved by the merge "
                f"{'were' if gone > 1 else 'was'} deleted or moved since"
            )
    return problems


def _as_recorded(value: Any) -> str | None:
    """A field's value as `field_changes` records it in a merge's undo record."""
    return value if value is None or isinstance(value, str) else str(value)


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
