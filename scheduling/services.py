from dataclasses import dataclass
from datetime import datetime

from django.db import transaction

from accounts.audit import audit_record, field_changes
from accounts.models import Firm, Membership, User
from clients.models import Client
from scheduling.exceptions import AppointmentInvalid
from scheduling.models import Appointment, AppointmentStatus
from scheduling.selectors import appointment_clashes

EDITABLE_FIELDS = ("staff", "starts_at", "ends_at", "location", "notes")


@dataclass(frozen=True)
class Booking:
    """A saved appointment and the staff member's booked appointments it overlaps.

    Double-booking is allowed (a quick call during a long meeting is real life); the clashes
    are there so the person booking is told.
    """

    appointment: Appointment
    clashes: list[Appointment]


@transaction.atomic
def appointment_book(
    *,
    firm: Firm,
    client: Client,
    staff: User,
    starts_at: datetime,
    ends_at: datetime,
    location: str = "",
    notes: str = "",
    acting_user: User,
) -> Booking:
    if client.firm_id != firm.pk:
        raise AppointmentInvalid("The client does not belong to this firm.", field="client")
    if client.is_archived:
        raise AppointmentInvalid(
            f"{client} is archived; restore the client before booking an appointment.",
            field="client",
        )
    _validate_slot(firm=firm, staff=staff, starts_at=starts_at, ends_at=ends_at)

    appointment = Appointment(
        firm=firm,
        client=client,
        staff=staff,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        notes=notes,
        created_by=acting_user,
    )
    appointment.full_clean()
    appointment.save()
    audit_record(
        firm=firm,
        actor=acting_user,
        action="appointment.book",
        target=appointment,
        changes=field_changes({}, _snapshot(appointment)),
    )
    return _booking(appointment)


@transaction.atomic
def appointment_update(
    *,
    appointment: Appointment,
    staff: User,
    starts_at: datetime,
    ends_at: datetime,
    location: str = "",
    notes: str = "",
    acting_user: User,
) -> Booking:
    """Reschedule or amend an appointment; its client and status stay as they are."""
    firm = appointment.firm
    _validate_slot(firm=firm, staff=staff, starts_at=starts_at, ends_at=ends_at)

    before = _snapshot(appointment)
    appointment.staff = staff
    appointment.starts_at = starts_at
    appointment.ends_at = ends_at
    appointment.location = location
    appointment.notes = notes
    changes = field_changes(before, _snapshot(appointment))
    if changes:
        appointment.full_clean()
        appointment.save()
        audit_record(
            firm=firm,
            actor=acting_user,
            action="appointment.update",
            target=appointment,
            changes=changes,
        )
    return _booking(appointment)


@transaction.atomic
def appointment_status_set(
    *, appointment: Appointment, status: str, acting_user: User
) -> Appointment:
    if status not in AppointmentStatus.values:
        raise AppointmentInvalid(f"“{status}” is not an appointment status.", field="status")
    if appointment.status == status:
        return appointment

    before = appointment.status
    appointment.status = status
    appointment.full_clean()
    appointment.save(update_fields=["status", "updated_at"])
    audit_record(
        firm=appointment.firm,
        actor=acting_user,
        action="appointment.status",
        target=appointment,
        changes={"status": [before, status]},
    )
    return appointment


def _validate_slot(*, firm: Firm, staff: User, starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise AppointmentInvalid("The appointment must end after it starts.", field="ends_at")
    is_member = Membership.objects.filter(user=staff, firm=firm, user__is_active=True).exists()
    if not is_member:
        raise AppointmentInvalid(
            f"{staff} is not a staff member of {firm}; choose someone from the firm.",
            field="staff",
        )


def _snapshot(appointment: Appointment) -> dict:
    return {name: getattr(appointment, name) for name in EDITABLE_FIELDS}


def _booking(appointment: Appointment) -> Booking:
    if appointment.status != AppointmentStatus.BOOKED:
        return Booking(appointment=appointment, clashes=[])
    clashes = appointment_clashes(
        firm=appointment.firm,
        staff=appointment.staff,
        starts_at=appointment.starts_at,
        ends_at=appointment.ends_at,
        exclude=appointment,
    )
    return Booking(appointment=appointment, clashes=list(clashes))
