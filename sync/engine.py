"""The sync engine's imperative shell: one run over one connection, a batch at a time.

The decisions are the planner's (`sync.planner`); this module reads, writes and records. Each
batch (whole pages of the listing, or a slice of the records a run is limited to) is applied in
one transaction that also saves the run's counts and its cursor, so a run whose worker dies resumes
after the last committed batch, and applying a batch again changes nothing more: a linked
record whose values are in step plans to nothing, and an imported record is linked by then.

A run writes only client detail fields, links and its own records: appointments, documents,
notes and relationships made in Tandem are never touched, and nothing is ever deleted. A
record archived or gone in the external system flags its link for a person to review.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from accounts.audit import audit_event_build, field_changes
from accounts.models import AuditEvent
from clients.models import Client
from clients.validation import client_name_require
from integrations.connectors.base import (
    CANONICAL_FIELDS,
    Capability,
    Connector,
    ExternalRecord,
    Page,
    RecordProblem,
    canonical_clean,
)
from integrations.connectors.registry import connector_class
from integrations.directory import OVERLAP, directory_page_save
from integrations.exceptions import IntegrationError, RecordNotFound
from integrations.models import Directory, DirectoryEntry
from matching.index import CandidateIndex
from matching.records import MatchRecord, kind_class, record_from_client
from sync.exceptions import SyncError
from sync.models import (
    Link,
    RecordOutcome,
    RemoteStatus,
    SyncKind,
    SyncRun,
    SyncRunRecord,
    SyncRunStatus,
)
from sync.planner import Decision, Plan, Policy, import_values, record_plan
from sync.relations import link_lookup_for, relations_import
from sync.snapshots import COMPARE, snapshot_dump
from sync.suggestions import NAMES_SCORED, SUGGESTION_MIN_SCORE
from tandem.bulk import objects_update, rows_insert
from tandem.collector import collector_for_bulk_work

logger = logging.getLogger(__name__)

# Records of a limited run read per transaction.
SCOPE_BATCH = 500
# Records of a listing applied per transaction, in whole pages. A batch writes each record to
# several indexes in random places, and commits every page those writes touched: five pages
# of 1,000 a commit took a 100,000-client import from 49 s to 38-42 s on SQLite. Larger batches
# gain less, and hold SQLite's write lock longer (about 2 s at this size) while people save.
LISTING_BATCH_RECORDS = 5_000
# A whole listing with no record at all, from a connection whose copy holds at least this many,
# is a fault of the source, not a practice that lost every client overnight.
EMPTY_SOURCE_MIN = 1

Progress = Callable[[SyncRun], None]


class SourceEmpty(SyncError):
    code = "source_empty"


class _TakenOver(Exception):
    """Another worker resumed this run (this one was presumed dead); stop without writing."""


@dataclass
class _Tally:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicts: int = 0
    flagged: int = 0
    skipped: int = 0
    failed: int = 0
    # Rows of SyncRunRecord in RECORD_FIELDS order.
    records: list[tuple] = field(default_factory=list)

    def add(self, outcome: str) -> None:
        name = {
            RecordOutcome.CREATED: "created",
            RecordOutcome.UPDATED: "updated",
            RecordOutcome.CONFLICT: "conflicts",
            RecordOutcome.FLAGGED: "flagged",
            RecordOutcome.SKIPPED: "skipped",
            RecordOutcome.FAILED: "failed",
            RecordOutcome.PUSHABLE: "unchanged",
        }[outcome]
        setattr(self, name, getattr(self, name) + 1)


COUNTERS = ("created", "updated", "unchanged", "conflicts", "flagged", "skipped", "failed")
RECORD_FIELDS = (
    "run",
    "external_id",
    "external_name",
    "client",
    "outcome",
    "changes",
    "conflicts",
    "pushable",
    "message",
    "raw",
)


def sync_run_execute(*, run_id: int, progress: Progress | None = None) -> SyncRun:
    """Do the run's work in this process, from where it had got to; returns it finished.

    Returns at once, doing nothing, when the run is finished or another live worker holds it.
    """
    owner = uuid.uuid4().hex
    run = _claim(run_id, owner)
    if run is None:
        return SyncRun.objects.get(pk=run_id)
    try:
        connector = connector_class(run.connection.provider)(run.connection)
        with connector, collector_for_bulk_work():
            _Execution(run, connector, owner, progress).execute()
    except _TakenOver:
        return SyncRun.objects.get(pk=run_id)
    except (IntegrationError, SyncError) as error:
        return _finish(run, owner, SyncRunStatus.FAILED, error.message)
    except Exception:
        logger.exception("Sync run %s stopped on an unexpected error", run_id)
        _finish(
            run,
            owner,
            SyncRunStatus.FAILED,
            "The run stopped on an unexpected error in Tandem; what it had committed is kept. "
            "Start it again; if it fails again, tell your Tandem administrator.",
        )
        raise
    return SyncRun.objects.get(pk=run_id)


def stale_after() -> timedelta:
    """How long a running run's worker may stay silent before the run is resumed elsewhere."""
    return timedelta(seconds=settings.SYNC_RUN_STALE_SECONDS)


