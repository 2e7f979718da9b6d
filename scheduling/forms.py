from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from accounts.models import Firm
from scheduling.calendar import CalendarView
from scheduling.exceptions import SchedulingError
from scheduling.models import Appointment, AppointmentStatus
from scheduling.selectors import staff_list

DURATION_CHOICES = [
    (15, "15 minutes"),
    (30, "30 minutes"),
    (45, "45 minutes"),
    (60, "1 hour"),
    (90, "1½ hours"),
    (120, "2 hours"),
    (180, "3 hours"),
]

# The services speak of datetimes; the form asks for a date and times.
SERVICE_FIELD_TO_FORM_FIELD = {"starts_at": "start_time", "ends_at": "end_time", "client": None}


class AppointmentForm(forms.Form):
    """A date with start and end times, read in the firm's time zone (settings.TIME_ZONE)."""

    staff = forms.ModelChoiceField(queryset=None, label="Staff member")
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    start_time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time"}))
    end_time = forms.TimeField(required=False, widget=forms.TimeInput(attrs={"type": "time"}))
    duration = forms.TypedChoiceField(
        label="Or duration",
        choices=DURATION_CHOICES,
        coerce=int,
        initial=60,
        required=False,
    )
    location = forms.CharField(max_length=200, required=False)
    notes = forms.CharField(widget=forms.Textarea(attrs={"rows": 1}), required=False)

    def __init__(self, *args, firm: Firm, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_list(firm=firm)

    @classmethod
    def for_appointment(cls, appointment: Appointment, *, firm: Firm, data=None):
        starts_at = timezone.localtime(appointment.starts_at)
        ends_at = timezone.localtime(appointment.ends_at)
        initial = {
            "staff": appointment.staff_id,
            "date": starts_at.date(),
            "start_time": starts_at.time(),
            "end_time": ends_at.time() if ends_at.date() == starts_at.date() else None,
            "duration": None,
            "location": appointment.location,
            "notes": appointment.notes,
        }
        return cls(data, firm=firm, initial=initial)

    def clean(self):
        cleaned = super().clean()
        day, start_time = cleaned.get("date"), cleaned.get("start_time")
        if day is None or start_time is None:
            return cleaned
        starts_at = timezone.make_aware(datetime.combine(day, start_time))
        if cleaned.get("end_time") is not None:
            ends_at = timezone.make_aware(datetime.combine(day, cleaned["end_time"]))
        elif cleaned.get("duration"):
            ends_at = starts_at + timedelta(minutes=cleaned["duration"])
        else:
            self.add_error("end_time", "Give an end time or choose a duration.")
            return cleaned
        cleaned["starts_at"], cleaned["ends_at"] = starts_at, ends_at
        return cleaned

    def appointment_fields(self) -> dict:
        """The validated input as the scheduling services take it."""
        names = ("staff", "starts_at", "ends_at", "location", "notes")
        return {name: self.cleaned_data[name] for name in names}

    def add_service_error(self, error: SchedulingError) -> None:
        self.add_error(SERVICE_FIELD_TO_FORM_FIELD.get(error.field, error.field), error.message)


# The status buttons on an appointment, in the order a person most often needs them.
STATUS_ACTIONS = [
    (AppointmentStatus.COMPLETED, "Mark completed"),
    (AppointmentStatus.NO_SHOW, "Mark no-show"),
    (AppointmentStatus.CANCELLED, "Cancel"),
    (AppointmentStatus.BOOKED, "Reinstate"),
]


class AppointmentStatusForm(forms.Form):
    status = forms.ChoiceField(choices=AppointmentStatus.choices)


class CalendarForm(forms.Form):
    view = forms.ChoiceField(choices=CalendarView.choices, required=False)
    date = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    staff = forms.ModelChoiceField(
        queryset=None, label="Staff member", required=False, empty_label="Everyone"
    )

    def __init__(self, *args, firm: Firm, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["staff"].queryset = staff_list(firm=firm)
