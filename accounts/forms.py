"""The shapes of the accounts pages' input; the rules live in `accounts.services`."""

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import AuthenticationForm

from accounts.audit import target_type_label
from accounts.models import Firm, Role, User
from accounts.selectors import AuditFilters, audit_action_list, audit_target_type_list


class _PlainLabels:
    """Labels without Django's trailing colon: "Email", not "Email:"."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)


class EmailAuthenticationForm(_PlainLabels, AuthenticationForm):
    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": (
            "That email and password do not match an active account. Check both and try again."
        ),
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email"
        self.fields["username"].widget.input_type = "email"
        self.fields["username"].widget.attrs["autocomplete"] = "email"


class UserAddForm(_PlainLabels, forms.Form):
    email = forms.EmailField(label="Email")
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.STAFF)
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="Tell them this password; they sign in with it and their email.",
    )


class InvitationCreateForm(_PlainLabels, forms.Form):
    email = forms.EmailField(label="Email")
    role = forms.ChoiceField(label="Role", choices=Role.choices, initial=Role.STAFF)


class RoleForm(_PlainLabels, forms.Form):
    role = forms.ChoiceField(label="Role", choices=Role.choices)


class InvitationAcceptForm(_PlainLabels, forms.Form):
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validation.password_validators_help_text_html(),
    )
    password_confirm = forms.CharField(
        label="Password again",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self):
        cleaned = super().clean()
        password, again = cleaned.get("password"), cleaned.get("password_confirm")
        if password and again and password != again:
            self.add_error("password_confirm", "The two passwords are not the same.")
        return cleaned


class AuditFilterForm(_PlainLabels, forms.Form):
    person = forms.ModelChoiceField(
        label="Person", queryset=User.objects.none(), required=False, empty_label="Anyone"
    )
    action = forms.ChoiceField(label="Action", required=False)
    record_type = forms.ChoiceField(label="Record type", required=False)

    def __init__(self, *args, firm: Firm, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["person"].queryset = User.objects.filter(membership__firm=firm)
        self.fields["action"].choices = [
            ("", "Any action"),
            *((action, action) for action in audit_action_list(firm=firm)),
        ]
        self.fields["record_type"].choices = [
            ("", "Any record"),
            *((kind, target_type_label(kind)) for kind in audit_target_type_list(firm=firm)),
        ]

    def filters(self) -> AuditFilters:
        """The chosen filters, in the terms of `accounts.selectors.audit_event_list`."""
        return AuditFilters(
            actor=self.cleaned_data["person"],
            action=self.cleaned_data["action"],
            target_type=self.cleaned_data["record_type"],
        )
