"""The rules a client's field values follow, in one place for the forms and the services.

Services apply them to every write (the API, imports and the sync engine call services, not
forms); forms apply them too so a person sees each message next to the field. Every message
starts with the field's label, e.g. "Phone: '12ab' is not a valid phone number.", because an
import log or an API response shows it without the form around it.
"""

import datetime
import functools
import re
from collections.abc import Callable, Mapping
from typing import Any, NamedTuple

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
_EDITABLE_FIELD_SET = frozenset(EDITABLE_FIELDS)
_INDIVIDUAL_FIELD_SET = frozenset(INDIVIDUAL_FIELDS)


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
    if not _EDITABLE_FIELD_SET.issuperset(fields):
        unknown = sorted(set(fields) - _EDITABLE_FIELD_SET)
        raise TypeError(f"Not editable client fields: {', '.join(unknown)}")
    cleaned: dict[str, Any] = {}
    errors: dict[str, list[str]] = {}
    individual = kind == ClientKind.INDIVIDUAL
    for name, value in fields.items():
        try:
            value = _CLEANERS[name](value)
            if value and not individual and name in _INDIVIDUAL_FIELD_SET:
                raise ValidationError("only an individual client has this.")
        except ValidationError as error:
            errors[name] = [f"{field_label(name)}: {message}" for message in error.messages]
        else:
            cleaned[name] = value
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


def _text_clean(value: Any) -> str:
    return "" if value is None else str(value).strip()


class _EmailValidator(EmailValidator):
    """Django's email rules with their patterns compiled once: read through Django's lazy
    proxy, each match costs several times the match itself."""

    user_regex = re.compile(EmailValidator.user_regex.pattern, EmailValidator.user_regex.flags)
    domain_regex = re.compile(
        EmailValidator.domain_regex.pattern, EmailValidator.domain_regex.flags
    )
    literal_regex = re.compile(
        EmailValidator.literal_regex.pattern, EmailValidator.literal_regex.flags
    )

    def validate_domain_part(self, domain_part: str) -> bool:
        return _email_domain_valid(domain_part)


# A practice's clients share a few mail domains; the domain pattern is the dearer half.
@functools.lru_cache(maxsize=4096)
def _email_domain_valid(domain_part: str) -> bool:
    return EmailValidator.validate_domain_part(_email_validate, domain_part)


class _WebAddressValidator(URLValidator):
    """Django's web address rules (http and https), its pattern compiled once, as above."""

    def __init__(self) -> None:
        super().__init__(schemes=["http", "https"])
        self.regex = re.compile(self.regex.pattern, self.regex.flags)


_email_validate = _EmailValidator()
_web_address_validate = _WebAddressValidator()


def _validate(validator: Callable[[str], None], value: str, message: str) -> None:
    """Run one of Django's validators; its refusal says `message`, keeping its code.

    `message` already holds the value, so Django's params are dropped: with them Django would
    %-format the message, and a value such as "100%@x" would break it.
    """
    try:
        validator(value)
    except ValidationError as error:
        raise ValidationError(message, code=error.code) from None


def _email_clean(value: Any) -> str:
    email = _text_clean(value).lower()
    if email:
        _validate(_email_validate, email, f"'{email}' is not a valid email address.")
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
    plain = phone_plain_e164(text, settings.PHONE_DEFAULT_REGION)
    if plain is not None:
        return plain
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


# Numbers written plainly: in E.164, or nationally in digits, spaces, hyphens and brackets
# starting with a national prefix. For these, phonenumbers.parse takes none of its detours
# (extensions, letters, international dialling prefixes, a country code without "+"), so the
# checks in `phone_plain_e164` are the ones it makes, at a fraction of its cost.
_PLAIN_E164 = re.compile(r"\+[1-9][0-9]+", re.ASCII)


class _RegionRules(NamedTuple):
    country_code: str
    national_prefix: re.Pattern | None
    international_prefix: re.Pattern | None
    national_number: re.Pattern
    lengths: frozenset[int]
    local_only_lengths: frozenset[int]


