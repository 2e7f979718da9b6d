"""Linking a Tandem client to a record of a connected system, and undoing it.

Linking changes no field values (syncing does that, with a plan the person sees); it only
records which external record is this client.
"""

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse

from accounts.audit import audit_record
from accounts.models import Firm, User
from clients.models import Client, ClientKind
from clients.selectors import client_duplicate_candidates
from integrations.directory import directory_entry_get
from integrations.models import Connection
from sync.exceptions import LinkRefused
from sync.models import Link


@transaction.atomic
def link_create(
    *, firm: Firm, client: Client, connection: Connection, external_id: str, acting_user: User
) -> Link:
    if client.firm_id != firm.pk or connection.firm_id != firm.pk:
        raise LinkRefused("That client or add-on is not this practice's.")
    name = connection.provider_name
    if not connection.is_active:
        raise LinkRefused(f"{name} is not connected: reconnect the add-on first.")
    entry = directory_entry_get(connection=connection, external_id=external_id)
    if entry is None:
        raise LinkRefused(
            f"{name} has no client with the id {external_id} in Tandem's copy of its list: "
            "Refresh the list and search again.",
            field="external_id",
        )
    _kinds_check(client=client, external_kind=entry.kind, external_name=entry.display_name)
    if client.kind == ClientKind.INDIVIDUAL and client_duplicate_candidates(client=client):
        raise LinkRefused(
            f"{client} has likely duplicate contacts in Tandem: merge duplicate contacts first.",
            code="duplicates_first",
            duplicates_url=reverse("clients:duplicates"),
        )
    existing = Link.objects.filter(connection=connection).filter(
        Q(external_id=external_id) | Q(client=client)
    )
    for link in existing.select_related("client"):
        raise _already_linked(link, client=client, name=name)
    link = Link(
        firm=firm,
        client=client,
        connection=connection,
        external_id=external_id,
        external_name=entry.display_name,
        linked_by=acting_user,
    )
    link.full_clean(validate_constraints=False)
    try:
        with transaction.atomic():
            link.save()
    except IntegrityError:
        # Someone linked one side between the check above and this insert.
        raise LinkRefused(
            f"Someone else linked {client} or “{entry.display_name}” a moment ago; "
            "reload the page to see it."
        ) from None
    audit_record(
        firm=firm,
        actor=acting_user,
        action="link.create",
        target=client,
        changes={"connection": str(connection), "external_id": external_id},
    )
    return link


@transaction.atomic
def link_delete(*, link: Link, acting_user: User) -> None:
    audit_record(
        firm=link.firm,
        actor=acting_user,
        action="link.delete",
        target=link.client,
        changes={"connection": str(link.connection), "external_id": link.external_id},
    )
    link.delete()


def _kinds_check(*, client: Client, external_kind: str, external_name: str) -> None:
    """Entities link to entity records, individuals to individual records; a record whose kind
    the provider does not say may link to either."""
    if not external_kind:
        return
    client_is_person = client.kind == ClientKind.INDIVIDUAL
    record_is_person = external_kind == ClientKind.INDIVIDUAL
    if client_is_person != record_is_person:
        raise LinkRefused(
            f"{client} is {_a(client.get_kind_display())} but “{external_name}” is "
            f"{_a(ClientKind(external_kind).label)}: a client links only to a record of a "
            "compatible type.",
            code="kind_mismatch",
        )


def _a(label: str) -> str:
    return f"{'an' if label[0].lower() in 'aeiou' else 'a'} {label.lower()}"


def _already_linked(link: Link, *, client: Client, name: str) -> LinkRefused:
    if link.client_id == client.pk:
        return LinkRefused(f"{client} is already linked to “{link.external_name}” in {name}.")
    return LinkRefused(f"“{link.external_name}” in {name} is already linked to {link.client}.")
