"""Concurrency: several workers, people and callers doing the same thing at the same moment.

Each test starts its callers together (a barrier) in threads with database connections of
their own, or as separate `db_worker` processes, and checks that the work was done once, that
the data ends consistent, and that whoever lost the race was told so in words. They run on
SQLite by default (a file database, IMMEDIATE transactions queue writers) and again on
PostgreSQL, where row locks and the partial unique constraint do the work.
"""

import threading
import time
from collections.abc import Callable, Sequence
from datetime import timedelta
from typing import Any

import pytest
from django.db import connections
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts.models import AuditEvent, Role
from accounts.tests.factories import member_create
from clients import services as clients_services
from clients.exceptions import ClientMergeConflictError
from clients.models import Client, ClientMerge
from clients.services import client_merge
from clients.tests.factories import CompanyFactory, IndividualFactory
from integrations.connectors.base import CANONICAL_FIELDS
from integrations.connectors.xpm import XpmConnector
from integrations.models import Connection, Credential
from integrations.tests.conftest import XPM_CALLBACK, xpm_connect
from integrations.tests.factories import ConnectionFactory
from sandbox.xpm import XpmSandbox
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory
from sync.engine import _Creates, sync_run_execute
from sync.exceptions import LinkRefused, SyncRunRefused
from sync.models import Link, SyncRun, SyncRunStatus
from sync.runs import sync_run_start
from sync.services import link_create
from sync.tasks import sync_run_task
from sync.tests.factories import DirectoryEntryFactory
from tests.test_sync_soak import _worker, _worker_env

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# How long two workers may take to finish one small run between them.
WORKERS_DEADLINE_SECONDS = 180


def at_once(call: Callable[..., Any], arguments: Sequence[tuple]) -> list[Any]:
    """`call(*args)` for each of `arguments` in threads started together; what each returned
    or raised, in the same order."""
    start = threading.Barrier(len(arguments))
    outcomes: list[Any] = [None] * len(arguments)

    def attempt(index: int, args: tuple) -> None:
        try:
            start.wait()
            outcomes[index] = call(*args)
        except Exception as error:  # the caller's assertions show it
            outcomes[index] = error
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=attempt, args=(index, args)) for index, args in enumerate(arguments)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def of_type(outcomes: list[Any], kind: type) -> list[Any]:
    return [outcome for outcome in outcomes if isinstance(outcome, kind)]


@pytest.fixture
def xpm(settings):
    with XpmSandbox(clients=60, seed=3, rate_limits=False, redirect_uris=[XPM_CALLBACK]) as box:
        settings.XERO_AUTHORIZE_URL = box.authorize_url
        settings.XERO_TOKEN_URL = box.token_url
        settings.XERO_CONNECTIONS_URL = box.connections_url
        settings.XPM_API_BASE = box.api_base
        yield box


def listed(sandbox: XpmSandbox) -> int:
    return sum(1 for client in sandbox.store.clients_live() if not client.is_archived)


def staff(firm, count: int) -> list:
    return [
        member_create(firm=firm, role=Role.STAFF, email=f"staff{n}@harbour.example.com")
        for n in range(count)
    ]


# Workers ----------------------------------------------------------------------------------------
def test_two_workers_executing_one_run_do_its_work_once(xpm, firm, admin_user, monkeypatch):
    monkeypatch.setattr("integrations.connectors.xpm.connector.XpmConnector.PAGE_SIZE", 20)
    connection = xpm_connect(xpm, firm=firm, user=admin_user)
    run = sync_run_start(connection=connection, acting_user=admin_user, kind="import")
    xpm.reset_stats()
    worked: set[str] = set()

    def execute(worker: str) -> SyncRun:
        return sync_run_execute(run_id=run.pk, progress=lambda _: worked.add(worker))

    outcomes = at_once(execute, [("first",), ("second",)])

    assert not of_type(outcomes, Exception), outcomes
    assert len(worked) == 1
    run.refresh_from_db()
    assert run.status == SyncRunStatus.SUCCEEDED, run.message
    assert run.created == listed(xpm)
    assert Client.objects.filter(firm=firm).count() == listed(xpm)
    assert Link.objects.filter(connection=connection).count() == listed(xpm)
    assert xpm.stats["api_calls"] == run.api_calls == 3


