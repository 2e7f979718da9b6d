"""Reads of clients and relationships, always scoped by the firm.

The lists must stay quick with 100,000 clients in a firm: searching reads the one lower-cased,
database-generated `search_text` column, and every sort walks an index (see the Client model and
migration 0002).
"""

import re

import phonenumbers
from django.conf import settings
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from accounts.models import Firm
from clients.models import ENTITY_KINDS, Client, ClientKind, Relationship

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
) -> QuerySet[Client]:
    """The firm's clients with the list's columns loaded.

    `archived`: False for active clients only, True for archived ones only, None for all.
    `sort`: a key of CLIENT_SORTS, with a leading "-" to reverse it.
    """
    clients = Client.objects.filter(firm=firm)
    if archived is not None:
        clients = clients.filter(archived_at__isnull=not archived)
    if kind:
        clients = clients.filter(kind=kind)
    clients = clients.filter(_search_condition(search))
    return clients.only(*LIST_COLUMNS).order_by(*_ordering(sort))


def contact_list(
    *, firm: Firm, search: str = "", archived: bool | None = False, sort: str = "name"
) -> QuerySet[Client]:
    """The firm's individuals, each with `entity_links` (its roles in entities) prefetched."""
    links = (
        Relationship.objects.select_related("entity")
        .only("individual", "role", "entity__display_name", "entity__kind")
        .order_by("entity__sort_name", "role")
    )
    return client_list(
        firm=firm, search=search, kind=ClientKind.INDIVIDUAL, archived=archived, sort=sort
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
