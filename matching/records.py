"""The one shape matching works on, whatever a record came from.

A Tandem client, a practice-management directory row and a line of an import all become a
`MatchRecord`; `key` is whatever the caller needs to find its row again (a client's pk, an
external id). `Features` are the normalised values, computed once per record.
"""

from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from .normalise import (
    date_normalise,
    email_normalise,
    name_normalise,
    number_normalise,
    phone_normalise,
    post_code_normalise,
    text_fold,
)

INDIVIDUAL = "individual"
ENTITY = "entity"


@dataclass(frozen=True, slots=True)
class MatchRecord:
    """A person or organisation as far as matching is concerned. Every field may be empty.

    `kind` is "individual" or an entity kind ("company", "trust", "partnership", ...); entity
    kinds are compatible with each other, never with "individual". `name` defaults to the
    first, middle and last names joined.
    """

    key: Hashable
    name: str = ""
    kind: str = ""
    first_name: str = ""
    middle_name: str = ""
    last_name: str = ""
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    date_of_birth: date | str | None = None
    tax_number: str = ""
    company_number: str = ""
    address: str = ""
    post_code: str = ""

    @property
    def full_name(self) -> str:
        return self.name or " ".join(
            part for part in (self.first_name, self.middle_name, self.last_name) if part
        )

    @classmethod
    def from_fields(cls, key: Hashable, fields: Mapping[str, Any]) -> "MatchRecord":
        """From Tandem's canonical field names (those of the contacts CSV and the connectors).

        `name` (or `display_name`), `kind`, `first_name`, `middle_name`, `last_name`,
        `date_of_birth`, `email`, `phone`, `mobile`, `address_line1`, `address_line2`, `city`,
        `post_code`, `tax_number`, `company_number`; missing names are empty.
        """

        def text(name: str) -> str:
            value = fields.get(name)
            return "" if value is None else str(value)

        return cls(
            key=key,
            name=text("name") or text("display_name"),
            kind=text("kind"),
            first_name=text("first_name"),
            middle_name=text("middle_name"),
            last_name=text("last_name"),
            emails=tuple(filter(None, [text("email")])),
            phones=tuple(filter(None, [text("phone"), text("mobile")])),
            date_of_birth=fields.get("date_of_birth"),
            tax_number=text("tax_number"),
            company_number=text("company_number"),
            address=" ".join(
                filter(None, [text("address_line1"), text("address_line2"), text("city")])
            ),
            post_code=text("post_code"),
        )


# The Client fields `record_from_client` reads, for `QuerySet.only()`.
CLIENT_FIELDS = (
    "id",
    "kind",
    "display_name",
    "first_name",
    "middle_name",
    "last_name",
    "date_of_birth",
    "email",
    "phone",
    "mobile",
    "tax_number",
    "company_number",
    "physical_line1",
    "physical_line2",
    "physical_city",
    "physical_post_code",
    "postal_post_code",
)


def record_from_client(client: Any) -> MatchRecord:
    """A `clients.Client` as a match record, keyed by its pk. Reads attributes only."""
    return MatchRecord(
        key=client.pk,
        name=client.display_name,
        kind=client.kind,
        first_name=client.first_name,
        middle_name=client.middle_name,
        last_name=client.last_name,
        emails=tuple(filter(None, [client.email])),
        phones=tuple(filter(None, [client.phone, client.mobile])),
        date_of_birth=client.date_of_birth,
        tax_number=client.tax_number,
        company_number=client.company_number,
        address=" ".join(
            filter(None, [client.physical_line1, client.physical_line2, client.physical_city])
        ),
        post_code=client.physical_post_code or client.postal_post_code,
    )


@dataclass(frozen=True, slots=True)
class Features:
    """A record's normalised values: what scoring and blocking compare."""

    tokens: tuple[str, ...]  # normalised name words, sorted, nicknames as written
    # The normalised name in its own order without spaces: "A B C Plumbing" meets "ABC
    # Plumbing" and "Mac Donald" meets "MacDonald" here, where the word view cannot see it.
    compact: str
    kind: str
    emails: frozenset[str]
    phones: frozenset[str]
    date_of_birth: date | None
    tax_number: str
    company_number: str
    address: str
    post_code: str


_EMPTY = frozenset({""})


def kind_class(kind: str) -> str:
    kind = (kind or "").strip().casefold()
    if not kind:
        return ""
    return INDIVIDUAL if kind in {INDIVIDUAL, "person"} else ENTITY


def features_of(record: MatchRecord, *, phone_region: str = "NZ") -> Features:
    # Nicknames stay as written: the scorer treats "Bob" and "Robert" as nearly, not exactly,
    # the same, so a query for "Bob Smith" ranks a Bob Smith above a Robert Smith.
    normalised = name_normalise(record.full_name, nicknames=False)
    return Features(
        tokens=tuple(sorted(normalised.split())),
        compact=normalised.replace(" ", ""),
        kind=kind_class(record.kind),
        emails=frozenset([email_normalise(email) for email in record.emails]) - _EMPTY,
        phones=frozenset([phone_normalise(phone, region=phone_region) for phone in record.phones])
        - _EMPTY,
        date_of_birth=date_normalise(record.date_of_birth),
        tax_number=number_normalise(record.tax_number),
        company_number=number_normalise(record.company_number),
        address=text_fold(record.address),
        post_code=post_code_normalise(record.post_code),
    )


def features_all(records: Iterable[MatchRecord], *, phone_region: str = "NZ") -> list[Features]:
    return [features_of(record, phone_region=phone_region) for record in records]
