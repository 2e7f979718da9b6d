from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts.models import AuditEvent
from integrations.models import ConnectionStatus
from integrations.tests.factories import ConnectionFactory
from sync.exceptions import SyncError
from sync.models import SyncSchedule
from sync.schedules import sync_schedule_get, sync_schedule_update, sync_schedules_due
from sync.tasks import sync_tick

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(firm):
    return ConnectionFactory(firm=firm)


def test_turning_on_makes_the_first_refresh_due_one_interval_from_now(connection, admin_user):
    before = timezone.now()

    schedule = sync_schedule_update(
        connection=connection, enabled=True, every_minutes=30, acting_user=admin_user
    )

    schedule.refresh_from_db()
    assert schedule.enabled
    assert schedule.every_minutes == 30
    assert before + timedelta(minutes=30) <= schedule.next_run_at
    assert schedule.next_run_at <= timezone.now() + timedelta(minutes=30)
    assert schedule.updated_by == admin_user


def test_every_change_leaves_an_audit_row_naming_what_changed(connection, admin_user):
    sync_schedule_update(
        connection=connection, enabled=True, every_minutes=30, acting_user=admin_user
    )
    sync_schedule_update(
        connection=connection, enabled=False, every_minutes=30, acting_user=admin_user
    )

    first, second = AuditEvent.objects.filter(action="sync_schedule.update").order_by("id")
    assert first.firm == connection.firm
    assert first.actor == admin_user
    assert first.changes == {"enabled": [False, True], "every_minutes": [60, 30]}
    assert second.changes == {"enabled": [True, False]}


def test_turning_off_keeps_the_interval_and_clears_the_next_run(connection, admin_user):
    sync_schedule_update(
        connection=connection, enabled=True, every_minutes=45, acting_user=admin_user
    )

    schedule = sync_schedule_update(
        connection=connection, enabled=False, every_minutes=45, acting_user=admin_user
    )

    assert SyncSchedule.objects.get() == schedule
    assert not schedule.enabled
    assert schedule.every_minutes == 45
    assert schedule.next_run_at is None


@pytest.mark.parametrize("every_minutes", [0, 4, 1441])
def test_an_interval_outside_five_minutes_to_a_day_is_refused(
    connection, admin_user, every_minutes
):
    with pytest.raises(SyncError) as refused:
        sync_schedule_update(
            connection=connection, enabled=True, every_minutes=every_minutes, acting_user=admin_user
        )

    assert refused.value.field == "every_minutes"
    assert "between 5 and 1440 minutes" in refused.value.message
    assert not SyncSchedule.objects.exists()
    assert not AuditEvent.objects.filter(action="sync_schedule.update").exists()


@pytest.mark.parametrize("every_minutes", [5, 1440])
def test_the_bounds_themselves_are_allowed(connection, admin_user, every_minutes):
    schedule = sync_schedule_update(
        connection=connection, enabled=True, every_minutes=every_minutes, acting_user=admin_user
    )

    assert schedule.every_minutes == every_minutes


def test_a_connection_that_needs_reauthorising_cannot_be_scheduled(firm, admin_user):
    connection = ConnectionFactory(firm=firm, status=ConnectionStatus.NEEDS_REAUTHORISATION)

    with pytest.raises(SyncError, match="reauthorise it"):
        sync_schedule_update(
            connection=connection, enabled=True, every_minutes=60, acting_user=admin_user
        )

    assert not SyncSchedule.objects.exists()


def test_a_schedule_never_set_reads_as_off(connection):
    schedule = sync_schedule_get(connection=connection)

    assert not schedule.enabled
    assert schedule.every_minutes == 60
    assert schedule._state.adding


def test_due_schedules_are_the_enabled_ones_of_active_connections_whose_time_has_come(
    firm, other_firm
):
    now = timezone.now()
    due = SyncSchedule.objects.create(
        connection=ConnectionFactory(firm=firm), enabled=True, next_run_at=now
    )
    other_firms_due = SyncSchedule.objects.create(
        connection=ConnectionFactory(firm=other_firm),
        enabled=True,
        next_run_at=now - timedelta(minutes=5),
    )
    SyncSchedule.objects.create(
        connection=ConnectionFactory(firm=firm),
        enabled=True,
        next_run_at=now + timedelta(seconds=1),
    )
    SyncSchedule.objects.create(
        connection=ConnectionFactory(firm=firm), enabled=False, next_run_at=now
    )
    SyncSchedule.objects.create(
        connection=ConnectionFactory(firm=firm, status=ConnectionStatus.DISCONNECTED),
        enabled=True,
        next_run_at=now,
    )

    assert list(sync_schedules_due(now=now)) == [other_firms_due, due]


def test_turning_on_queues_the_workers_tick_once_committed(
    connection, admin_user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sync_schedule_update(
            connection=connection, enabled=True, every_minutes=30, acting_user=admin_user
        )

    assert DBTaskResult.objects.filter(task_path=sync_tick.module_path).count() == 1


def test_turning_off_queues_nothing(connection, admin_user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        sync_schedule_update(
            connection=connection, enabled=False, every_minutes=30, acting_user=admin_user
        )

    assert not DBTaskResult.objects.exists()
