"""Suggested links: for each unlinked client of the firm, the connection's directory record
most like it, so a practice links its existing clients in one sitting rather than one Connect
Now at a time.

Ranking a client costs a few milliseconds against the connection's `CandidateIndex` (built once
per directory version by `integrations.directory`). What each client ranks is cached under the
directory's version and a version of the firm's clients, so paging and accepting rank nothing
again; links change with every accept, so they are applied on each read instead of moving the
cache key, and a client unlinked since the cache was filled is ranked then.
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import overload

from django.core.cache import cache
from django.db.models import Count, Max

from accounts.models import Firm, User
from clients.models import Client
from integrations.directory import directory_entries, directory_index, directory_version
from integrations.models import Connection, DirectoryEntry
from matching.index import CandidateIndex
from matching.records import CLIENT_FIELDS, kind_class, record_from_client
from sync.exceptions import LinkRefused
from sync.models import Link
from sync.services import link_create

# An exact name alone scores about 0.97 and a name 94% alike about 0.90; below this a name needs
# an email, phone or number agreeing before the pair is worth a person's look.
SUGGESTION_MIN_SCORE = 0.85
# Candidates kept per client, so a client whose best record is linked to someone else can still
# be offered its next best.
CANDIDATES_KEPT = 3
# Names scored in full per client (`CandidateIndex.search`'s `pool`): a name alike enough to pass
# SUGGESTION_MIN_SCORE is among the closest few by trigrams, and a tenth of Connect Now's pool
# makes ranking every client of a large practice take seconds rather than minutes.
NAMES_SCORED = 10


# (directory entry id, external id, score, reasons) per client id.
Ranked = dict[int, list[tuple[int, str, float, tuple[str, ...]]]]
# (client id, directory entry id, score, reasons)
Chosen = tuple[int, int, float, tuple[str, ...]]


@dataclass(frozen=True)
class LinkSuggestion:
    client: Client
    entry: DirectoryEntry
    score: float
    reasons: tuple[str, ...]

    @property
    def explanation(self) -> str:
        return "; ".join(self.reasons)


@dataclass(frozen=True)
class LinkOutcome:
    """What became of one accepted suggestion: `link`, or the `refusal` saying why not."""

    client_id: int
    external_id: str
    client: Client | None = None
    link: Link | None = None
    refusal: str = ""


class LinkSuggestions(Sequence[LinkSuggestion]):
    """Suggestions best first, as a sequence a Paginator can page: the clients and records of
    a slice are read when it is, in two queries, so a page costs the same for 50 suggestions
    as for 50,000."""

    def __init__(self, *, firm: Firm, connection: Connection, chosen: list[Chosen]):
        self._firm = firm
        self._connection = connection
        self._chosen = chosen

    def __len__(self) -> int:
        return len(self._chosen)

    @overload
    def __getitem__(self, index: int) -> LinkSuggestion: ...
    @overload
    def __getitem__(self, index: slice) -> list[LinkSuggestion]: ...
    def __getitem__(self, index):
        if isinstance(index, slice):
            return self._load(self._chosen[index])
        return self._load([self._chosen[index]])[0]

    def __iter__(self) -> Iterator[LinkSuggestion]:
        return iter(self._load(self._chosen))

    def for_entries(self, entry_ids: Iterable[int]) -> dict[int, LinkSuggestion]:
        """The suggestions of these directory entries, by entry id: a page of the directory
        asks which of its records look like a client already in Tandem."""
        wanted = set(entry_ids)
        chosen = [row for row in self._chosen if row[1] in wanted]
        return {suggestion.entry.pk: suggestion for suggestion in self._load(chosen)}

    def entry_ids(self) -> set[int]:
        """Every directory entry suggested for a client."""
        return {entry_id for _, entry_id, _, _ in self._chosen}

    def _load(self, chosen: list[Chosen]) -> list[LinkSuggestion]:
        clients = (
            Client.objects.filter(firm=self._firm)
            .only("id", "kind", "display_name", "code", "email")
            .in_bulk([client_id for client_id, _, _, _ in chosen])
        )
        entries = directory_entries(connection=self._connection).in_bulk(
            [entry_id for _, entry_id, _, _ in chosen]
        )
        return [
            LinkSuggestion(clients[client_id], entries[entry_id], score, reasons)
            for client_id, entry_id, score, reasons in chosen
            if client_id in clients and entry_id in entries
        ]


# Selectors ------------------------------------------------------------------------------------
def link_suggestions(
    *, firm: Firm, connection: Connection, min_score: float = SUGGESTION_MIN_SCORE
) -> LinkSuggestions:
    """The best unlinked record of `connection` for each of the firm's active, unmerged clients
    not linked in it, best first. A record is suggested once, to the client it fits best, and
    only when its kind agrees with the client's and it scores at least `min_score`."""
    if connection.firm_id != firm.pk:
        return LinkSuggestions(firm=firm, connection=connection, chosen=[])
    links = Link.objects.filter(connection=connection)
    unlinked = set(
        Client.objects.filter(firm=firm, archived_at__isnull=True, merged_into__isnull=True)
        .exclude(pk__in=links.values("client_id"))
        .values_list("pk", flat=True)
    )
    ranked = _ranked(firm=firm, connection=connection, unlinked=unlinked, min_score=min_score)
    taken = set(links.values_list("external_id", flat=True))
    pairs = sorted(
        (-score, client_id, entry_id, external_id, reasons)
        for client_id in unlinked
        for entry_id, external_id, score, reasons in ranked[client_id]
    )
    suggested: set[int] = set()
    chosen: list[Chosen] = []
    for negative_score, client_id, entry_id, external_id, reasons in pairs:
        if client_id in suggested or external_id in taken:
            continue
        suggested.add(client_id)
        taken.add(external_id)
        chosen.append((client_id, entry_id, -negative_score, reasons))
    return LinkSuggestions(firm=firm, connection=connection, chosen=chosen)


