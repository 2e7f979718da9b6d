from django import forms

from integrations.models import Connection


class AccountSelectForm(forms.Form):
    connection = forms.ModelChoiceField(
        queryset=Connection.objects.none(),
        widget=forms.RadioSelect,
        empty_label=None,
        label="Select an account",
        error_messages={"required": "Select an account to sync clients from."},
    )

    def __init__(self, *args, connections, suppliers: dict[int, str], **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["connection"]
        field.queryset = connections
        field.label_from_instance = lambda connection: (
            f"{suppliers.get(connection.pk, connection.provider_name)}: "
            f"{connection.external_account_name}"
        )


class SyncSelectedForm(forms.Form):
    external_id = forms.MultipleChoiceField(
        error_messages={
            "required": "Tick at least one client to sync.",
            "invalid_choice": "A ticked client (%(value)s) is no longer in this account: "
            "search again and tick the clients shown.",
        }
    )
    overwrite = forms.BooleanField(required=False, label="Overwrite previously synced clients")

    def __init__(self, *args, external_ids, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the account's clients can be ticked; the choices are checked, never listed.
        self.fields["external_id"].valid_value = lambda value: value in external_ids
