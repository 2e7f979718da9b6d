"""Importing contacts (individuals) from rows keyed by Tandem's canonical field names.

The canonical names are the ones the connectors map to: `address_*` is the physical address.
Every row goes through `client_create`, so an import follows the same rules as the Clients
pages and leaves the same audit rows.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts.models import Firm, User
from clients.models import ClientKind
from clients.services import client_create
from clients.validation import field_label

# Canonical column name -> Client field.
CONTACT_COLUMNS: dict[str, str] = {
    "code": "code",
    "first_name": "first_name",
    "middle_name": "middle_name",
    "last_name": "last_name",
    "date_of_birth": "date_of_birth",
    "email": "email",
    "phone": "phone",
    "mobile": "mobile",
    "address_line1": "physical_line1",
    "address_line2": "physical_line2",
    "city": "physical_city",
    "region": "physical_region",
    "post_code": "physical_post_code",
    "country": "physical_country",
    "tax_number": "tax_number",
}
_COLUMN_OF_FIELD = {name: column for column, name in CONTACT_COLUMNS.items()}
# Spreadsheets number the header row 1, so the first contact is on row 2.
FIRST_ROW_NUMBER = 2


@dataclass
class ContactsImportResult:
    """`errors` are lines such as "row 7: email: 'x@' is not a valid email address."."""

    imported: int = 0
    errors: list[str] = field(default_factory=list)

    @property
    def invalid_rows(self) -> int:
        return len({line.split(":", 1)[0] for line in self.errors})


def columns_unknown(columns: Iterable[str]) -> list[str]:
    return [column for column in columns if column not in CONTACT_COLUMNS]


@transaction.atomic
def contacts_import(
    *,
    firm: Firm,
    rows: Iterable[Mapping[str, str | None]],
    skip_invalid: bool,
    acting_user: User | None,
) -> ContactsImportResult:
    """Creates an individual of `firm` per row (rows with no values are passed over).

    Without `skip_invalid`, one invalid row means nothing is imported; with it, the valid rows
    are. Either way every invalid row is reported, by row number and column.
    """
    result = ContactsImportResult()
    for number, row in enumerate(rows, start=FIRST_ROW_NUMBER):
        unknown = columns_unknown(row)
        if unknown:
            raise TypeError(f"Not contact columns: {', '.join(unknown)}")
        values = {CONTACT_COLUMNS[column]: (value or "") for column, value in row.items()}
        if not any(value.strip() for value in values.values()):
            continue
        try:
            with transaction.atomic():
                client_create(
                    firm=firm, acting_user=acting_user, kind=ClientKind.INDIVIDUAL, **values
                )
        except ValidationError as error:
            result.errors += [
                f"row {number}: {_message_for_column(name, message)}"
                for name, messages in error.message_dict.items()
                for message in messages
            ]
        else:
            result.imported += 1
    if result.errors and not skip_invalid:
        transaction.set_rollback(True)
        result.imported = 0
    return result


def _message_for_column(name: str, message: str) -> str:
    """The message under the CSV's column name: "email: 'x@' is not a valid email address."."""
    column = _COLUMN_OF_FIELD.get(name)
    if column is None:
        return message
    return f"{column}: {message.removeprefix(f'{field_label(name)}: ')}"
