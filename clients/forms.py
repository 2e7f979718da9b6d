"""Input for the Clients pages. The rules themselves live in `clients.validation`."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from clients.models import ADDRESS_PARTS, Client, ClientKind, RelationshipRole
from clients.selectors import CLIENT_SORTS
from clients.services import MERGE_FIELDS
from clients.validation import (
    INDIVIDUAL_FIELDS,
    client_fields_clean,
    client_name_require,
    field_label,
)

PHYSICAL_FIELDS = tuple(f"physical_{part}" for part in ADDRESS_PARTS)
POSTAL_FIELDS = tuple(f"postal_{part}" for part in ADDRESS_PARTS)

# (key, legend, fields) in the order the form shows them; fields a kind lacks are left out.
FIELDSETS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "name",
        "Name",
        (
            "first_name",
            "middle_name",
            "last_name",
            "preferred_name",
            "display_name",
            "date_of_birth",
            "code",
        ),
    ),
    ("contact", "Contact details", ("email", "phone", "mobile", "website")),
    ("physical", "Physical address", PHYSICAL_FIELDS),
    ("postal", "Postal address", POSTAL_FIELDS),
    ("tax", "Tax and registration", ("tax_number", "company_number")),
    ("notes", "Notes", ("notes",)),
)

ADDRESS_LABELS = {
    "line1": "Address line 1",
    "line2": "Address line 2",
    "city": "Town or city",
    "region": "Region or state",
    "post_code": "Post code",
    "country": "Country",
}

WIDGETS = {
    "email": forms.EmailInput(attrs={"autocomplete": "off"}),
    "phone": forms.TextInput(attrs={"type": "tel"}),
    "mobile": forms.TextInput(attrs={"type": "tel"}),
    "website": forms.TextInput(attrs={"inputmode": "url", "placeholder": "example.co.nz"}),
    "date_of_birth": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    "notes": forms.Textarea(attrs={"rows": 4}),
}


class ClientForm(forms.Form):
    """A client's details. The fields depend on the kind: only individuals have personal names
    and a date of birth. Every field is optional here; `clients.validation` says what a client
    needs, with the same messages the services give."""

    postal_same_as_physical = forms.BooleanField(label="Same as physical address", required=False)

    def __init__(self, *args: Any, kind: str, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.kind = kind
        individual = kind == ClientKind.INDIVIDUAL
        model_fields = forms.fields_for_model(
            Client,
            fields=self.client_field_names(),
            widgets=WIDGETS,
            field_classes={"email": forms.CharField, "website": forms.CharField},
            labels={
                **{
                    f"{prefix}_{part}": label
                    for part, label in ADDRESS_LABELS.items()
                    for prefix in ("physical", "postal")
                },
                "display_name": "Display name" if individual else "Name",
            },
            help_texts={
                "display_name": "Leave blank to make it from the names above." if individual else ""
            },
        )
        for field in model_fields.values():
            field.required = False
        self.fields.update(model_fields)
        if not self.is_bound and "postal_same_as_physical" not in self.initial:
            self.initial["postal_same_as_physical"] = all(
                self.initial.get(postal, "") == self.initial.get(physical, "")
                for physical, postal in zip(PHYSICAL_FIELDS, POSTAL_FIELDS, strict=True)
            )

    def client_field_names(self) -> list[str]:
        names = [name for _key, _legend, names in FIELDSETS for name in names]
        if self.kind == ClientKind.INDIVIDUAL:
            return names
        return [name for name in names if name not in INDIVIDUAL_FIELDS]

    def fieldsets(self) -> list[tuple[str, str, list[forms.BoundField]]]:
        shown = set(self.fields)
        return [
            (key, legend, [self[name] for name in names if name in shown])
            for key, legend, names in FIELDSETS
            if any(name in shown for name in names)
        ]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("postal_same_as_physical"):
            for physical, postal in zip(PHYSICAL_FIELDS, POSTAL_FIELDS, strict=True):
                cleaned[postal] = cleaned.get(physical, "")
        values = {name: cleaned.get(name) for name in self.client_field_names()}
        try:
            values = client_fields_clean(kind=self.kind, fields=values)
            client_name_require(kind=self.kind, values=values)
        except ValidationError as error:
            self.add_error(None, error)
            return cleaned
        return {**cleaned, **values}

    @property
    def client_values(self) -> dict[str, Any]:
        """The cleaned client fields, ready for `client_create` or `client_update`."""
        return {name: self.cleaned_data[name] for name in self.client_field_names()}


class ClientListForm(forms.Form):
    """The search, filters, sort and page of the Clients and Contacts lists (a GET form).

    Bad values fall back to the defaults rather than showing an error: these come from links.
    """

    STATUS_ARCHIVED = {"active": False, "archived": True, "all": None}
    CONNECTED = {"connected": True, "not_connected": False}

    q = forms.CharField(label="Search", required=False, max_length=100)
    kind = forms.ChoiceField(
        label="Kind", required=False, choices=[("", "All kinds"), *ClientKind.choices]
    )
    status = forms.ChoiceField(
        label="Status",
        required=False,
        choices=[("active", "Active"), ("archived", "Archived"), ("all", "All")],
    )
    sort = forms.ChoiceField(
        required=False,
        choices=[(key, key) for name in CLIENT_SORTS for key in (name, f"-{name}")],
    )
    connection = forms.ChoiceField(
        label="Practice Management",
        required=False,
        choices=[
            ("", "Connected or not"),
            ("connected", "Connected"),
            ("not_connected", "Not connected"),
        ],
    )

    def filters(self) -> dict[str, Any]:
        """Keyword arguments for `client_list`."""
        self.is_valid()
        data = self.cleaned_data
        return {
            "search": data.get("q") or "",
            "kind": data.get("kind") or None,
            "archived": self.STATUS_ARCHIVED[data.get("status") or "active"],
            "sort": data.get("sort") or "name",
            "connected": self.CONNECTED.get(data.get("connection") or ""),
        }


class RelationshipForm(forms.Form):
    """Adds a relationship from one client's page: `other` is the individual when the page is
    an entity's, the entity when it is an individual's."""

    other = forms.ModelChoiceField(
        queryset=Client.objects.none(),
        error_messages={
            "required": "Choose one of the search results.",
            "invalid_choice": "Choose one of the search results.",
        },
    )
    role = forms.ChoiceField(label="Role", choices=RelationshipRole.choices)

    def __init__(self, *args: Any, candidates: QuerySet[Client], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.fields["other"].queryset = candidates


class ContactMergeForm(forms.Form):
    """Which contact survives a merge and, for each field the contacts disagree on, whose
    value it keeps. Each choice defaults to the first contact's value, or the first non-empty
    one when that is empty."""

    def __init__(self, *args: Any, contacts: list[Client], **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.contacts = contacts
        choices = [(str(contact.pk), contact.display_name) for contact in contacts]
        self.fields["survivor"] = forms.ChoiceField(
            label="Record to keep",
            choices=choices,
            initial=choices[0][0],
            widget=forms.RadioSelect,
        )
        self.differing_fields = [
            name
            for name in MERGE_FIELDS
            if len({getattr(contact, name) for contact in contacts}) > 1
        ]
        for name in self.differing_fields:
            holder = next((c for c in contacts if getattr(c, name)), contacts[0])
            self.fields[name] = forms.ChoiceField(
                label=field_label(name),
                choices=choices,
                initial=str(holder.pk),
                widget=forms.RadioSelect,
            )

    def rows(self) -> list[tuple[forms.BoundField, list[tuple[Client, Any, bool]]]]:
        """Per differing field: its bound field and, per contact, the value and whether it
        is the one chosen."""
        return [
            (
                self[name],
                [
                    (contact, getattr(contact, name), str(self[name].value()) == str(contact.pk))
                    for contact in self.contacts
                ],
            )
            for name in self.differing_fields
        ]

    def survivor_choices(self) -> list[tuple[Client, bool]]:
        chosen = str(self["survivor"].value())
        return [(contact, str(contact.pk) == chosen) for contact in self.contacts]

    def merge_arguments(self) -> dict[str, Any]:
        """The survivor, the duplicates and the field choices, for `client_merge`."""
        by_pk = {str(contact.pk): contact for contact in self.contacts}
        survivor = by_pk[self.cleaned_data["survivor"]]
        return {
            "survivor": survivor,
            "duplicates": [contact for contact in self.contacts if contact is not survivor],
            "field_choices": {
                name: by_pk[self.cleaned_data[name]] for name in self.differing_fields
            },
        }