def test_two_db_workers_never_run_one_task_twice_nor_one_run_twice(xpm, firm, admin_user):
    """The run's task is queued twice (as when the watch queues a run again while a slow worker
    still has it): each task is claimed by one worker, and the run's work is done once."""
    connection = xpm_connect(xpm, firm=firm, user=admin_user)
    run = sync_run_start(connection=connection, acting_user=admin_user, kind="import")
    sync_run_task.enqueue(run.pk)
    tasks = DBTaskResult.objects.filter(task_path=sync_run_task.module_path)
    assert tasks.count() == 2
    xpm.reset_stats()
    # Long enough that neither worker takes the run over from the other as dead.
    env = {**_worker_env(xpm), "SYNC_RUN_STALE_SECONDS": "600"}

    workers = [_worker(env), _worker(env)]
    try:
        deadline = time.monotonic() + WORKERS_DEADLINE_SECONDS
        while tasks.filter(status__in=[TaskResultStatus.READY, TaskResultStatus.RUNNING]).exists():
            assert time.monotonic() < deadline, list(tasks.values("status", "worker_ids"))
            time.sleep(0.5)
    finally:
        for worker in workers:
            worker.kill()
            worker.wait()

    for task in tasks:
        assert task.status == TaskResultStatus.SUCCESSFUL
        assert len(task.worker_ids) == 1
    run.refresh_from_db()
    assert run.status == SyncRunStatus.SUCCEEDED, run.message
    assert run.created == listed(xpm)
    assert Client.objects.filter(firm=firm).count() == listed(xpm)
    assert xpm.stats["api_calls"] == run.api_calls


# Runs of one connection ---------------------------------------------------------------------
@pytest.mark.parametrize("kinds", [("refresh", "refresh"), ("refresh", "import", "refresh")])
def test_of_runs_of_one_connection_started_at_once_exactly_one_starts(firm, admin_user, kinds):
    connection = ConnectionFactory(firm=firm)

    outcomes = at_once(
        lambda kind: sync_run_start(connection=connection, acting_user=admin_user, kind=kind),
        [(kind,) for kind in kinds],
    )

    [started] = of_type(outcomes, SyncRun)
    refusals = of_type(outcomes, SyncRunRefused)
    assert len(refusals) == len(kinds) - 1, outcomes
    for refusal in refusals:
        assert refusal.code == "run_active"
        assert "is already under way: wait for it to finish" in refusal.message
    assert SyncRun.objects.get(connection=connection) == started


# People at once ---------------------------------------------------------------------------------
def test_of_staff_merging_the_same_contacts_at_once_one_merges_the_others_are_told(firm):
    survivor = IndividualFactory(firm=firm, first_name="Mere", last_name="Tane", code="A1")
    duplicate = IndividualFactory(firm=firm, first_name="Mere", last_name="Tane", code="A7")
    appointment = AppointmentFactory(firm=firm, client=duplicate)
    people = staff(firm, 3)

    def merge(user) -> ClientMerge:
        return client_merge(
            firm=firm,
            survivor=Client.objects.get(pk=survivor.pk),
            duplicates=[Client.objects.get(pk=duplicate.pk)],
            field_choices={},
            acting_user=user,
        )

    outcomes = at_once(merge, [(person,) for person in people])

    [merged] = of_type(outcomes, ClientMerge)
    refusals = of_type(outcomes, ClientMergeConflictError)
    assert len(refusals) == len(people) - 1, outcomes
    for refusal in refusals:
        assert refusal.message == f"These contacts were merged by {merged.merged_by} a moment ago."
    assert ClientMerge.objects.get() == merged
    duplicate.refresh_from_db()
    assert duplicate.merged_into_id == survivor.pk
    assert Appointment.objects.get(pk=appointment.pk).client_id == survivor.pk
    assert AuditEvent.objects.filter(action="client.merge").count() == 1


