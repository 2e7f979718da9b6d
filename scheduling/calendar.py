"""The calendar's periods and grid: pure date arithmetic, kept out of the view."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import TextChoices
from django.utils import timezone

from accounts.models import User
from scheduling.models import Appointment


class CalendarView(TextChoices):
    DAY = "day", "Day"
    WEEK = "week", "Week"


@dataclass(frozen=True)
class CalendarPeriod:
    view: CalendarView
    days: tuple[date, ...]

    @classmethod
    def containing(cls, view: CalendarView, day: date) -> "CalendarPeriod":
        """The day itself, or the Monday-to-Sunday week it falls in."""
        if view == CalendarView.DAY:
            return cls(view=view, days=(day,))
        monday = day - timedelta(days=day.weekday())
        return cls(view=view, days=tuple(monday + timedelta(days=n) for n in range(7)))

    @property
    def first(self) -> date:
        return self.days[0]

    @property
    def last(self) -> date:
        return self.days[-1]

    @property
    def starts_at(self) -> datetime:
        return _local_midnight(self.first)

    @property
    def ends_at(self) -> datetime:
        # Local midnight, not start + 24h per day: a day or week with a daylight-saving change
        # is an hour shorter or longer.
        return _local_midnight(self.last + timedelta(days=1))

    @property
    def previous(self) -> date:
        return self.first - timedelta(days=len(self.days))

    @property
    def next(self) -> date:
        return self.first + timedelta(days=len(self.days))


@dataclass(frozen=True)
class StaffRow:
    """One staff member's line of the calendar: a list of appointments per day."""

    staff: User
    cells: list[list[Appointment]]


def calendar_rows(
    *, period: CalendarPeriod, staff_members: Iterable[User], appointments: Iterable[Appointment]
) -> list[StaffRow]:
    """Lay appointments out per staff member and day; each shows on the day it starts.

    An appointment that started before the period (overnight) shows on its first day. Someone
    who has since left the firm still gets a row: their appointments must not vanish.
    """
    rows = {member.pk: _empty_row(member, period) for member in staff_members}
    for appointment in appointments:
        row = rows.get(appointment.staff_id)
        if row is None:
            row = rows[appointment.staff_id] = _empty_row(appointment.staff, period)
        day = max(timezone.localdate(appointment.starts_at), period.first)
        row.cells[period.days.index(day)].append(appointment)
    return list(rows.values())


def _empty_row(staff: User, period: CalendarPeriod) -> StaffRow:
    return StaffRow(staff=staff, cells=[[] for _ in period.days])


def _local_midnight(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))
