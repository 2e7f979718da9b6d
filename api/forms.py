from datetime import datetime, timedelta

from django import forms
from django.utils import timezone

from api.scopes import Scope

EXPIRY_CHOICES = [("30", "In 30 days"), ("90", "In 90 days"), ("365", "In a year"), ("", "Never")]


class PersonalAccessTokenForm(forms.Form):
    name = forms.CharField(
        max_length=100, help_text="What the token is for, so you know which to revoke."
    )
    scopes = forms.MultipleChoiceField(
        # The scope's name too: a developer reads it in the API's docs and its 403 answers.
        choices=[(scope, f"{label} ({scope})") for scope, label in Scope.choices],
        widget=forms.CheckboxSelectMultiple,
        initial=[Scope.CLIENTS_READ],
        help_text="Give a script only what it needs.",
    )
    expires_in = forms.ChoiceField(
        label="Expires", choices=EXPIRY_CHOICES, initial="90", required=False
    )

    def expires_at(self) -> datetime | None:
        days = self.cleaned_data["expires_in"]
        return timezone.now() + timedelta(days=int(days)) if days else None
