from django import forms

from integrations.oauth import ExternalAccount


class AccountChoiceForm(forms.Form):
    account = forms.ChoiceField(label="Account", widget=forms.RadioSelect)

    def __init__(self, *args, accounts: list[ExternalAccount], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["account"].choices = [(account.id, account.name) for account in accounts]
        self.fields["account"].error_messages["required"] = "Choose the account to connect."