def sync_runs_stale(*, now=None) -> list[int]:
    """Ids of running runs whose worker stopped checking in (killed, or its machine lost)."""
    cutoff = (now or timezone.now()) - stale_after()
    return list(
        SyncRun.objects.filter(status=SyncRunStatus.RUNNING)
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True))
        .values_list("pk", flat=True)
    )


# Claiming and finishing -----------------------------------------------------------------------
@transaction.atomic
def _claim(run_id: int, owner: str) -> SyncRun | None:
    run = (
        SyncRun.objects.select_for_update(of=("self",))
        .select_related("connection", "firm", "started_by")
        .filter(pk=run_id)
        .first()
    )
    if run is None or not run.is_active:
        return None
    now = timezone.now()
    if (
        run.status == SyncRunStatus.RUNNING
        and run.heartbeat_at is not None
        and now - run.heartbeat_at < stale_after()
    ):
        return None
    if run.status == SyncRunStatus.QUEUED:
        run.started_at = now
        run.modified_since = _modified_since(run)
    run.status = SyncRunStatus.RUNNING
    run.heartbeat_at = now
    run.cursor = {**run.cursor, "owner": owner}
    run.save(update_fields=["status", "started_at", "modified_since", "heartbeat_at", "cursor"])
    return run


def _modified_since(run: SyncRun):
    """Where a refresh's listing starts: the start of the last complete refresh, less the
    overlap that keeps a record saved in that same second.

    None lists everything: the first time; for Overwrite, whose external values win for every
    linked client, changed there or not; and once the last whole listing is older than
    SYNC_FULL_LISTING_HOURS, because only a whole listing shows which records were deleted.
    """
    if run.kind != SyncKind.REFRESH or run.external_ids or run.overwrite:
        return None
    connector = connector_class(run.connection.provider)
    if Capability.LIST_MODIFIED_SINCE not in connector.capabilities:
        return None
    refreshes = SyncRun.objects.filter(
        connection=run.connection,
        kind=SyncKind.REFRESH,
        status=SyncRunStatus.SUCCEEDED,
        dry_run=False,
        external_ids=[],
    ).order_by("-started_at")
    last_whole = (
        refreshes.filter(modified_since__isnull=True).values_list("started_at", flat=True).first()
    )
    full_listing_every = timedelta(hours=settings.SYNC_FULL_LISTING_HOURS)
    if last_whole is None or timezone.now() - last_whole >= full_listing_every:
        return None
    return refreshes.values_list("started_at", flat=True).first() - OVERLAP


@transaction.atomic
def _finish(run: SyncRun, owner: str, status: str, message: str = "") -> SyncRun:
    locked = SyncRun.objects.select_for_update().get(pk=run.pk)
    if locked.cursor.get("owner") != owner or not locked.is_active:
        return locked
    locked.status = status
    locked.message = message
    locked.finished_at = timezone.now()
    locked.cursor = {key: value for key, value in locked.cursor.items() if key != "owner"}
    locked.save(update_fields=["status", "message", "finished_at", "cursor"])
    if not locked.dry_run:
        event = audit_event_build(
            firm=locked.firm,
            actor=locked.started_by,
            action=f"sync_run.{status}",
            target=locked.connection,
            changes={
                "run": locked.pk,
                "kind": locked.kind,
                "overwrite": locked.overwrite,
                **{name: getattr(locked, name) for name in COUNTERS},
                **({"message": message} if message else {}),
            },
        )
        event.save()
    return locked


