import pytest
from django.utils import timezone

from accounts.models import AuditEvent
from clients.tests.factories import CompanyFactory
from scheduling.exceptions import AppointmentInvalid
from scheduling.models import Appointment, AppointmentStatus
from scheduling.services import appointment_book, appointment_status_set, appointment_update
from scheduling.tests.factories import AppointmentFactory, at


@pytest.fixture
def acme(firm):
    return CompanyFactory(firm=firm, display_name="Acme Ltd")


@pytest.fixture
def book(firm, acme, staff_user, admin_user):
    def _book(start: str, end: str, **overrides):
        fields = {
            "firm": firm,
            "client": acme,
            "staff": staff_user,
            "starts_at": at(start),
            "ends_at": at(end),
            "acting_user": admin_user,
        }
        return appointment_book(**(fields | overrides))

    return _book


def test_book_saves_the_appointment_and_audits_it(book, firm, acme, staff_user, admin_user):
    booking = book("10:00", "11:00", location="Level 2", notes="Bring the GST returns")

    appointment = Appointment.objects.get()
    assert booking.appointment == appointment
    assert booking.clashes == []
    assert (appointment.firm, appointment.client, appointment.staff) == (firm, acme, staff_user)
    assert (appointment.starts_at, appointment.ends_at) == (at("10:00"), at("11:00"))
    assert appointment.status == AppointmentStatus.BOOKED
    assert appointment.created_by == admin_user
    event = AuditEvent.objects.get(action="appointment.book")
    assert (event.firm, event.actor, event.target_id) == (firm, admin_user, str(appointment.pk))
    assert event.changes["location"] == [None, "Level 2"]


@pytest.mark.parametrize(
    ("start", "end", "clashes"),
    [
        ("10:30", "11:30", True),  # overlaps the end
        ("09:30", "10:30", True),  # overlaps the start
        ("10:15", "10:45", True),  # inside
        ("09:00", "12:00", True),  # around
        ("10:00", "11:00", True),  # the same slot
        ("11:00", "12:00", False),  # starts as the other ends
        ("09:00", "10:00", False),  # ends as the other starts
    ],
)
def test_book_reports_overlapping_bookings_of_the_staff_member(book, start, end, clashes):
    existing = book("10:00", "11:00").appointment

    booking = book(start, end)

    assert booking.clashes == ([existing] if clashes else [])
    assert Appointment.objects.count() == 2, "double-booking is allowed, only warned about"


def test_book_ignores_cancelled_appointments_and_other_staff(book, firm, admin_user):
    cancelled = book("10:00", "11:00").appointment
    appointment_status_set(
        appointment=cancelled, status=AppointmentStatus.CANCELLED, acting_user=admin_user
    )
    book("10:00", "11:00", staff=admin_user)

    assert book("10:00", "11:00").clashes == []


def test_book_does_not_see_another_firms_appointments(book, other_firm, outsider):
    AppointmentFactory(
        client=CompanyFactory(firm=other_firm),
        staff=outsider,
        starts_at=at("10:00"),
        ends_at=at("11:00"),
    )

    assert book("10:00", "11:00").clashes == []


@pytest.mark.parametrize(("start", "end"), [("11:00", "10:00"), ("10:00", "10:00")])
def test_book_refuses_an_appointment_that_does_not_end_after_it_starts(book, start, end):
    with pytest.raises(AppointmentInvalid, match="must end after it starts") as refused:
        book(start, end)

    assert refused.value.field == "ends_at"
    assert not Appointment.objects.exists()
    assert not AuditEvent.objects.exists()


def test_book_refuses_staff_of_another_firm(book, outsider):
    with pytest.raises(
        AppointmentInvalid, match="Olivia Outsider is not a staff member"
    ) as refused:
        book("10:00", "11:00", staff=outsider)

    assert refused.value.field == "staff"
    assert not Appointment.objects.exists()


def test_book_refuses_a_deactivated_staff_member(book, staff_user):
    staff_user.is_active = False
    staff_user.save()

    with pytest.raises(AppointmentInvalid, match="not a staff member"):
        book("10:00", "11:00")


def test_book_refuses_a_client_of_another_firm(book, other_firm):
    with pytest.raises(AppointmentInvalid, match="does not belong to this firm"):
        book("10:00", "11:00", client=CompanyFactory(firm=other_firm))

    assert not Appointment.objects.exists()


def test_book_refuses_an_archived_client(book, acme):
    acme.archived_at = timezone.now()
    acme.save()

    with pytest.raises(AppointmentInvalid, match="Acme Ltd is archived") as refused:
        book("10:00", "11:00")

    assert refused.value.field == "client"
    assert not Appointment.objects.exists()


def test_update_reschedules_and_audits_the_changes(book, admin_user):
    appointment = book("10:00", "11:00").appointment

    booking = appointment_update(
        appointment=appointment,
        staff=appointment.staff,
        starts_at=at("14:00"),
        ends_at=at("15:30"),
        location="Video call",
        acting_user=admin_user,
    )

    appointment.refresh_from_db()
    assert booking.clashes == [], "an appointment never clashes with itself"
    assert (appointment.starts_at, appointment.ends_at) == (at("14:00"), at("15:30"))
    assert appointment.location == "Video call"
    changes = AuditEvent.objects.get(action="appointment.update").changes
    assert set(changes) == {"starts_at", "ends_at", "location"}


def test_update_reports_clashes_at_the_new_time(book, admin_user):
    other = book("14:00", "15:00").appointment
    appointment = book("10:00", "11:00").appointment

    booking = appointment_update(
        appointment=appointment,
        staff=appointment.staff,
        starts_at=at("14:30"),
        ends_at=at("15:30"),
        acting_user=admin_user,
    )

    assert booking.clashes == [other]


def test_update_without_changes_writes_no_audit_row(book, admin_user):
    appointment = book("10:00", "11:00", notes="Agenda").appointment

    appointment_update(
        appointment=appointment,
        staff=appointment.staff,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        notes="Agenda",
        acting_user=admin_user,
    )

    assert not AuditEvent.objects.filter(action="appointment.update").exists()


def test_update_refuses_staff_of_another_firm_and_keeps_the_appointment(book, outsider, admin_user):
    appointment = book("10:00", "11:00").appointment

    with pytest.raises(AppointmentInvalid, match="not a staff member"):
        appointment_update(
            appointment=appointment,
            staff=outsider,
            starts_at=at("10:00"),
            ends_at=at("11:00"),
            acting_user=admin_user,
        )

    appointment.refresh_from_db()
    assert appointment.staff != outsider


@pytest.mark.parametrize(
    "status",
    [AppointmentStatus.COMPLETED, AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW],
)
def test_status_set_changes_the_status_and_audits_it(book, admin_user, status):
    appointment = book("10:00", "11:00").appointment

    appointment_status_set(appointment=appointment, status=status, acting_user=admin_user)

    appointment.refresh_from_db()
    assert appointment.status == status
    event = AuditEvent.objects.get(action="appointment.status")
    assert event.changes == {"status": ["booked", str(status)]}


def test_status_set_to_the_current_status_changes_nothing(book, admin_user):
    appointment = book("10:00", "11:00").appointment

    appointment_status_set(
        appointment=appointment, status=AppointmentStatus.BOOKED, acting_user=admin_user
    )

    assert not AuditEvent.objects.filter(action="appointment.status").exists()


def test_status_set_refuses_an_unknown_status(book, admin_user):
    appointment = book("10:00", "11:00").appointment

    with pytest.raises(AppointmentInvalid, match="not an appointment status"):
        appointment_status_set(appointment=appointment, status="postponed", acting_user=admin_user)

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED
