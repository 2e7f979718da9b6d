"""A staff member books an appointment from a client's Appointments tab and finds it again."""

import re
from datetime import timedelta

from django.utils import timezone
from playwright.sync_api import expect

from clients.tests.factories import CompanyFactory
from scheduling.models import Appointment, AppointmentStatus

TIME_RANGE = "10:00\N{EN DASH}11:30"


def test_book_an_appointment_and_find_it_in_the_history_and_the_calendar(
    page, log_in, firm, staff_user
):
    acme = CompanyFactory(firm=firm, display_name="Acme Ltd")
    tomorrow = timezone.localdate() + timedelta(days=1)
    log_in(staff_user)

    page.goto(f"/clients/{acme.pk}/edit/")
    page.get_by_role("tab", name="Appointments").click()
    expect(page.get_by_role("tab", name="Appointments")).to_have_attribute("aria-selected", "true")
    page.get_by_label("Staff member").select_option(label="Sam Staff")
    page.get_by_label("Date").fill(tomorrow.isoformat())
    page.get_by_label("Start time").fill("10:00")
    page.get_by_label("End time").fill("11:30")
    page.get_by_label("Location").fill("Level 2 meeting room")
    page.get_by_role("button", name="Book appointment").click()

    expect(page.get_by_role("status")).to_contain_text("Booked Acme Ltd with Sam Staff")
    upcoming = page.get_by_role("table", name="Upcoming appointments")
    booked_row = upcoming.get_by_role("row").filter(has_text=TIME_RANGE)
    expect(booked_row).to_contain_text("Sam Staff")
    expect(booked_row).to_contain_text("Level 2 meeting room")
    expect(booked_row).to_contain_text("Booked")

    booked_row.get_by_role("button", name="Cancel").click()
    history = page.locator("#appointment-history")
    expect(history.get_by_role("status")).to_contain_text("is now cancelled")
    expect(upcoming.get_by_role("row").filter(has_text=TIME_RANGE)).to_contain_text("Cancelled")
    assert Appointment.objects.get().status == AppointmentStatus.CANCELLED
    upcoming.get_by_role("button", name="Reinstate").click()
    expect(history.get_by_role("status")).to_contain_text("is now booked")

    page.get_by_role("link", name="Schedule").click()
    page.get_by_role("button", name="Day", exact=True).click()
    page.get_by_role("button", name="Next day").click()
    expect(page).to_have_url(re.compile(rf"view=day&date={tomorrow.isoformat()}"))
    sam_row = page.get_by_role("table", name="Appointments by staff member").get_by_role(
        "row", name=re.compile("^Sam Staff")
    )
    expect(sam_row).to_contain_text(TIME_RANGE)
    expect(sam_row).to_contain_text("Acme Ltd")
    expect(sam_row).not_to_contain_text("Double-booked")