# The run --------------------------------------------------------------------------------------
class _Execution:
    def __init__(self, run: SyncRun, connector: Connector, owner: str, progress: Progress | None):
        self.run = run
        self.connector = connector
        self.owner = owner
        self.progress = progress
        self.connection = run.connection
        self.fields = [
            name for name in CANONICAL_FIELDS if name in connector.field_mapping.canonical_fields
        ]
        self.policy = (
            Policy.overwrite()
            if run.overwrite
            else Policy.refresh(can_push=connector.supports(Capability.PUSH))
        )
        self.scope = frozenset(run.external_ids)
        self.directory, _ = Directory.objects.get_or_create(connection=self.connection)
        self._duplicates: CandidateIndex | None = None
        self._duplicate_clients: dict[int, Client] = {}
        # Calls made by the workers that ran it before this one.
        self.calls_before = run.api_calls

    def execute(self) -> None:
        if self.run.total is None:
            self._total_estimate()
        batches = self._scoped_batches() if self.scope else self._listing_batches()
        for records, problems, cursor in batches:
            try:
                self._commit(records, problems, cursor)
            except IntegrityError:
                # A person linked one of the batch's records, or gave a client one of its codes,
                # between the batch reading and writing: applied again, it sees their change.
                self._commit(records, problems, cursor)
            if self.progress:
                self.progress(self.run)
        if not self.scope and self.run.modified_since is None and not self.run.dry_run:
            self._flag_missing()
        _finish(self.run, self.owner, SyncRunStatus.SUCCEEDED)

    def _total_estimate(self) -> None:
        if self.scope:
            total = len(self.scope)
        elif self.run.modified_since is not None:
            total = None
        else:
            total = DirectoryEntry.objects.filter(connection=self.connection).count() or None
        SyncRun.objects.filter(pk=self.run.pk).update(total=total)
        self.run.total = total

    # Sources ----------------------------------------------------------------------------------
    def _listing_batches(self) -> Iterator[tuple[list[ExternalRecord], list[RecordProblem], dict]]:
        page_token = self.run.cursor.get("page_token")
        pages = self.run.cursor.get("pages", 0)
        first = not pages
        records: list[ExternalRecord] = []
        problems: list[RecordProblem] = []
        while True:
            page = self.connector.list_clients(
                page_token=page_token, modified_since=self.run.modified_since
            )
            if first:
                self._empty_source_check(page)
                first = False
            pages += 1
            records.extend(page.records)
            problems.extend(page.problems)
            last = page.next_token is None
            if last or len(records) + len(problems) >= LISTING_BATCH_RECORDS:
                yield records, problems, {"page_token": page.next_token, "pages": pages}
                records, problems = [], []
            if last:
                return
            page_token = page.next_token

    def _empty_source_check(self, page: Page) -> None:
        if self.run.modified_since is not None or page.records or page.problems or page.next_token:
            return
        known = DirectoryEntry.objects.filter(connection=self.connection, archived=False).count()
        linked = Link.objects.filter(connection=self.connection).count()
        had = max(known, linked)
        if had >= EMPTY_SOURCE_MIN:
            name = self.connector.short_name
            raise SourceEmpty(
                f"{name} answered with no clients at all, but this connection had {had:,} "
                f"last time. Tandem changed and flagged nothing; check the {name} account and "
                "run the refresh again."
            )

    def _scoped_batches(self) -> Iterator[tuple[list[ExternalRecord], list[RecordProblem], dict]]:
        """The records the run is limited to, from Tandem's copy of the list where it has
        them (no call), else one call each."""
        wanted = sorted(self.scope)
        done = self.run.cursor.get("done", 0)
        for start in range(done, len(wanted), SCOPE_BATCH):
            ids = wanted[start : start + SCOPE_BATCH]
            entries = {
                entry.external_id: entry
                for entry in DirectoryEntry.objects.filter(
                    connection=self.connection, external_id__in=ids
                )
            }
            records: list[ExternalRecord] = []
            problems: list[RecordProblem] = []
            for external_id in ids:
                entry = entries.get(external_id)
                outcome = (
                    _record_from_entry(entry) if entry is not None else self._fetch(external_id)
                )
                (problems if isinstance(outcome, RecordProblem) else records).append(outcome)
            yield records, problems, {"done": start + len(ids)}

    def _fetch(self, external_id: str) -> ExternalRecord | RecordProblem:
        try:
            return self.connector.get_client(external_id)
        except RecordNotFound as error:
            return RecordProblem(external_id, external_id, error.message)
        except IntegrationError as error:
            if getattr(error, "retryable", False) or error.code == "reauthorisation_needed":
                raise
            return RecordProblem(external_id, external_id, error.message)

    # Applying a batch -------------------------------------------------------------------------
    def _commit(
        self, records: list[ExternalRecord], problems: list[RecordProblem], cursor: dict
    ) -> None:
        with transaction.atomic():
            run = SyncRun.objects.select_for_update().get(pk=self.run.pk)
            if run.cursor.get("owner") != self.owner:
                raise _TakenOver
            if not run.dry_run and not self.scope and records:
                directory_page_save(
                    directory=self.directory,
                    page=Page(records=tuple(records)),
                    refreshed_at=run.started_at,
                )
            tally = _Tally()
            for problem in problems:
                tally.add(RecordOutcome.FAILED)
                tally.records.append(
                    _record_row(
                        run.pk,
                        (problem.external_id or f"unreadable:{problem.label}")[:100],
                        problem.label,
                        None,
                        RecordOutcome.FAILED,
                        message=problem.message,
                        raw=_jsonable_raw(problem.raw),
                    )
                )
            self._apply(run, records, tally)
            _records_save(tally.records)
            for name in COUNTERS:
                setattr(run, name, getattr(run, name) + getattr(tally, name))
            run.processed += len(records) + len(problems)
            run.api_calls = self.calls_before + self.connector.api_calls
            run.cursor = {**cursor, "owner": self.owner}
            run.heartbeat_at = timezone.now()
            run.save(update_fields=[*COUNTERS, "processed", "api_calls", "cursor", "heartbeat_at"])
            self.run = run

    def _apply(self, run: SyncRun, records: list[ExternalRecord], tally: _Tally) -> None:
        # Unordered, so the database finds each link through the unique index on (connection,
        # external id) rather than walking the connection's links in order.
        linked = Link.objects.filter(
            connection=self.connection, external_id__in=[r.external_id for r in records]
        ).order_by()
        client_ids = list(linked.values_list("client_id", flat=True))
        clients = Client.objects.select_for_update().in_bulk(client_ids)
        # Read once the clients are locked: a merge this waited for may have moved a link to
        # its survivor, whose lock is then taken too. With no link before, there is none to
        # read again: a link a person makes meanwhile fails the batch's insert, and `execute`
        # applies the batch again.
        links = {link.external_id: link for link in linked} if client_ids else {}
        moved = {link.client_id for link in links.values()} - clients.keys()
        if moved:
            clients |= Client.objects.select_for_update().in_bulk(moved)
        codes = _Codes(run.firm, records)
        updates = _Writes(run)
        creates = _Creates(run)
        for record in records:
            link = links.get(record.external_id)
            if link is not None:
                self._refresh(run, record, link, clients[link.client_id], tally, updates, codes)
            elif run.kind == SyncKind.IMPORT:
                self._import(run, record, tally, creates, codes)
        if run.dry_run:
            return
        updates.save()
        created = creates.save(self.fields)
        # A person's chosen few come in with their contacts and relationships: one call each,
        # which a listing-wide import of thousands could not afford.
        if self.scope and created and self.connector.supports(Capability.CONTACTS):
            created = self._relations_import(run, creates, created)
        tally.records.extend(created)

    def _relations_import(self, run: SyncRun, creates: _Creates, rows: list[tuple]) -> list[tuple]:
        """The created records' rows, each saying which contacts and relationships came in."""
        clients = Client.objects.in_bulk([client_id for client_id, _ in creates.created])
        lookup = link_lookup_for(self.connection)
        message_at = RECORD_FIELDS.index("message")
        described = []
        for row, (client_id, record) in zip(rows, creates.created, strict=True):
            messages = relations_import(
                connector=self.connector,
                client=clients[client_id],
                record=record,
                acting_user=run.started_by,
                link_lookup=lookup,
            )
            described.append((*row[:message_at], " ".join(messages), *row[message_at + 1 :]))
        return described

    def _refresh(
        self,
        run: SyncRun,
        record: ExternalRecord,
        link: Link,
        client: Client,
        tally: _Tally,
        updates: _Writes,
        codes: _Codes,
    ) -> None:
        local = {name: getattr(client, name) for name in self.fields}
        plan = record_plan(
            local=local,
            base=link.base,
            remote=record.fields,
            fields=self.fields,
            policy=self.policy,
            normalise=COMPARE,
        )
        changes = plan.changes_local
        if changes:
            try:
                client_name_require(kind=client.kind, values={**local, **changes})
                codes.claim(changes.get("code"), owner=client.pk)
            except ValidationError as error:
                tally.add(RecordOutcome.FAILED)
                tally.records.append(
                    _outcome(run, record, client.pk, RecordOutcome.FAILED, message=_messages(error))
                )
                return
        remote_status = RemoteStatus.ARCHIVED if record.archived else RemoteStatus.PRESENT
        flagged = remote_status != link.remote_status and record.archived
        pushable = [item.name for item in plan.fields if item.decision == Decision.PUSH_LOCAL]
        outcome = _refresh_outcome(plan, changes, pushable, flagged)
        if outcome is None:
            tally.unchanged += 1
        else:
            tally.add(outcome)
            tally.records.append(
                _outcome(
                    run,
                    record,
                    client.pk,
                    outcome,
                    changes=_changes(local, changes),
                    conflicts={
                        item.name: {
                            "tandem": _shown(item.local),
                            "base": _shown(item.base),
                            "remote": _shown(item.remote),
                        }
                        for item in plan.conflicts
                    },
                    pushable=pushable,
                    message=_flag_message(self.connector, remote_status) if flagged else "",
                )
            )
        if run.dry_run:
            return
        updates.add(
            client,
            link,
            changes,
            base=snapshot_dump(plan.base_without_pushes),
            remote_status=remote_status,
            external_name=record.display_name,
        )

    def _import(
        self,
        run: SyncRun,
        record: ExternalRecord,
        tally: _Tally,
        creates: _Creates,
        codes: _Codes,
    ) -> None:
        chosen = record.external_id in self.scope
        if self.scope and not chosen:
            return
        kind = record.kind
        if not kind:
            tally.add(RecordOutcome.FAILED)
            tally.records.append(
                _outcome(
                    run,
                    record,
                    None,
                    RecordOutcome.FAILED,
                    message=f"{self.connector.short_name} does not say whether "
                    f"“{record.display_name}” is a person or an organisation, so Tandem cannot "
                    "create it: Link it to a Tandem client instead.",
                )
            )
            return
        if record.archived and not chosen:
            tally.add(RecordOutcome.SKIPPED)
            tally.records.append(
                _outcome(
                    run,
                    record,
                    None,
                    RecordOutcome.SKIPPED,
                    message=f"Archived in {self.connector.short_name}: import it on its own if "
                    "you want it in Tandem.",
                )
            )
            return
        if not chosen:
            lookalike = self._lookalike(record)
            if lookalike is not None:
                tally.add(RecordOutcome.SKIPPED)
                tally.records.append(
                    _outcome(
                        run,
                        record,
                        lookalike.pk,
                        RecordOutcome.SKIPPED,
                        message=f"Looks like {lookalike} already in Tandem: Link instead, or "
                        "import it on its own.",
                    )
                )
                return
        values = import_values(remote=record.fields, fields=self.fields)
        try:
            client_name_require(kind=kind, values=values)
            codes.claim(values.get("code"), owner=record.external_id)
        except ValidationError as error:
            tally.add(RecordOutcome.FAILED)
            tally.records.append(
                _outcome(run, record, None, RecordOutcome.FAILED, message=_messages(error))
            )
            return
        tally.add(RecordOutcome.CREATED)
        if run.dry_run:
            tally.records.append(
                _outcome(
                    run,
                    record,
                    None,
                    RecordOutcome.CREATED,
                    changes={
                        name: {"from": None, "to": _shown(v)} for name, v in values.items() if v
                    },
                )
            )
            return
        creates.add(kind, values, record, base=snapshot_dump(values))

    def _lookalike(self, record: ExternalRecord) -> Client | None:
        """The firm's client this record most looks like, when alike enough that importing
        it would make a duplicate (the same test as Suggested links)."""
        if self._duplicates is None:
            linked = Link.objects.filter(connection=self.connection).values("client_id")
            clients = (
                Client.objects.filter(
                    firm=self.run.firm, archived_at__isnull=True, merged_into__isnull=True
                )
                .exclude(pk__in=linked)
                .iterator()
            )
            self._duplicate_clients = {client.pk: client for client in clients}
            self._duplicates = CandidateIndex(
                record_from_client(client) for client in self._duplicate_clients.values()
            )
        if not self._duplicate_clients:
            return None
        wanted = MatchRecord.from_fields(record.external_id, {**record.fields, "kind": record.kind})
        for candidate in self._duplicates.search(wanted, limit=1, pool=NAMES_SCORED):
            if candidate.score >= SUGGESTION_MIN_SCORE and kind_class(
                candidate.record.kind
            ) == kind_class(record.kind or ""):
                return self._duplicate_clients.get(candidate.record.key)
        return None

    # After a whole listing ---------------------------------------------------------------------
    def _flag_missing(self) -> None:
        """Links whose record the complete listing did not include: flagged, never removed.
        A record listed but unreadable (failed) was there all the same. A link made since the
        run started was made from a record read since (as an import's own links are), so only
        older links are looked for: after a first import, there are none."""
        seen = DirectoryEntry.objects.filter(
            connection=self.connection, refreshed_at__gte=self.run.started_at
        ).values("external_id")
        unreadable = SyncRunRecord.objects.filter(
            run_id=self.run.pk, outcome=RecordOutcome.FAILED
        ).values("external_id")
        missing = (
            Link.objects.filter(connection=self.connection, linked_at__lt=self.run.started_at)
            .exclude(external_id__in=seen)
            .exclude(external_id__in=unreadable)
            .exclude(remote_status=RemoteStatus.MISSING)
        )
        now = timezone.now()
        message = _flag_message(self.connector, RemoteStatus.MISSING)
        with transaction.atomic():
            run = SyncRun.objects.select_for_update().get(pk=self.run.pk)
            if run.cursor.get("owner") != self.owner:
                raise _TakenOver
            flagged = list(missing)
            _records_save(
                [
                    _record_row(
                        run.pk,
                        link.external_id,
                        link.external_name,
                        link.client_id,
                        RecordOutcome.FLAGGED,
                        message=message,
                    )
                    for link in flagged
                ]
            )
            Link.objects.filter(pk__in=[link.pk for link in flagged]).update(
                remote_status=RemoteStatus.MISSING, remote_status_at=now
            )
            run.flagged += len(flagged)
            run.save(update_fields=["flagged"])
            self.run = run


