from datetime import UTC, date, datetime, time

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains, assertRedirects

from clients.tests.factories import CompanyFactory
from scheduling.models import Appointment, AppointmentStatus
from scheduling.tests.factories import DAY, AppointmentFactory, at


@pytest.fixture
def acme(firm):
    return CompanyFactory(firm=firm, display_name="Acme Ltd")


@pytest.fixture
def tab_url(acme):
    return reverse("scheduling:client_appointments", args=[acme.pk])


def booking(staff, **overrides) -> dict:
    fields = {
        "staff": staff.pk,
        "date": DAY.isoformat(),
        "start_time": "10:00",
        "end_time": "11:00",
        "duration": "",
        "location": "Level 2 meeting room",
        "notes": "",
    }
    return fields | overrides


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_tab_shows_upcoming_and_past_appointments(as_staff, tab_url, acme, staff_user):
    AppointmentFactory(client=acme, staff=staff_user, starts_at=at("10:00"), ends_at=at("11:00"))
    AppointmentFactory(
        client=acme,
        staff=staff_user,
        starts_at=at("09:00", date(2020, 5, 1)),
        ends_at=at("10:00", date(2020, 5, 1)),
        status=AppointmentStatus.COMPLETED,
    )

    response = as_staff.get(tab_url)

    assert response.context["active_tab"] == "appointments"
    assert [a.starts_at for a in response.context["upcoming"]] == [at("10:00")]
    assert [a.status for a in response.context["past"]] == [AppointmentStatus.COMPLETED]
    assertContains(response, "Mon 4 Mar 2030, 10:00\N{EN DASH}11:00")
    assertContains(response, '<span class="badge status-completed">Completed</span>', html=True)
    assertContains(response, "Book appointment")


def test_staff_can_book_an_appointment_in_the_firms_time_zone(as_staff, tab_url, staff_user):
    response = as_staff.post(tab_url, booking(staff_user), follow=True)

    assertRedirects(response, tab_url)
    appointment = Appointment.objects.get()
    assert appointment.starts_at == datetime(2030, 3, 3, 21, 0, tzinfo=UTC)
    assert appointment.ends_at == datetime(2030, 3, 3, 22, 0, tzinfo=UTC)
    assert appointment.location == "Level 2 meeting room"
    assert messages_of(response) == ["Booked Acme Ltd with Sam Staff on Mon 4 Mar, 10:00-11:00."]


def test_without_an_end_time_the_duration_sets_the_end(as_staff, tab_url, staff_user):
    as_staff.post(tab_url, booking(staff_user, end_time="", duration="90"))

    assert Appointment.objects.get().ends_at == at("11:30")


def test_a_double_booking_is_saved_with_a_warning(as_staff, tab_url, firm, staff_user):
    other_client = CompanyFactory(firm=firm, display_name="Beta Trust")
    AppointmentFactory(
        client=other_client, staff=staff_user, starts_at=at("10:30"), ends_at=at("11:30")
    )

    response = as_staff.post(tab_url, booking(staff_user), follow=True)

    assert Appointment.objects.count() == 2
    assert "Sam Staff is already booked 10:30-11:30 with Beta Trust." in messages_of(response)


@pytest.mark.parametrize(
    ("overrides", "field", "error"),
    [
        ({"end_time": "09:00"}, "end_time", "The appointment must end after it starts."),
        ({"end_time": "", "duration": ""}, "end_time", "Give an end time or choose a duration."),
        ({"date": "4 March"}, "date", "Enter a valid date."),
        ({"staff": ""}, "staff", "This field is required."),
    ],
)
def test_bad_input_is_explained_next_to_its_field(
    as_staff, tab_url, staff_user, overrides, field, error
):
    response = as_staff.post(tab_url, booking(staff_user) | overrides)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert not Appointment.objects.exists()


def test_only_members_of_the_firm_can_be_booked(as_staff, tab_url, outsider):
    response = as_staff.post(tab_url, booking(outsider))

    assert "staff" in response.context["form"].errors
    assertNotContains(response, "Olivia Outsider")
    assert not Appointment.objects.exists()


def test_an_archived_client_cannot_be_booked(as_staff, tab_url, acme, staff_user):
    acme.archived_at = timezone.now()
    acme.save()

    response = as_staff.post(tab_url, booking(staff_user))

    assertContains(response, "Acme Ltd is archived; restore the client")
    assert not Appointment.objects.exists()


def test_a_status_change_with_htmx_returns_the_refreshed_history(as_staff, acme, staff_user):
    appointment = AppointmentFactory(
        client=acme, staff=staff_user, starts_at=at("10:00"), ends_at=at("11:00")
    )

    response = as_staff.post(
        reverse("scheduling:appointment_status", args=[appointment.pk]),
        {"status": AppointmentStatus.COMPLETED},
        headers={"HX-Request": "true"},
    )

    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.COMPLETED
    assert response.templates[0].name == "scheduling/_appointment_history.html"
    assertContains(response, "Acme Ltd with Sam Staff on Mon 4 Mar, 10:00-11:00 is now completed.")
    assertNotContains(response, "<html")


def test_a_status_change_without_javascript_redirects_to_the_tab(as_staff, tab_url, acme):
    appointment = AppointmentFactory(client=acme)

    response = as_staff.post(
        reverse("scheduling:appointment_status", args=[appointment.pk]),
        {"status": AppointmentStatus.NO_SHOW},
    )

    assertRedirects(response, tab_url, fetch_redirect_response=False)
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.NO_SHOW


