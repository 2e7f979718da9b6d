from datetime import UTC, date, datetime, time, timedelta

from django.utils import timezone

from accounts.tests.factories import UserFactory
from scheduling.calendar import CalendarPeriod, CalendarView, calendar_rows
from scheduling.models import Appointment
from scheduling.tests.factories import at


def test_a_week_runs_monday_to_sunday():
    period = CalendarPeriod.containing(CalendarView.WEEK, date(2025, 3, 6))  # a Thursday

    assert period.days == tuple(date(2025, 3, day) for day in range(3, 10))
    assert (period.previous, period.next) == (date(2025, 2, 24), date(2025, 3, 10))


def test_a_day_steps_one_day_at_a_time():
    period = CalendarPeriod.containing(CalendarView.DAY, date(2025, 3, 1))

    assert period.days == (date(2025, 3, 1),)
    assert (period.previous, period.next) == (date(2025, 2, 28), date(2025, 3, 2))


def test_a_period_runs_from_local_midnight_to_local_midnight():
    period = CalendarPeriod.containing(CalendarView.DAY, date(2025, 3, 4))

    local_start = timezone.localtime(period.starts_at)
    local_end = timezone.localtime(period.ends_at)
    assert (local_start.date(), local_start.time()) == (date(2025, 3, 4), time(0, 0))
    assert (local_end.date(), local_end.time()) == (date(2025, 3, 5), time(0, 0))


def test_the_week_daylight_saving_starts_is_an_hour_short():
    # New Zealand moved its clocks forward on Sunday 29 September 2024.
    period = CalendarPeriod.containing(CalendarView.WEEK, date(2024, 9, 25))

    # Aware datetimes in one zone subtract as wall-clock times; elapsed time needs UTC.
    elapsed = period.ends_at.astimezone(UTC) - period.starts_at.astimezone(UTC)
    assert elapsed == timedelta(days=7) - timedelta(hours=1)
    assert timezone.localtime(period.ends_at).time() == time(0, 0)


def _appointment(staff, start: datetime, hours: int = 1) -> Appointment:
    return Appointment(staff=staff, starts_at=start, ends_at=start + timedelta(hours=hours))


def test_rows_place_appointments_on_their_local_day():
    sam, aroha = UserFactory.build(pk=1), UserFactory.build(pk=2)
    period = CalendarPeriod.containing(CalendarView.WEEK, date(2025, 3, 3))
    # 08:00 on Tuesday in Auckland is still Monday in UTC.
    tuesday_morning = _appointment(sam, at("08:00", date(2025, 3, 4)))
    friday = _appointment(aroha, at("15:00", date(2025, 3, 7)))

    rows = calendar_rows(
        period=period, staff_members=[sam, aroha], appointments=[tuesday_morning, friday]
    )

    assert [row.staff for row in rows] == [sam, aroha]
    assert rows[0].cells == [[], [tuesday_morning], [], [], [], [], []]
    assert rows[1].cells == [[], [], [], [], [friday], [], []]


def test_rows_show_an_appointment_that_began_before_the_period_on_its_first_day():
    sam = UserFactory.build(pk=1)
    period = CalendarPeriod.containing(CalendarView.DAY, date(2025, 3, 4))
    overnight = _appointment(sam, at("23:00", date(2025, 3, 3)), hours=2)

    rows = calendar_rows(period=period, staff_members=[sam], appointments=[overnight])

    assert rows[0].cells == [[overnight]]


def test_rows_keep_appointments_of_someone_no_longer_listed():
    sam, former = UserFactory.build(pk=1), UserFactory.build(pk=2)
    period = CalendarPeriod.containing(CalendarView.DAY, date(2025, 3, 4))
    theirs = _appointment(former, at("09:00", date(2025, 3, 4)))

    rows = calendar_rows(period=period, staff_members=[sam], appointments=[theirs])

    assert [(row.staff, row.cells) for row in rows] == [(sam, [[]]), (former, [[theirs]])]
