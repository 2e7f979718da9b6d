from datetime import datetime

from django.db.models import BooleanField, Case, Exists, OuterRef, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Firm, User
from clients.models import Client
from scheduling.models import Appointment, AppointmentStatus


def appointment_get(*, firm: Firm, pk: int) -> Appointment:
    """The firm's appointment, or 404: another firm's is indistinguishable from none."""
    return get_object_or_404(
        Appointment.objects.select_related("client", "staff"), firm=firm, pk=pk
    )


def appointment_clashes(
    *,
    firm: Firm,
    staff: User,
    starts_at: datetime,
    ends_at: datetime,
    exclude: Appointment | None = None,
) -> QuerySet[Appointment]:
    """`staff`'s booked appointments overlapping [starts_at, ends_at).

    Appointments that only touch (one ends as the other starts) do not clash.
    """
    clashes = Appointment.objects.filter(
        firm=firm,
        staff=staff,
        status=AppointmentStatus.BOOKED,
        starts_at__lt=ends_at,
        ends_at__gt=starts_at,
    )
    if exclude is not None:
        clashes = clashes.exclude(pk=exclude.pk)
    return clashes.select_related("client", "staff").order_by("starts_at", "pk")


def client_appointments(*, client: Client) -> QuerySet[Appointment]:
    """The client's schedule history: upcoming soonest first, then past most recent first.

    Each appointment carries `is_upcoming` (it has not ended yet).
    """
    upcoming = Q(ends_at__gt=timezone.now())
    return (
        Appointment.objects.filter(firm_id=client.firm_id, client=client)
        .select_related("staff")
        .annotate(
            is_upcoming=Case(When(upcoming, then=Value(True)), default=Value(False)),
            upcoming_starts_at=Case(When(upcoming, then="starts_at")),
        )
        .order_by("-is_upcoming", "upcoming_starts_at", "-starts_at", "pk")
    )


def staff_schedule(
    *, firm: Firm, start: datetime, end: datetime, staff: User | None = None
) -> QuerySet[Appointment]:
    """The firm's appointments overlapping [start, end), optionally one staff member's.

    Each carries `is_double_booked`: it is booked and so is an overlapping appointment of the
    same staff member.
    """
    overlapping_booked = Appointment.objects.filter(
        firm=firm,
        staff=OuterRef("staff"),
        status=AppointmentStatus.BOOKED,
        starts_at__lt=OuterRef("ends_at"),
        ends_at__gt=OuterRef("starts_at"),
    ).exclude(pk=OuterRef("pk"))
    appointments = Appointment.objects.filter(firm=firm, starts_at__lt=end, ends_at__gt=start)
    if staff is not None:
        appointments = appointments.filter(staff=staff)
    return (
        appointments.select_related("client", "staff")
        .annotate(
            is_double_booked=Case(
                When(Q(status=AppointmentStatus.BOOKED) & Exists(overlapping_booked), then=True),
                default=False,
                output_field=BooleanField(),
            )
        )
        .order_by("starts_at", "pk")
    )


def staff_list(*, firm: Firm) -> QuerySet[User]:
    """The firm's active members: the people appointments can be booked with."""
    return User.objects.filter(membership__firm=firm, is_active=True).order_by(
        "first_name", "last_name", "email"
    )