# Batch writes ---------------------------------------------------------------------------------
class _Codes:
    """Client codes are unique per firm: a record whose code another client holds (or another
    record of the batch took first) fails on its own rather than failing the batch."""

    def __init__(self, firm, records: Iterable[ExternalRecord]):
        wanted = {code for record in records if (code := record.fields.get("code"))}
        self.holders: dict[str, tuple[int, str]] = {
            code: (pk, name)
            for code, pk, name in Client.objects.filter(firm=firm, code__in=wanted)
            # Worded as the unique constraint's condition, so the database looks codes up in
            # its index rather than reading every client of the firm.
            .exclude(code="")
            .order_by()
            .values_list("code", "pk", "display_name")
        }
        # code -> its owner in this batch: a client's id, or the external id of a new one.
        self.claimed: dict[str, Any] = {}

    def claim(self, code: str | None, *, owner: Any) -> None:
        if not code:
            return
        holder = self.holders.get(code)
        if holder is not None and holder[0] != owner:
            raise ValidationError(
                {"code": f"Client code: '{code}' is already used by {holder[1]}."}
            )
        if self.claimed.setdefault(code, owner) != owner:
            raise ValidationError(
                {"code": f"Client code: '{code}' is also the code of another record listed."}
            )


class _Writes:
    """A batch's changes to linked clients and their links, written together: only the
    columns some record of the batch changed, so a refresh of changed emails writes emails."""

    def __init__(self, run: SyncRun):
        self.run = run
        self.clients: list[Client] = []
        self.client_fields: set[str] = set()
        self.links: list[Link] = []
        self.link_fields: set[str] = set()
        self.events: list[AuditEvent] = []

    def add(
        self,
        client: Client,
        link: Link,
        changes: dict[str, Any],
        *,
        base: dict[str, Any],
        remote_status: str,
        external_name: str,
    ) -> None:
        now = timezone.now()
        if changes:
            before = {name: getattr(client, name) for name in changes}
            for name, value in changes.items():
                setattr(client, name, value)
            client.updated_by = self.run.started_by
            client.updated_at = now
            self.clients.append(client)
            self.client_fields.update(changes)
            self.events.append(
                audit_event_build(
                    firm=self.run.firm,
                    actor=self.run.started_by,
                    action="client.sync_update",
                    target=client,
                    changes=field_changes(before, changes),
                )
            )
        external_name = external_name[:255] or link.external_name
        changed = []
        if base != link.base:
            link.base = base
            link.last_synced_at = now
            changed += ["base", "last_synced_at"]
        if remote_status != link.remote_status:
            link.remote_status = remote_status
            link.remote_status_at = now
            changed += ["remote_status", "remote_status_at"]
        if external_name != link.external_name:
            link.external_name = external_name
            changed.append("external_name")
        if changed:
            self.links.append(link)
            self.link_fields.update(changed)

    def save(self) -> None:
        objects_update(self.clients, [*sorted(self.client_fields), "updated_by", "updated_at"])
        objects_update(self.links, sorted(self.link_fields))
        AuditEvent.objects.bulk_create(self.events)


