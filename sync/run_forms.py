"""The forms of the sync run screens: start a refresh of a connection, set its schedule."""

from django import forms


class RefreshForm(forms.Form):
    """Refresh posts no `dry_run`; Preview is the button that posts `dry_run`."""

    overwrite = forms.BooleanField(required=False)
    dry_run = forms.BooleanField(required=False)


class ScheduleForm(forms.Form):
    enabled = forms.BooleanField(required=False, label="Refresh automatically")
    every_minutes = forms.IntegerField(
        label="Refresh every (minutes)",
        error_messages={
            "required": "Refresh every: enter a number of minutes.",
            "invalid": "Refresh every: enter a whole number of minutes.",
        },
    )
