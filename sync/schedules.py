"""A connection's automatic refresh: a firm administrator sets it, the worker asks which are due."""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from accounts.audit import audit_record, field_changes
from accounts.models import User
from integrations.models import Connection, ConnectionStatus
from sync.exceptions import SyncError
from sync.models import SyncSchedule

EVERY_MINUTES_MIN = 5
EVERY_MINUTES_MAX = 24 * 60


@transaction.atomic
def sync_schedule_update(
    *, connection: Connection, enabled: bool, every_minutes: int, acting_user: User | None
) -> SyncSchedule:
    """Turn `connection`'s refresh schedule on or off; on, the first run is due one interval
    from now, so that saving the form does not set off a refresh at once, and the worker's
    tick is queued to watch for it."""
    if not EVERY_MINUTES_MIN <= every_minutes <= EVERY_MINUTES_MAX:
        raise SyncError(
            f"Refresh every: choose between {EVERY_MINUTES_MIN} and {EVERY_MINUTES_MAX} minutes "
            f"(24 hours); {every_minutes} is not.",
            field="every_minutes",
            code="schedule_interval",
        )
    if enabled and connection.status != ConnectionStatus.ACTIVE:
        raise SyncError(
            f"{connection.provider_name} ({connection.external_account_name}) is not connected: "
            "reauthorise it before scheduling refreshes.",
            code="not_connected",
        )
    schedule, _ = SyncSchedule.objects.select_for_update().get_or_create(connection=connection)
    before = {"enabled": schedule.enabled, "every_minutes": schedule.every_minutes}
    schedule.enabled = enabled
    schedule.every_minutes = every_minutes
    schedule.next_run_at = timezone.now() + timedelta(minutes=every_minutes) if enabled else None
    schedule.updated_by = acting_user
    schedule.full_clean()
    schedule.save()
    if enabled:
        # Imported here: sync.runs asks this module which schedules are due.
        from sync.runs import sync_tick_ensure

        # The worker's tick queues itself only while there is something to watch.
        transaction.on_commit(sync_tick_ensure)
    audit_record(
        firm=connection.firm,
        actor=acting_user,
        action="sync_schedule.update",
        target=schedule,
        changes=field_changes(before, {"enabled": enabled, "every_minutes": every_minutes}),
    )
    return schedule


def sync_schedule_get(*, connection: Connection) -> SyncSchedule:
    """`connection`'s schedule; one never set is off (unsaved, with the default interval)."""
    try:
        return connection.sync_schedule
    except SyncSchedule.DoesNotExist:
        return SyncSchedule(connection=connection)


def sync_schedules_due(*, now: datetime) -> QuerySet[SyncSchedule]:
    """Every firm's schedules whose next refresh is due by `now`, of connections still active."""
    return (
        SyncSchedule.objects.filter(
            enabled=True,
            next_run_at__lte=now,
            connection__status=ConnectionStatus.ACTIVE,
        )
        .select_related("connection", "connection__firm")
        .order_by("next_run_at", "connection_id")
    )
