"""The rules a client's field values follow, in one place for the forms and the services.

Services apply them to every write (the API, imports and the sync engine call services, not
forms); forms apply them too so a person sees each message next to the field. Every message
starts with the field's label, e.g. "Phone: '12ab' is not a valid phone number.", because an
import log or an API response shows it without the form around it.
"""

import datetime
from collections.abc import Callable, Mapping
from typing import Any

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, URLValidator
from django.db import models
from django.utils import timezone
from django.utils.text import capfirst

from clients.models import ADDRESS_PARTS, Client, ClientKind

INDIVIDUAL_FIELDS = ("first_name", "middle_name", "last_name", "preferred_name", "date_of_birth")

# The fields a person (or an import) may set; the rest are derived or kept by the services.
EDITABLE_FIELDS = (
    "display_name",
    *INDIVIDUAL_FIELDS,
    "code",
    "email",
    "phone",
    "mobile",
    "website",
    *(f"physical_{part}" for part in ADDRESS_PARTS),
    *(f"postal_{part}" for part in ADDRESS_PARTS),
    "tax_number",
    "company_number",
    "notes",
)


def field_label(name: str) -> str:
    return capfirst(Client._meta.get_field(name).verbose_name)


def kind_clean(kind: str) -> str:
    if kind not in ClientKind.values:
        allowed = ", ".join(label.lower() for label in ClientKind.labels)
        raise ValidationError({"kind": f"Kind: '{kind}' is not one of {allowed}."})
    return kind


def client_fields_clean(*, kind: str, fields: Mapping[str, Any]) -> dict[str, Any]:
    """The normalised values of `fields` for a client of `kind`.

    Raises ValidationError keyed by field with every bad value at once; an unknown field name
    is a programming error (TypeError), not bad input.
    """
    unknown = sorted(set(fields) - set(EDITABLE_FIELDS))
    if unknown:
        raise TypeError(f"Not editable client fields: {', '.join(unknown)}")
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    for name, value in fields.items():
        try:
            cleaned[name] = _value_clean(kind, name, value)
        except ValidationError as error:
            errors[name] = [f"{field_label(name)}: {message}" for message in error.messages]
    if errors:
        raise ValidationError(errors)
    return cleaned


def client_name_require(*, kind: str, values: Mapping[str, Any]) -> None:
    """Every client needs a name; an individual's may come from its first or last name."""
    if values.get("display_name"):
        return
    if kind != ClientKind.INDIVIDUAL:
        raise ValidationError({"display_name": "Name: enter the client's name."})
    if not (values.get("first_name") or values.get("last_name")):
        raise ValidationError({"first_name": "First name: enter a first name or a last name."})


def individual_display_name(
    *, first_name: str = "", middle_name: str = "", last_name: str = "", preferred_name: str = ""
) -> str:
    """An individual's display name when none is given: "First (Preferred) Middle Last".

    The preferred name is shown after the legal first name, and only when it differs from it,
    so that searching the list finds the person by either ("Robert (Bob) James Smith").
    """
    preferred = f"({preferred_name})" if preferred_name and preferred_name != first_name else ""
    return " ".join(part for part in (first_name, preferred, middle_name, last_name) if part)


def phone_display(number: str) -> str:
    """A stored E.164 number as people write it: national format for numbers of
    settings.PHONE_DEFAULT_REGION ("021 555 1234"), international for others."""
    if not number:
        return ""
    try:
        parsed = phonenumbers.parse(number, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return number
    home = phonenumbers.region_code_for_number(parsed) == settings.PHONE_DEFAULT_REGION
    style = (
        phonenumbers.PhoneNumberFormat.NATIONAL
        if home
        else phonenumbers.PhoneNumberFormat.INTERNATIONAL
    )
    return phonenumbers.format_number(parsed, style)


def _value_clean(kind: str, name: str, value: Any) -> Any:
    cleaner = _CLEANERS.get(name, _text_clean)
    cleaned = cleaner(value)
    if name in INDIVIDUAL_FIELDS and cleaned and kind != ClientKind.INDIVIDUAL:
        raise ValidationError("only an individual client has this.")
    return cleaned


def _text_clean(value: Any) -> str:
    return "" if value is None else str(value).strip()


def _email_clean(value: Any) -> str:
    email = _text_clean(value).lower()
    if email:
        EmailValidator(message=f"'{email}' is not a valid email address.")(email)
    return email


def _phone_clean(value: Any) -> str:
    """The number in E.164 ("+64215551234"); a number without a country code is read as one of
    settings.PHONE_DEFAULT_REGION.

    "Possible" (right length for its country) rather than "valid" (in an allocated range):
    imported numbers from new ranges must not be refused because the metadata lags behind.
    """
    text = _text_clean(value)
    if not text:
        return ""
    invalid = ValidationError(f"'{text}' is not a valid phone number.")
    try:
        number = phonenumbers.parse(text, settings.PHONE_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        raise invalid from None
    if not phonenumbers.is_possible_number(number):
        raise invalid
    if number.extension:
        raise ValidationError(f"'{text}' has an extension; keep extensions in the notes.")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def _website_clean(value: Any) -> str:
    text = _text_clean(value)
    if not text:
        return ""
    url = text if "://" in text else f"https://{text}"
    URLValidator(schemes=["http", "https"], message=f"'{text}' is not a valid web address.")(url)
    return url


def _date_of_birth_clean(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    born = models.DateField().to_python(value)
    if born > timezone.localdate():
        raise ValidationError("cannot be in the future.")
    return born


_CLEANERS: dict[str, Callable[[Any], Any]] = {
    "email": _email_clean,
    "phone": _phone_clean,
    "mobile": _phone_clean,
    "website": _website_clean,
    "date_of_birth": _date_of_birth_clean,
}