def test_an_unknown_status_is_refused(as_staff, acme):
    appointment = AppointmentFactory(client=acme)

    response = as_staff.post(
        reverse("scheduling:appointment_status", args=[appointment.pk]),
        {"status": "postponed"},
        headers={"HX-Request": "true"},
    )

    assertContains(response, "Choose one of the appointment statuses.")
    appointment.refresh_from_db()
    assert appointment.status == AppointmentStatus.BOOKED


def test_the_edit_page_reschedules_an_appointment(as_staff, tab_url, acme, staff_user):
    appointment = AppointmentFactory(
        client=acme, staff=staff_user, starts_at=at("10:00"), ends_at=at("11:00")
    )
    url = reverse("scheduling:appointment_edit", args=[appointment.pk])

    form = as_staff.get(url).context["form"]
    assert (form["start_time"].value(), form["end_time"].value()) == (time(10), time(11))
    response = as_staff.post(url, booking(staff_user, start_time="13:00", end_time="14:15"))

    assertRedirects(response, tab_url, fetch_redirect_response=False)
    appointment.refresh_from_db()
    assert (appointment.starts_at, appointment.ends_at) == (at("13:00"), at("14:15"))


def test_the_week_calendar_shows_each_staff_members_appointments(
    as_staff, acme, staff_user, admin_user
):
    AppointmentFactory(client=acme, staff=staff_user, starts_at=at("10:00"), ends_at=at("11:00"))
    AppointmentFactory(
        client=acme,
        staff=admin_user,
        starts_at=at("09:00", date(2030, 3, 10)),
        ends_at=at("09:30", date(2030, 3, 10)),
    )

    response = as_staff.get(reverse("scheduling:calendar"), {"date": "2030-03-06"})

    rows = {row.staff: row.cells for row in response.context["rows"]}
    assert [len(cell) for cell in rows[staff_user]] == [1, 0, 0, 0, 0, 0, 0]
    assert [len(cell) for cell in rows[admin_user]] == [0, 0, 0, 0, 0, 0, 1]
    assertContains(response, "4 March \N{EN DASH} 10 March 2030")
    assertContains(response, "Acme Ltd")
    assertNotContains(response, "Double-booked")


def test_the_calendar_highlights_double_bookings(as_staff, acme, staff_user):
    for start, end in [("10:00", "11:00"), ("10:30", "11:30")]:
        AppointmentFactory(client=acme, staff=staff_user, starts_at=at(start), ends_at=at(end))

    response = as_staff.get(reverse("scheduling:calendar"), {"date": DAY.isoformat()})

    assertContains(response, "Double-booked", count=2)
    assertContains(response, "double-booked", count=2)


def test_the_day_calendar_links_to_the_days_around_it(as_staff, staff_user):
    url = reverse("scheduling:calendar")

    response = as_staff.get(url, {"view": "day", "date": "2030-03-04", "staff": staff_user.pk})

    assert response.context["period"].days == (DAY,)
    links = response.context["links"]
    assert links["previous"] == f"{url}?view=day&date=2030-03-03&staff={staff_user.pk}"
    assert links["next"] == f"{url}?view=day&date=2030-03-05&staff={staff_user.pk}"
    assert links["week"] == f"{url}?view=week&date=2030-03-04&staff={staff_user.pk}"
    assertContains(response, "Monday 4 March 2030")


def test_day_opens_on_today_from_this_week_and_on_its_first_day_from_another(as_staff):
    url = reverse("scheduling:calendar")
    today = timezone.localdate()

    this_week = as_staff.get(url).context["links"]["day"]
    other_week = as_staff.get(url, {"view": "week", "date": "2030-03-06"}).context["links"]["day"]

    assert this_week == f"{url}?view=day&date={today.isoformat()}"
    assert other_week == f"{url}?view=day&date=2030-03-04"


def test_the_calendar_filters_by_staff_member(as_staff, acme, staff_user, admin_user):
    AppointmentFactory(client=acme, staff=admin_user, starts_at=at("10:00"), ends_at=at("11:00"))

    response = as_staff.get(
        reverse("scheduling:calendar"), {"date": DAY.isoformat(), "staff": staff_user.pk}
    )

    assert [row.staff for row in response.context["rows"]] == [staff_user]
    assertNotContains(response, "Acme Ltd")


def test_the_calendar_opens_on_the_current_week(as_staff):
    response = as_staff.get(reverse("scheduling:calendar"))

    assert response.context["period"].view == "week"
    assert timezone.localdate() in response.context["period"].days


def test_the_calendar_never_shows_another_firms_schedule(as_outsider, acme, staff_user):
    AppointmentFactory(client=acme, staff=staff_user, starts_at=at("10:00"), ends_at=at("11:00"))

    response = as_outsider.get(
        reverse("scheduling:calendar"), {"date": DAY.isoformat(), "staff": staff_user.pk}
    )

    assertNotContains(response, "Acme Ltd")
    assertNotContains(response, "Sam Staff")


@pytest.mark.parametrize(
    ("method", "name", "target"),
    [
        ("get", "scheduling:client_appointments", "client"),
        ("post", "scheduling:client_appointments", "client"),
        ("get", "scheduling:appointment_edit", "appointment"),
        ("post", "scheduling:appointment_edit", "appointment"),
        ("post", "scheduling:appointment_status", "appointment"),
    ],
)
def test_another_firm_gets_404_for_every_appointment_url(
    as_outsider, outsider, acme, staff_user, method, name, target
):
    appointment = AppointmentFactory(client=acme, staff=staff_user)
    pk = acme.pk if target == "client" else appointment.pk

    response = getattr(as_outsider, method)(
        reverse(name, args=[pk]), booking(outsider) | {"status": "cancelled"}
    )

    assert response.status_code == 404
    appointment.refresh_from_db()
    assert (appointment.status, Appointment.objects.count()) == (AppointmentStatus.BOOKED, 1)