class _Creates:
    """A batch's new clients and their links, written together. Their audit trail is the
    run's record of each (who started the run, when, which record) rather than an audit row
    per client, which would double the rows a 100,000-client import writes."""

    def __init__(self, run: SyncRun):
        self.run = run
        self.items: list[tuple[str, dict[str, Any], ExternalRecord, dict[str, Any]]] = []
        # (client id, record) of each client written by `save`.
        self.created: list[tuple[int, ExternalRecord]] = []

    def add(
        self, kind: str, values: dict[str, Any], record: ExternalRecord, *, base: dict[str, Any]
    ) -> None:
        self.items.append((kind, values, record, base))

    def save(self, fields: list[str]) -> list[tuple]:
        """Write the clients and links; the run's records of them."""
        if not self.items:
            return []
        now = timezone.now()
        actor_id = self.run.started_by_id
        firm_id = self.run.firm_id
        blank = {name: Client._meta.get_field(name).get_default() for name in fields}
        client_ids = rows_insert(
            Client,
            ["firm", "kind", *fields, "created_by", "updated_by", "created_at", "updated_at"],
            [
                (
                    firm_id,
                    kind,
                    *[values.get(name, blank[name]) for name in fields],
                    actor_id,
                    actor_id,
                    now,
                    now,
                )
                for kind, values, _, _ in self.items
            ],
            returning=True,
        )
        rows_insert(
            Link,
            [
                "firm",
                "client",
                "connection",
                "external_id",
                "external_name",
                "base",
                "linked_by",
                "linked_at",
                "last_synced_at",
            ],
            [
                (
                    firm_id,
                    client_id,
                    self.run.connection_id,
                    record.external_id,
                    record.display_name[:255],
                    base,
                    actor_id,
                    now,
                    now,
                )
                for client_id, (_, _, record, base) in zip(client_ids, self.items, strict=True)
            ],
        )
        self.created = [
            (client_id, record)
            for client_id, (_, _, record, _) in zip(client_ids, self.items, strict=True)
        ]
        return [
            _outcome(self.run, record, client_id, RecordOutcome.CREATED)
            for client_id, record in self.created
        ]


