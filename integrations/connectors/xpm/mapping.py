"""XPM v3.1 client fields <-> Tandem's canonical client fields.

How XPM models a client (`ClientBaseDto`):
- The kind of client is `businessStructure` ("Individual", "Company", "Trust", "Partnership",
  and finer ones such as "Sole Trader" or "Look Through Company"). `type` is something else:
  the billing type (cost mark-up, payment terms), so Tandem leaves it alone.
- Individuals carry `firstName`, `middleName` and `lastName` besides `name`; entities only `name`.
- The street address is one text (`address`, possibly several lines) plus `city`, `region`,
  `postCode`, `country`; the postal address the same with the `postal` prefix.
- A client has `phone` and `fax` but no mobile: mobiles belong to XPM contacts, so Tandem's
  `mobile` is not mapped.
- Responses spell the website `website`, update requests `webSite`.
- Dates are "yyyy-MM-ddTHH:mm:ss" text; yes/no flags are "Yes"/"No" text.
- Phone numbers are free text in the client's country's own format (see `PhoneField`).
"""

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import phonenumbers
from django.conf import settings

from clients.models import ClientKind
from clients.validation import phone_plain_e164
from integrations.connectors.base import CombinedField, Field, FieldMapping

_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:T\d{2}:\d{2}:\d{2}(?:\.\d+)?)?")
EARLIEST_BIRTH_YEAR = 1880


def text(value: Any) -> str:
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"XPM sent {type(value).__name__} where text belongs")
    return value.strip()


def birth_date(value: Any) -> date | None:
    if value in (None, ""):
        return None
    match = _DATE.fullmatch(value) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"“{value}” is not a date")
    try:
        parsed = date(*(int(part) for part in match.groups()))
    except ValueError:
        raise ValueError(f"“{value}” is not a date") from None
    if parsed.year < EARLIEST_BIRTH_YEAR or parsed > date.today():
        raise ValueError(f"{parsed:%d %B %Y} is not a plausible date of birth")
    return parsed


def birth_date_write(value: date | None) -> str:
    return "" if value is None else f"{value:%Y-%m-%d}T00:00:00"


def address_lines(value: Any) -> tuple[str, str]:
    lines = [line.strip() for line in text(value).splitlines() if line.strip()]
    if not lines:
        return "", ""
    return lines[0], ", ".join(lines[1:])


def address_write(line1: str, line2: str) -> str:
    return "\n".join(line for line in (line1, line2) if line)


# XPM's markets: a client's country as XPM spells it -> its phone numbering region.
COUNTRY_REGIONS = {
    "new zealand": "NZ",
    "australia": "AU",
    "united kingdom": "GB",
    "ireland": "IE",
    "south africa": "ZA",
    "singapore": "SG",
    "canada": "CA",
    "united states": "US",
}


@dataclass(frozen=True)
class PhoneField:
    """XPM's phone text, read as a number of the client's own country: an Australian client's
    "(02) 9123 4567" is +61 2 9123 4567 even in a New Zealand practice. Tandem's field rules
    then check it like any other number. Written back, it is international ("+64 9 555 0101"),
    which reads the same whatever country the client is in."""

    provider: str = "phone"
    canonical_fields: tuple[str, ...] = ("phone",)

    def to_canonical(self, payload: Mapping[str, Any]) -> dict[str, Any]:
        number = text(payload.get("phone"))
        region = COUNTRY_REGIONS.get(text(payload.get("country")).casefold())
        # A number of the practice's own region is left to Tandem's rules, which read it so.
        if (
            number
            and number[0] != "+"
            and region is not None
            and region != settings.PHONE_DEFAULT_REGION
        ):
            plain = phone_plain_e164(number, region)
            if plain is not None:
                return {"phone": plain}
            try:
                parsed = phonenumbers.parse(number, region)
            except phonenumbers.NumberParseException:
                return {"phone": number}
            if phonenumbers.is_possible_number(parsed):
                number = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
        return {"phone": number}

    def to_provider(self, values: Mapping[str, Any]) -> dict[str, Any]:
        number = values["phone"]
        if number:
            number = phonenumbers.format_number(
                phonenumbers.parse(number), phonenumbers.PhoneNumberFormat.INTERNATIONAL
            )
        return {"phone": number}


def yes(value: Any) -> bool:
    return value is True or (isinstance(value, str) and value.strip().lower() in {"yes", "true"})


# Checked in order, so that a "Trustee Company" is a company.
_STRUCTURE_WORDS = (
    (("individual", "sole trader"), ClientKind.INDIVIDUAL),
    (("company",), ClientKind.COMPANY),
    (("partnership",), ClientKind.PARTNERSHIP),
    (("trust", "superannuation", "super fund"), ClientKind.TRUST),
)
KIND_STRUCTURES = {
    ClientKind.COMPANY: "Company",
    ClientKind.TRUST: "Trust",
    ClientKind.PARTNERSHIP: "Partnership",
    ClientKind.INDIVIDUAL: "Individual",
}


def kind_read(payload: dict[str, Any]) -> str | None:
    """The client kind from `businessStructure`; without one, XPM's person names betray an
    individual, and anything else stays unknown (None)."""
    structure = payload.get("businessStructure")
    if isinstance(structure, str) and structure.strip():
        return _structure_kind(structure)
    names = (payload.get("firstName"), payload.get("lastName"))
    if any(isinstance(name, str) and name.strip() for name in names):
        return ClientKind.INDIVIDUAL.value
    return None


# A practice uses a handful of structures; a listing asks about each of its clients.
@functools.lru_cache(maxsize=256)
def _structure_kind(structure: str) -> str | None:
    words = structure.casefold()
    for needles, kind in _STRUCTURE_WORDS:
        if any(needle in words for needle in needles):
            return kind.value
    return None


def kind_write(kind: str) -> str:
    return KIND_STRUCTURES[ClientKind(kind)]


def _address(prefix: str, xpm_prefix: str) -> list[Field | CombinedField]:
    def name(part: str) -> str:
        return f"{xpm_prefix}{part[0].upper()}{part[1:]}" if xpm_prefix else part

    return [
        CombinedField(
            (f"{prefix}_line1", f"{prefix}_line2"),
            name("address"),
            read=address_lines,
            write=address_write,
        ),
        Field(f"{prefix}_city", name("city"), read=text),
        Field(f"{prefix}_region", name("region"), read=text),
        Field(f"{prefix}_post_code", name("postCode"), read=text),
        Field(f"{prefix}_country", name("country"), read=text),
    ]


XPM_FIELDS = FieldMapping(
    Field("display_name", "name", read=text),
    Field("first_name", "firstName", read=text),
    Field("middle_name", "middleName", read=text),
    Field("last_name", "lastName", read=text),
    Field("date_of_birth", "dateOfBirth", read=birth_date, write=birth_date_write),
    Field("code", "clientCode", read=text),
    Field("email", "email", read=text),
    PhoneField(),
    Field("website", "website", read=text, write_as="webSite"),
    *_address("physical", ""),
    *_address("postal", "postal"),
    Field("tax_number", "taxNumber", read=text),
    Field("company_number", "companyNumber", read=text),
)
