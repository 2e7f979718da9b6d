from urllib.parse import urlencode

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.decorators import firm_member_required
from clients.models import Client
from clients.selectors import client_get
from scheduling.calendar import CalendarPeriod, CalendarView, calendar_rows
from scheduling.exceptions import SchedulingError
from scheduling.forms import (
    STATUS_ACTIONS,
    AppointmentForm,
    AppointmentStatusForm,
    CalendarForm,
)
from scheduling.models import Appointment
from scheduling.selectors import (
    appointment_get,
    client_appointments,
    staff_list,
    staff_schedule,
)
from scheduling.services import (
    Booking,
    appointment_book,
    appointment_status_set,
    appointment_update,
)


@firm_member_required
@require_http_methods(["GET", "POST"])
def appointments_tab(request: HttpRequest, client_pk: int) -> HttpResponse:
    client = client_get(firm=request.firm, pk=client_pk)
    form = AppointmentForm(request.POST or None, firm=request.firm)
    if request.method == "POST" and form.is_valid():
        try:
            booking = appointment_book(
                firm=request.firm,
                client=client,
                acting_user=request.user,
                **form.appointment_fields(),
            )
        except SchedulingError as error:
            form.add_service_error(error)
        else:
            _report_booking(request, booking, verb="Booked")
            return redirect("scheduling:client_appointments", client.pk)
    return render(
        request,
        "scheduling/client_appointments.html",
        {"client": client, "active_tab": "appointments", "form": form, **_history(client)},
    )


@firm_member_required
@require_http_methods(["GET", "POST"])
def appointment_edit(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_get(firm=request.firm, pk=pk)
    form = AppointmentForm.for_appointment(
        appointment, firm=request.firm, data=request.POST or None
    )
    if request.method == "POST" and form.is_valid():
        try:
            booking = appointment_update(
                appointment=appointment, acting_user=request.user, **form.appointment_fields()
            )
        except SchedulingError as error:
            form.add_service_error(error)
        else:
            _report_booking(request, booking, verb="Saved")
            return redirect("scheduling:client_appointments", appointment.client_id)
    return render(
        request,
        "scheduling/appointment_edit.html",
        {
            "client": appointment.client,
            "active_tab": "appointments",
            "appointment": appointment,
            "form": form,
        },
    )


@firm_member_required
@require_POST
def appointment_status(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = appointment_get(firm=request.firm, pk=pk)
    form = AppointmentStatusForm(request.POST)
    notice = error = ""
    if form.is_valid():
        try:
            appointment_status_set(
                appointment=appointment,
                status=form.cleaned_data["status"],
                acting_user=request.user,
            )
        except SchedulingError as refused:
            error = refused.message
        else:
            notice = f"{_describe(appointment)} is now {appointment.get_status_display().lower()}."
    else:
        error = "Choose one of the appointment statuses."

    if request.htmx:
        context = {"client": appointment.client, "notice": notice, "error": error}
        return render(
            request,
            "scheduling/_appointment_history.html",
            context | _history(appointment.client),
        )
    if error:
        messages.error(request, error)
    else:
        messages.success(request, notice)
    return redirect("scheduling:client_appointments", appointment.client_id)


@firm_member_required
@require_GET
def calendar(request: HttpRequest) -> HttpResponse:
    today = timezone.localdate()
    form = CalendarForm(request.GET or None, firm=request.firm, initial={"date": today})
    filters = form.cleaned_data if form.is_valid() else {}
    view = CalendarView(filters.get("view") or CalendarView.WEEK)
    period = CalendarPeriod.containing(view, filters.get("date") or today)
    staff = filters.get("staff")

    appointments = staff_schedule(
        firm=request.firm, start=period.starts_at, end=period.ends_at, staff=staff
    )
    staff_members = [staff] if staff else staff_list(firm=request.firm)

    # A week that holds today opens on today's day, as a person switching to Day expects.
    day_shown = today if today in period.days else period.first

    def calendar_url(view=view, day=period.first) -> str:
        query = {"view": view, "date": day.isoformat()}
        if staff:
            query["staff"] = staff.pk
        return f"{reverse('scheduling:calendar')}?{urlencode(query)}"

    return render(
        request,
        "scheduling/calendar.html",
        {
            "nav": "schedule",
            "form": form,
            "period": period,
            "today": today,
            "rows": calendar_rows(
                period=period, staff_members=staff_members, appointments=appointments
            ),
            "links": {
                "previous": calendar_url(day=period.previous),
                "next": calendar_url(day=period.next),
                "today": calendar_url(day=today),
                "day": calendar_url(view=CalendarView.DAY, day=day_shown),
                "week": calendar_url(view=CalendarView.WEEK),
            },
            "day_links": [
                (day, calendar_url(view=CalendarView.DAY, day=day)) for day in period.days
            ],
        },
    )


def _history(client: Client) -> dict:
    appointments = list(client_appointments(client=client))
    return {
        "upcoming": [appointment for appointment in appointments if appointment.is_upcoming],
        "past": [appointment for appointment in appointments if not appointment.is_upcoming],
        "status_actions": STATUS_ACTIONS,
    }


def _report_booking(request: HttpRequest, booking: Booking, *, verb: str) -> None:
    messages.success(request, f"{verb} {_describe(booking.appointment)}.")
    for clash in booking.clashes:
        messages.warning(
            request,
            f"{clash.staff} is already booked {_time_range(clash)} with {clash.client}.",
        )


def _describe(appointment: Appointment) -> str:
    starts_at = timezone.localtime(appointment.starts_at)
    return (
        f"{appointment.client} with {appointment.staff} on "
        f"{starts_at:%a} {starts_at.day} {starts_at:%b}, {_time_range(appointment)}"
    )


def _time_range(appointment: Appointment) -> str:
    starts_at = timezone.localtime(appointment.starts_at)
    ends_at = timezone.localtime(appointment.ends_at)
    if ends_at.date() == starts_at.date():
        return f"{starts_at:%H:%M}-{ends_at:%H:%M}"
    return f"{starts_at:%a %d %b %H:%M}-{ends_at:%a %d %b %H:%M}"