@pytest.mark.parametrize("same_record", [True, False], ids=["same record", "two records"])
def test_of_staff_linking_one_client_at_once_one_links_the_other_is_told(firm, same_record):
    connection = ConnectionFactory(firm=firm)
    client = CompanyFactory(firm=firm, display_name="Contested Limited")
    entries = [DirectoryEntryFactory(connection=connection) for _ in range(2)]
    chosen = [entries[0], entries[0] if same_record else entries[1]]

    def link(user, entry) -> Link:
        return link_create(
            firm=firm,
            client=client,
            connection=connection,
            external_id=entry.external_id,
            acting_user=user,
        )

    outcomes = at_once(link, list(zip(staff(firm, 2), chosen, strict=True)))

    [linked] = of_type(outcomes, Link)
    [refusal] = of_type(outcomes, LinkRefused)
    assert "already linked" in refusal.message or "a moment ago" in refusal.message
    assert str(client) in refusal.message or entries[0].display_name in refusal.message
    assert Link.objects.get(connection=connection) == linked
    assert AuditEvent.objects.filter(action="link.create").count() == 1


# Tokens -----------------------------------------------------------------------------------------
def test_of_calls_whose_token_xpm_refuses_at_once_one_refreshes_it(xpm, firm, admin_user):
    """XPM stops honouring the access token (revoked early, or its clock ahead of ours): the
    workers calling at that moment are refused with 401, and the token is refreshed once."""
    connection = xpm_connect(xpm, firm=firm, user=admin_user)
    refused = Credential.objects.get(pk=connection.pk).access_token
    xpm.identity.access_tokens[refused].revoked = True
    xpm.reset_stats()
    callers = 8
    ids = [client.uuid for client in xpm.store.clients_live()[:callers]]

    def fetch(external_id: str) -> str:
        with XpmConnector(Connection.objects.get(pk=connection.pk)) as connector:
            return connector.get_client(external_id).external_id

    outcomes = at_once(fetch, [(external_id,) for external_id in ids])

    assert outcomes == ids
    assert xpm.stats["token_calls"] == {"refresh_token": 1}
    # How many calls went out with the refused token before the new one was saved depends on
    # the threads' timing; each was refused once at most, and each then got its answer.
    refused_calls = xpm.stats["api_status"]["401"]
    assert 1 <= refused_calls <= callers
    assert xpm.stats["api_status"] == {"401": refused_calls, "200": callers}
    credential = Credential.objects.get(pk=connection.pk)
    assert credential.access_token != refused
    assert credential.access_token_expires_at > timezone.now() + timedelta(minutes=20)


# A person and a run at once ---------------------------------------------------------------------
def test_a_record_a_person_links_while_an_import_writes_it_is_linked_once(
    xpm, firm, admin_user, staff_user, monkeypatch
):
    if connections["default"].vendor == "sqlite":
        pytest.skip("SQLite queues the person's write behind the run's transaction: no race")
    connection = xpm_connect(xpm, firm=firm, user=admin_user)
    # A person links records of Tandem's copy of the list, which a refresh fills.
    listing = sync_run_start(connection=connection, acting_user=admin_user, kind="refresh")
    sync_run_execute(run_id=listing.pk)
    record = next(
        client
        for client in xpm.store.clients_live()
        if client.fields.get("businessStructure") == "Company" and not client.is_archived
    )
    chosen = CompanyFactory(firm=firm, display_name="Quite Another Name Limited")
    save = _Creates.save

    def save_after_a_person_links(creates, fields):
        # The person's request commits between the run reading the links and writing its own.
        [person_linked] = at_once(
            lambda: link_create(
                firm=firm,
                client=chosen,
                connection=connection,
                external_id=record.uuid,
                acting_user=staff_user,
            ),
            [()],
        )
        assert isinstance(person_linked, Link), person_linked
        monkeypatch.setattr(_Creates, "save", save)
        return save(creates, fields)

    monkeypatch.setattr(_Creates, "save", save_after_a_person_links)
    started = sync_run_start(connection=connection, acting_user=admin_user, kind="import")
    done = sync_run_execute(run_id=started.pk)

    assert done.status == SyncRunStatus.SUCCEEDED, done.message
    assert Link.objects.get(connection=connection, external_id=record.uuid).client == chosen
    chosen.refresh_from_db()
    assert chosen.display_name == "Quite Another Name Limited"
    assert Link.objects.filter(connection=connection).count() == listed(xpm)
    assert Client.objects.filter(firm=firm).count() == listed(xpm)