@functools.cache
def _region_rules(region: str) -> _RegionRules | None:
    """A region's numbering rules as phonenumbers reads them, or None where its parsing takes
    steps `phone_plain_e164` does not (a national prefix that is rewritten; a country code
    shared with another region's metadata)."""
    if region not in phonenumbers.SUPPORTED_REGIONS:
        return None
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region)
    general = metadata.general_desc
    if (
        metadata.national_prefix_transform_rule
        or phonenumbers.region_code_for_country_code(metadata.country_code) != region
        or not general.national_number_pattern
    ):
        return None
    return _RegionRules(
        country_code=str(metadata.country_code),
        national_prefix=_pattern(metadata.national_prefix_for_parsing),
        international_prefix=_pattern(metadata.international_prefix),
        national_number=re.compile(general.national_number_pattern),
        lengths=frozenset(general.possible_length),
        local_only_lengths=frozenset(general.possible_length_local_only),
    )


def _pattern(expression: str | None) -> re.Pattern | None:
    return re.compile(expression) if expression else None


def phone_plain_e164(text: str, region: str) -> str | None:
    """`text` in E.164 when it is a plainly written number that phonenumbers reads, with
    `region` as the default, as a possible number without an extension; otherwise None, and
    phonenumbers must judge it."""
    if text[:1] == "+":
        return text if _PLAIN_E164.fullmatch(text) and _e164_is_possible(text[1:]) else None
    digits = text.replace(" ", "").replace("-", "").replace("(", "").replace(")", "")
    if not (digits.isascii() and digits.isdigit()):
        return None
    rules = _region_rules(region)
    if (
        rules is None
        or rules.national_prefix is None
        or digits.startswith(rules.country_code)
        or (rules.international_prefix and rules.international_prefix.match(digits))
    ):
        return None
    prefix = rules.national_prefix.match(digits)
    if prefix is None:
        return None
    national = digits[prefix.end() :]
    if len(national) not in rules.lengths or not rules.national_number.fullmatch(national):
        return None
    return f"+{rules.country_code}{national}"


def _e164_is_possible(digits: str) -> bool:
    for length in (1, 2, 3):
        if int(digits[:length]) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            break
    else:
        return False
    rules = _region_rules(phonenumbers.region_code_for_country_code(int(digits[:length])))
    national = digits[length:]
    return (
        rules is not None
        and (len(national) in rules.lengths or len(national) in rules.local_only_lengths)
        and not (rules.national_prefix and rules.national_prefix.match(national))
    )


# An http(s) address of a plain host name (ASCII labels, a TLD of letters) and any path:
# Django's URLValidator accepts every such address, so it need not run its own patterns.
_PLAIN_WEB_ADDRESS = re.compile(
    r"https?://(?P<host>(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63})(?:[/?#]\S*)?"
)


def _website_clean(value: Any) -> str:
    text = _text_clean(value)
    if not text:
        return ""
    url = text if "://" in text else f"https://{text}"
    plain = _PLAIN_WEB_ADDRESS.fullmatch(url)
    if plain and len(plain["host"]) <= 253 and len(url) <= _web_address_validate.max_length:
        return url
    _validate(_web_address_validate, url, f"'{text}' is not a valid web address.")
    return url


_DATE_FIELD = models.DateField()
_A_DAY = datetime.timedelta(days=1)


def _date_of_birth_clean(value: Any) -> datetime.date | None:
    if value in (None, ""):
        return None
    born = _DATE_FIELD.to_python(value)
    # Today in the current time zone costs more than the rest of the rule; it is within a day
    # of today in UTC, so only a date that close needs it.
    utc_today = datetime.datetime.now(datetime.UTC).date()
    if born >= utc_today - _A_DAY and born > timezone.localdate():
        raise ValidationError("cannot be in the future.")
    return born


# One rule per editable field; most are plain text.
_CLEANERS: dict[str, Callable[[Any], Any]] = {
    **dict.fromkeys(EDITABLE_FIELDS, _text_clean),
    "email": _email_clean,
    "phone": _phone_clean,
    "mobile": _phone_clean,
    "website": _website_clean,
    "date_of_birth": _date_of_birth_clean,
}
