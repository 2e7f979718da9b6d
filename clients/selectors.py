"""Reads of clients and relationships, always scoped by the firm.

The lists must stay quick with 100,000 clients in a firm: searching reads the one lower-cased,
database-generated `search_text` column, and every sort walks an index (see the Client model and
migration 0002).
"""

import re
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.core.cache import cache
from django.db.models import Count, Max, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Firm
from clients.models import ENTITY_KINDS, Client, ClientKind, ClientMerge, Relationship
from matching.duplicates import duplicate_groups_find
from matching.records import CLIENT_FIELDS, record_from_client
from sync.selectors import clients_filter_connected

# Each sort key orders by indexed columns, ending with the primary key so pages are stable.
CLIENT_SORTS: dict[str, tuple[str, ...]] = {
    "name": ("sort_name", "id"),
    "code": ("code", "id"),
    "kind": ("kind", "sort_name", "id"),
    "updated": ("-updated_at", "-id"),
}

LIST_COLUMNS = (
    "id",
    "kind",
    "display_name",
    "code",
    "email",
    "phone",
    "mobile",
    "updated_at",
    "archived_at",
)

# Digits with the punctuation people type in phone numbers, and at least five digits.
_PHONE_LIKE = re.compile(r"^\+?[\d\s().-]*\d[\d\s().-]*$")
_MIN_PHONE_DIGITS = 5


def client_get(*, firm: Firm, pk: int) -> Client:
    """The firm's client, or 404: another firm's client is indistinguishable from none."""
    return get_object_or_404(Client, firm=firm, pk=pk)


def client_list(
    *,
    firm: Firm,
    search: str = "",
    kind: str | None = None,
    archived: bool | None = False,
    sort: str = "name",
    connected: bool | None = None,
) -> QuerySet[Client]:
    """The firm's clients with the list's columns loaded.

    `archived`: False for active clients only, True for archived ones only, None for all.
    `sort`: a key of CLIENT_SORTS, with a leading "-" to reverse it.
    `connected`: True for clients linked to an active practice-management add-on, False for
    those linked to none, None for all.
    """
    clients = Client.objects.filter(firm=firm)
    if archived is not None:
        clients = clients.filter(archived_at__isnull=not archived)
    if kind:
        clients = clients.filter(kind=kind)
    clients = clients.filter(_search_condition(search))
    if connected is not None:
        clients = clients_filter_connected(clients, firm=firm, connected=connected)
    return clients.only(*LIST_COLUMNS).order_by(*_ordering(sort))


def contact_list(
    *,
    firm: Firm,
    search: str = "",
    archived: bool | None = False,
    sort: str = "name",
    connected: bool | None = None,
) -> QuerySet[Client]:
    """The firm's individuals, each with `entity_links` (its roles in entities) prefetched."""
    links = (
        Relationship.objects.select_related("entity")
        .only("individual", "role", "entity__display_name", "entity__kind")
        .order_by("entity__sort_name", "role")
    )
    return client_list(
        firm=firm,
        search=search,
        kind=ClientKind.INDIVIDUAL,
        archived=archived,
        sort=sort,
        connected=connected,
    ).prefetch_related(Prefetch("entity_links", queryset=links))


def client_relationships(*, client: Client) -> QuerySet[Relationship]:
    """The roles around `client`: its people when it is an entity, its entities when it is an
    individual, with the other side loaded."""
    relationships = Relationship.objects.filter(firm_id=client.firm_id).select_related(
        "entity", "individual"
    )
    if client.is_individual:
        return relationships.filter(individual=client).order_by("entity__sort_name", "role")
    return relationships.filter(entity=client).order_by("role", "individual__sort_name")


def relationship_get(*, client: Client, pk: int) -> Relationship:
    """One of `client`'s relationships, or 404."""
    return get_object_or_404(
        Relationship.objects.filter(Q(entity=client) | Q(individual=client)), pk=pk
    )


def relationship_candidates(*, client: Client, search: str = "") -> QuerySet[Client]:
    """Active clients of the firm that could be on the other side of a relationship with
    `client`: entities for an individual, individuals for an entity."""
    candidates = client_list(firm=client.firm, search=search)
    if client.is_individual:
        return candidates.filter(kind__in=ENTITY_KINDS)
    return candidates.filter(kind=ClientKind.INDIVIDUAL)


@dataclass(frozen=True)
class ContactDuplicateGroup:
    """Contacts that are probably one person: `score` in [0, 1] and the reasons for it."""

    clients: list[Client]
    score: float
    reasons: tuple[str, ...]


