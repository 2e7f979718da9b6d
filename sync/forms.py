from django import forms


class SuggestionsField(forms.Field):
    """Suggestions posted as "<client id>:<external id>", cleaned to (int, str) pairs."""

    widget = forms.MultipleHiddenInput

    def to_python(self, value) -> list[tuple[int, str]]:
        values = [value] if isinstance(value, str) else list(value or [])
        pairs = []
        for posted in filter(None, values):
            client_id, _, external_id = posted.partition(":")
            if not client_id.isdigit() or not external_id:
                raise forms.ValidationError(
                    f"“{posted}” is not a suggestion: expected a client id and a record id."
                )
            pairs.append((int(client_id), external_id))
        return list(dict.fromkeys(pairs))


class SuggestionsAcceptForm(forms.Form):
    """A row's Link button posts `one`; Link selected posts every ticked `suggestion`. A row's
    button wins, since htmx sends the ticked boxes of the surrounding form along with it."""

    one = SuggestionsField(required=False, widget=forms.HiddenInput)
    suggestion = SuggestionsField(required=False)

    def clean(self):
        accepted = self.cleaned_data.get("one") or self.cleaned_data.get("suggestion")
        if not self.errors and not accepted:
            raise forms.ValidationError("Tick the suggestions to link first.")
        self.cleaned_data["accepted"] = accepted or []
        return self.cleaned_data