# Helpers --------------------------------------------------------------------------------------
def _record_from_entry(entry: DirectoryEntry) -> ExternalRecord | RecordProblem:
    fields, errors = canonical_clean(entry.fields, kind=entry.kind or None)
    if errors:
        return RecordProblem(entry.external_id, entry.display_name, " ".join(errors.values()))
    return ExternalRecord(
        external_id=entry.external_id,
        kind=entry.kind or None,
        fields=fields,
        modified_at=entry.modified_at,
        archived=entry.archived,
    )


def _outcome(
    run: SyncRun, record: ExternalRecord, client_id: int | None, outcome: str, **details: Any
) -> tuple:
    """The run's row of what became of `record`; `details` as `_record_row` takes them, but
    for the raw record, kept only when it failed."""
    return _record_row(
        run.pk,
        record.external_id,
        record.display_name,
        client_id,
        outcome,
        raw=_jsonable_raw(record.raw) if outcome == RecordOutcome.FAILED else None,
        **details,
    )


def _record_row(
    run_id: int,
    external_id: str,
    external_name: str,
    client_id: int | None,
    outcome: str,
    *,
    changes: dict | None = None,
    conflicts: dict | None = None,
    pushable: list[str] | None = None,
    message: str = "",
    raw: dict | None = None,
) -> tuple:
    """A row of SyncRunRecord, in RECORD_FIELDS order."""
    return (
        run_id,
        external_id,
        external_name[:255],
        client_id,
        outcome,
        changes or {},
        conflicts or {},
        pushable or [],
        message,
        raw or {},
    )