def contact_duplicate_groups(*, firm: Firm) -> list[ContactDuplicateGroup]:
    """The firm's active, unmerged individuals that are likely duplicates, grouped, most
    certain group first.

    Finding them reads every contact, so the groups found are cached per firm under a version
    that any change to its individuals moves (their count and latest update); a merge, an edit
    or a new contact is seen on the next read.
    """
    contacts = _duplicate_candidates_pool(firm)
    version = Client.objects.filter(firm=firm, kind=ClientKind.INDIVIDUAL).aggregate(
        count=Count("id"), updated=Max("updated_at")
    )
    updated = version["updated"].timestamp() if version["updated"] else 0
    cache_key = f"clients:contact-duplicates:{firm.pk}:{version['count']}:{updated}"
    found = cache.get(cache_key)
    if found is None:
        found = [
            (group.keys, group.score, group.reasons)
            for group in duplicate_groups_find(
                (record_from_client(contact) for contact in contacts.only(*CLIENT_FIELDS)),
                phone_region=settings.PHONE_DEFAULT_REGION,
            )
        ]
        cache.set(cache_key, found, timeout=None)
    shown = contacts.in_bulk([pk for keys, _, _ in found for pk in keys])
    groups = []
    for keys, score, reasons in found:
        clients = [shown[pk] for pk in keys if pk in shown]
        if len(clients) > 1:
            groups.append(ContactDuplicateGroup(clients=clients, score=score, reasons=reasons))
    return groups


def client_duplicate_candidates(*, client: Client) -> list[Client]:
    """The other contacts of the firm that are likely the same person as `client`."""
    for group in contact_duplicate_groups(firm=client.firm):
        if any(member.pk == client.pk for member in group.clients):
            return [member for member in group.clients if member.pk != client.pk]
    return []


def contacts_for_merge(*, firm: Firm, pks: list[int]) -> list[Client]:
    """The firm's individuals among `pks`, in the order given, with the number of
    appointments and documents each would bring. Merged ones are included so that the merge
    service, not a 404, tells the person who merged them first."""
    found = (
        Client.objects.filter(firm=firm, kind=ClientKind.INDIVIDUAL)
        .annotate(
            appointment_count=Count("appointments", distinct=True),
            document_count=Count(
                "documents", filter=Q(documents__deleted_at__isnull=True), distinct=True
            ),
        )
        .in_bulk(pks)
    )
    return [found[pk] for pk in dict.fromkeys(pks) if pk in found]


def client_merges(*, firm: Firm) -> QuerySet[ClientMerge]:
    """The firm's merges, latest first, with the people and records they name loaded."""
    return (
        ClientMerge.objects.filter(firm=firm)
        .select_related("survivor", "merged_by", "undone_by")
        .prefetch_related("duplicates")
    )


def client_merge_get(*, firm: Firm, pk: int) -> ClientMerge:
    return get_object_or_404(ClientMerge, firm=firm, pk=pk)


def _duplicate_candidates_pool(firm: Firm) -> QuerySet[Client]:
    return Client.objects.filter(
        firm=firm, kind=ClientKind.INDIVIDUAL, archived_at__isnull=True, merged_into__isnull=True
    )


def _ordering(sort: str) -> tuple[str, ...]:
    columns = CLIENT_SORTS.get(sort.removeprefix("-"), CLIENT_SORTS["name"])
    if not sort.startswith("-"):
        return columns
    return tuple(column[1:] if column.startswith("-") else f"-{column}" for column in columns)


def _search_condition(search: str) -> Q:
    """Every word of the search must appear in `search_text`; a phone number also matches
    its stored E.164 form."""
    search = search.strip().lower()
    if not search:
        return Q()
    phone = _phone_search_term(search)
    if phone:
        return Q(search_text__contains=search) | Q(search_text__contains=phone)
    condition = Q()
    for word in search.split():
        condition &= Q(search_text__contains=word)
    return condition


def _phone_search_term(search: str) -> str:
    """What a phone-looking search looks like in the stored E.164 numbers: the whole number
    when it is a complete, valid one ("021 555 1234" -> "+64215551234"), else its digits
    without the national trunk prefix, which appear inside the stored number ("555-12" ->
    "55512", "021 55" -> "2155")."""
    if not _PHONE_LIKE.match(search):
        return ""
    digits = re.sub(r"\D", "", search)
    if len(digits) < _MIN_PHONE_DIGITS:
        return ""
    try:
        number = phonenumbers.parse(search, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        number = None
    if number is not None and phonenumbers.is_valid_number(number):
        return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return digits if search.startswith("+") else digits.lstrip("0")