def _ranked(*, firm: Firm, connection: Connection, unlinked: set[int], min_score: float) -> Ranked:
    """Each of the `unlinked` clients' candidates, from the cache or ranked now."""
    clients_version = Client.objects.filter(firm=firm).aggregate(
        count=Count("id"), updated=Max("updated_at")
    )
    updated = clients_version["updated"].timestamp() if clients_version["updated"] else 0
    key = (
        f"sync:link-suggestions:{connection.pk}:{directory_version(connection=connection)}:"
        f"{clients_version['count']}:{updated}:{min_score}"
    )
    ranked: Ranked = cache.get(key) or {}
    missing = unlinked - ranked.keys()
    if not missing:
        return ranked
    index = directory_index(connection=connection)
    external_ids = dict(
        directory_entries(connection=connection).order_by().values_list("id", "external_id")
    )
    # Read every client rather than filter by the missing ids: on first use that is all of
    # them, and an IN list of thousands of ids overflows the databases' parameter limits.
    for client in Client.objects.filter(firm=firm).only(*CLIENT_FIELDS).iterator():
        if client.pk in missing:
            ranked[client.pk] = _candidates(index, external_ids, client=client, min_score=min_score)
    cache.set(key, ranked, timeout=None)
    return ranked


def _candidates(
    index: CandidateIndex, external_ids: dict[int, str], *, client: Client, min_score: float
) -> list[tuple[int, str, float, tuple[str, ...]]]:
    wanted_kind = kind_class(client.kind)
    return [
        (
            candidate.record.key,
            external_ids[candidate.record.key],
            candidate.score,
            candidate.reasons,
        )
        for candidate in index.search(
            record_from_client(client), limit=CANDIDATES_KEPT, pool=NAMES_SCORED
        )
        if candidate.score >= min_score
        and candidate.record.key in external_ids
        and (not candidate.record.kind or kind_class(candidate.record.kind) == wanted_kind)
    ]


# Services -------------------------------------------------------------------------------------
def link_suggestions_accept(
    *,
    firm: Firm,
    connection: Connection,
    accepted: Iterable[tuple[int, str]],
    acting_user: User,
) -> list[LinkOutcome]:
    """Link each (client id, external id) through `link_create`, in the order given.

    Deliberately not one transaction: each link is its own (inside `link_create`), so one
    refused never undoes the others. A client id that is not the firm's is refused like any
    other, without touching anything.
    """
    accepted = list(accepted)
    clients = Client.objects.filter(firm=firm).in_bulk([client_id for client_id, _ in accepted])
    outcomes = []
    for client_id, external_id in accepted:
        client = clients.get(client_id)
        if client is None:
            outcomes.append(
                LinkOutcome(
                    client_id,
                    external_id,
                    refusal=f"This practice has no client with the id {client_id}.",
                )
            )
            continue
        try:
            link = link_create(
                firm=firm,
                client=client,
                connection=connection,
                external_id=external_id,
                acting_user=acting_user,
            )
        except LinkRefused as refusal:
            outcomes.append(LinkOutcome(client_id, external_id, client, refusal=refusal.message))
        else:
            outcomes.append(LinkOutcome(client_id, external_id, client, link=link))
    return outcomes