def _records_save(rows: list[tuple]) -> None:
    """Upsert the run's records: a batch applied again after a resume rewrites its rows. A
    record twice in one batch keeps its last outcome (one statement must not touch a row
    twice)."""
    latest = {row[1]: row for row in rows}
    rows_insert(
        SyncRunRecord,
        RECORD_FIELDS,
        list(latest.values()),
        conflict=("run", "external_id"),
        update=RECORD_FIELDS[2:],
    )


def _refresh_outcome(
    plan: Plan, changes: dict[str, Any], pushable: list[str], flagged: bool
) -> str | None:
    if flagged:
        return RecordOutcome.FLAGGED
    if plan.conflicts:
        return RecordOutcome.CONFLICT
    if changes:
        return RecordOutcome.UPDATED
    if pushable:
        return RecordOutcome.PUSHABLE
    return None


def _changes(local: dict[str, Any], changes: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        name: {"from": _shown(local.get(name)), "to": _shown(value)}
        for name, value in changes.items()
    }


def _shown(value: Any) -> Any:
    """A value as a run's record stores it (JSON); ABSENT (not stated) becomes None."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return None


def _messages(error: ValidationError) -> str:
    return " ".join(message for messages in error.message_dict.values() for message in messages)


def _flag_message(connector: Connector, status: str) -> str:
    name = connector.short_name
    if status == RemoteStatus.MISSING:
        return (
            f"No longer among {name}'s active clients (archived or deleted there): review the "
            "client in Tandem, which keeps it; archive or unlink it if it is gone for good."
        )
    return f"Archived in {name}: review the client in Tandem (Tandem has not archived it)."


def _jsonable_raw(raw: Any) -> dict[str, Any]:
    if isinstance(raw, dict):
        return raw
    if raw is None:
        return {}
    return {"value": repr(raw)[:2000]}