def test_a_pm_change_to_a_contact_merged_during_a_refresh_reaches_the_survivor(
    xpm, firm, admin_user, staff_user, monkeypatch
):
    if connections["default"].vendor == "sqlite":
        pytest.skip("SQLite queues the merge and the refresh's batch behind each other: no race")
    connection = xpm_connect(xpm, firm=firm, user=admin_user)
    person = next(
        client
        for client in xpm.store.clients_live()
        if client.fields.get("businessStructure") == "Individual" and not client.is_archived
    )
    imported = sync_run_start(
        connection=connection, acting_user=admin_user, kind="import", external_ids=[person.uuid]
    )
    sync_run_execute(run_id=imported.pk)
    duplicate = Link.objects.get(external_id=person.uuid).client
    # A contact entered twice in Tandem, the same but for its code.
    survivor = IndividualFactory(
        firm=firm,
        **{name: getattr(duplicate, name) for name in CANONICAL_FIELDS if name != "code"},
    )
    xpm.store.client_update(
        person.uuid, {"email": "merged@pm.example"}, when=xpm.now() + timedelta(seconds=5)
    )
    # The merge holds its locks, unfinished, until the refresh is waiting for them.
    locked, finish = threading.Event(), threading.Event()
    audit_record = clients_services.audit_record

    def audit_then_hold(**kwargs):
        audit_record(**kwargs)
        if kwargs["action"] == "client.merge":
            locked.set()
            finish.wait(timeout=WORKERS_DEADLINE_SECONDS)

    monkeypatch.setattr(clients_services, "audit_record", audit_then_hold)

    def merge():
        return client_merge(
            firm=firm,
            survivor=survivor,
            duplicates=[duplicate],
            field_choices={},
            acting_user=staff_user,
        )

    def refresh():
        run = sync_run_start(connection=connection, acting_user=admin_user, kind="refresh")
        return sync_run_execute(run_id=run.pk)

    outcomes: dict[str, Any] = {}

    def outcome_of(name: str, call: Callable[[], Any]) -> None:
        try:
            outcomes[name] = call()
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=outcome_of, args=pair)
        for pair in (("merge", merge), ("refresh", refresh))
    ]
    threads[0].start()
    assert locked.wait(timeout=WORKERS_DEADLINE_SECONDS)
    threads[1].start()
    deadline = time.monotonic() + WORKERS_DEADLINE_SECONDS
    while threads[1].is_alive() and not _waiting_for_a_lock():
        assert time.monotonic() < deadline, "the refresh never waited for the merge's locks"
        time.sleep(0.1)
    finish.set()
    for thread in threads:
        thread.join()

    assert isinstance(outcomes["merge"], ClientMerge)
    assert outcomes["refresh"].status == SyncRunStatus.SUCCEEDED, outcomes["refresh"].message
    survivor.refresh_from_db()
    duplicate.refresh_from_db()
    assert Link.objects.get(external_id=person.uuid).client == survivor
    assert survivor.email == "merged@pm.example"
    assert duplicate.email != "merged@pm.example"


def _waiting_for_a_lock() -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity "
            "WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return cursor.fetchone()[0] > 0
