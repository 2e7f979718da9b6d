from datetime import date, datetime, time, timedelta

import factory
from django.utils import timezone

from accounts.models import Role
from accounts.tests.factories import MembershipFactory
from clients.tests.factories import CompanyFactory
from scheduling.models import Appointment

DAY = date(2030, 3, 4)  # a Monday, in New Zealand daylight time (UTC+13)


def at(hh_mm: str, day: date = DAY) -> datetime:
    """The time `hh_mm` on `day` in the firm's time zone (settings.TIME_ZONE)."""
    return timezone.make_aware(datetime.combine(day, time.fromisoformat(hh_mm)))


class AppointmentFactory(factory.django.DjangoModelFactory):
    """A booked hour tomorrow for a client of the firm with one of its staff members."""

    class Meta:
        model = Appointment

    client = factory.SubFactory(CompanyFactory)
    firm = factory.SelfAttribute("client.firm")
    staff = factory.LazyAttribute(lambda o: MembershipFactory(firm=o.firm, role=Role.STAFF).user)
    starts_at = factory.LazyFunction(
        lambda: (timezone.now() + timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    )
    ends_at = factory.LazyAttribute(lambda o: o.starts_at + timedelta(hours=1))
