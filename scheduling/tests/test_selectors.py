from datetime import datetime, timedelta

import pytest
from django.http import Http404
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import member_create
from clients.tests.factories import CompanyFactory
from scheduling.models import AppointmentStatus
from scheduling.selectors import (
    appointment_clashes,
    appointment_get,
    client_appointments,
    staff_list,
    staff_schedule,
)
from scheduling.tests.factories import DAY, AppointmentFactory, at


@pytest.fixture
def acme(firm):
    return CompanyFactory(firm=firm, display_name="Acme Ltd")


@pytest.fixture
def appointment_at(acme, staff_user):
    def _appointment_at(start: datetime, end: datetime, **fields):
        return AppointmentFactory(
            **({"client": acme, "staff": staff_user, "starts_at": start, "ends_at": end} | fields)
        )

    return _appointment_at


def test_appointment_get_finds_the_firms_appointment_only(firm, other_firm, appointment_at):
    appointment = appointment_at(at("10:00"), at("11:00"))

    assert appointment_get(firm=firm, pk=appointment.pk) == appointment
    with pytest.raises(Http404):
        appointment_get(firm=other_firm, pk=appointment.pk)


def test_client_appointments_lists_upcoming_soonest_first_then_past_latest_first(
    acme, appointment_at
):
    now = timezone.now()
    hour = timedelta(hours=1)
    last_month = appointment_at(now - 30 * 24 * hour, now - 30 * 24 * hour + hour)
    yesterday = appointment_at(now - 24 * hour, now - 23 * hour)
    in_progress = appointment_at(now - hour / 2, now + hour / 2)
    next_week = appointment_at(now + 7 * 24 * hour, now + 7 * 24 * hour + hour)
    tomorrow = appointment_at(now + 24 * hour, now + 25 * hour)
    appointment_at(now, now + hour, client=CompanyFactory(firm=acme.firm))

    appointments = list(client_appointments(client=acme))

    assert appointments == [in_progress, tomorrow, next_week, yesterday, last_month]
    assert [a.is_upcoming for a in appointments] == [True, True, True, False, False]


def test_appointment_clashes_finds_overlapping_booked_appointments_only(
    firm, staff_user, appointment_at
):
    overlapping = appointment_at(at("10:00"), at("11:00"))
    appointment_at(at("11:00"), at("12:00"))  # touches the end
    appointment_at(at("10:00"), at("11:00"), status=AppointmentStatus.CANCELLED)
    appointment_at(at("10:00"), at("11:00"), staff=member_create(firm=firm))

    clashes = appointment_clashes(
        firm=firm, staff=staff_user, starts_at=at("10:30"), ends_at=at("11:00")
    )

    assert list(clashes) == [overlapping]
    assert not appointment_clashes(
        firm=firm,
        staff=staff_user,
        starts_at=at("10:00"),
        ends_at=at("11:00"),
        exclude=overlapping,
    ).exists()


def test_staff_schedule_returns_the_period_in_time_order(firm, appointment_at):
    late = appointment_at(at("16:00"), at("17:00"))
    early = appointment_at(at("08:00"), at("09:00"))
    overnight = appointment_at(at("23:00", DAY - timedelta(days=1)), at("00:30"))
    appointment_at(at("08:00", DAY + timedelta(days=1)), at("09:00", DAY + timedelta(days=1)))
    appointment_at(at("22:00", DAY - timedelta(days=1)), at("00:00"))  # ends at midnight

    schedule = staff_schedule(firm=firm, start=at("00:00"), end=at("00:00", DAY + timedelta(1)))

    assert list(schedule) == [overnight, early, late]


def test_staff_schedule_filters_by_staff_member_and_firm(
    firm, other_firm, outsider, staff_user, appointment_at
):
    mine = appointment_at(at("10:00"), at("11:00"))
    appointment_at(at("10:00"), at("11:00"), staff=member_create(firm=firm))
    AppointmentFactory(
        client=CompanyFactory(firm=other_firm),
        staff=outsider,
        starts_at=at("10:00"),
        ends_at=at("11:00"),
    )

    assert staff_schedule(firm=firm, start=at("00:00"), end=at("23:59")).count() == 2
    assert list(
        staff_schedule(firm=firm, start=at("00:00"), end=at("23:59"), staff=staff_user)
    ) == [mine]


def test_staff_schedule_marks_double_bookings(firm, appointment_at):
    first = appointment_at(at("10:00"), at("11:00"))
    second = appointment_at(at("10:30"), at("11:30"))
    touching = appointment_at(at("11:30"), at("12:00"))
    cancelled = appointment_at(at("10:00"), at("11:00"), status=AppointmentStatus.CANCELLED)
    someone_else = appointment_at(at("10:00"), at("11:00"), staff=member_create(firm=firm))

    flagged = {
        appointment.pk: appointment.is_double_booked
        for appointment in staff_schedule(firm=firm, start=at("00:00"), end=at("23:59"))
    }

    assert flagged == {
        first.pk: True,
        second.pk: True,
        touching.pk: False,
        cancelled.pk: False,
        someone_else.pk: False,
    }


def test_staff_list_holds_the_firms_active_members(firm, admin_user, staff_user, outsider):
    gone = member_create(firm=firm, role=Role.STAFF, is_active=False)

    members = list(staff_list(firm=firm))

    assert members == [admin_user, staff_user]
    assert gone not in members
