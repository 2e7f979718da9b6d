"""Reading APS's client export (CSV) into the records Tandem's inbound API takes.

The columns, and how each becomes a Tandem field, are listed in agent/README.md. Column names
are matched without regard to case or surrounding spaces; columns Tandem does not know are
ignored. A row that cannot be read is reported with its row number and the reason, and
skipped; the rest are sent.
"""

import csv
import hashlib
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

KEY_COLUMNS = {"client code": "code", "client name": "display_name", "client type": "kind"}
FIELD_COLUMNS = {
    "first name": "first_name",
    "middle name": "middle_name",
    "last name": "last_name",
    "date of birth": "date_of_birth",
    "email": "email",
    "phone": "phone",
    "mobile": "mobile",
    "website": "website",
    **{
        f"{prefix} {part}": f"{canonical}_{suffix}"
        for prefix, canonical in (("street", "physical"), ("postal", "postal"))
        for part, suffix in (
            ("address 1", "line1"),
            ("address 2", "line2"),
            ("city", "city"),
            ("region", "region"),
            ("postcode", "post_code"),
            ("country", "country"),
        )
    },
    "tax number": "tax_number",
    "company number": "company_number",
}
DETAIL_COLUMNS = {"family group": "family_group", "contacts": "contacts"}
KINDS = {
    "individual": "individual",
    "sole trader": "individual",
    "company": "company",
    "trust": "trust",
    "superannuation fund": "trust",
    "estate": "trust",
    "partnership": "partnership",
}
_CONTACT = re.compile(r"(?:(?P<code>[^:;()]+):\s*)?(?P<name>[^:;()]+?)\s*\((?P<role>[^;()]+)\)")


@dataclass(frozen=True)
class RowProblem:
    row: int
    message: str
    code: str = ""

    def __str__(self) -> str:
        return f"Row {self.row}: {self.message}"


@dataclass
class Export:
    """The export's clients by code (in the inbound API's record format), and the rows that
    could not be read. `codes_unread` holds the codes of such rows, which are not gone from
    APS just because this export's row could not be read."""

    records: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[RowProblem] = field(default_factory=list)
    missing_columns: list[str] = field(default_factory=list)

    @property
    def codes_unread(self) -> set[str]:
        return {problem.code for problem in self.problems if problem.code}


def record_hash(record: dict[str, Any]) -> str:
    """What the record held when sent: a different hash means Tandem must hear of it again."""
    canonical = json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def export_read(path: Path) -> Export:
    try:
        text = _text(path)
    except OSError as error:
        raise ExportUnreadable(f"Cannot read {path}: {error.strerror}.") from None
    return _rows(csv.reader(text.splitlines()))


class ExportUnreadable(Exception):
    pass


def _text(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        # Windows programs write CSV in the system code page when not asked for UTF-8.
        return data.decode("cp1252", errors="replace")


def _rows(reader: Iterator[list[str]]) -> Export:
    export = Export()
    header = next(reader, None)
    if header is None:
        raise ExportUnreadable("The export is empty: it has not even a header row.")
    columns = [name.strip().casefold() for name in header]
    missing = [name for name in KEY_COLUMNS if name not in columns]
    if missing:
        raise ExportUnreadable(
            "The export has no column " + ", ".join(f"“{name.title()}”" for name in missing) + "."
        )
    known = {**FIELD_COLUMNS, **DETAIL_COLUMNS}
    export.missing_columns = [name.title() for name in known if name not in columns]
    rows_of_code: dict[str, int] = {}
    for number, values in enumerate(reader, start=2):
        if not any(value.strip() for value in values):
            continue
        row = dict(zip(columns, (value.strip() for value in values), strict=False))
        code = row.get("client code", "")
        try:
            if len(values) != len(columns):
                raise ValueError(f"{len(values)} values where the header has {len(columns)}")
            record = _record(row)
        except ValueError as error:
            export.problems.append(RowProblem(number, str(error), code))
            continue
        if code in rows_of_code:
            export.problems.append(
                RowProblem(number, f"client code {code} is also on row {rows_of_code[code]}")
            )
            continue
        rows_of_code[code] = number
        export.records[code] = record
    return export


def _record(row: dict[str, str]) -> dict[str, Any]:
    code = row["client code"]
    if not code:
        raise ValueError("no client code")
    name = row.get("client name", "")
    if not name:
        raise ValueError(f"client {code} has no name")
    client_type = row.get("client type", "")
    kind = KINDS.get(" ".join(client_type.casefold().split()))
    if kind is None:
        known = ", ".join(name.title() for name in KINDS)
        raise ValueError(f"client type “{client_type}” is not one of {known}")
    fields = {"display_name": name}
    for column, canonical in FIELD_COLUMNS.items():
        fields[canonical] = row.get(column, "")
    fields["date_of_birth"] = _date(fields["date_of_birth"])
    details: dict[str, Any] = {}
    if family_group := row.get("family group", ""):
        details["family_group"] = family_group
    if contacts := _contacts(row.get("contacts", "")):
        details["contacts"] = contacts
    return {"code": code, "kind": kind, "fields": fields, "details": details}


def _date(value: str) -> str:
    if not value:
        return ""
    try:
        return datetime.strptime(value, "%d/%m/%Y").date().isoformat()
    except ValueError:
        raise ValueError(f"date of birth “{value}” is not a date (DD/MM/YYYY)") from None


def _contacts(value: str) -> list[dict[str, str]]:
    contacts = []
    for item in filter(None, (part.strip() for part in value.split(";"))):
        match = _CONTACT.fullmatch(item)
        if match is None:
            raise ValueError(f"contact “{item}” is not “CODE: Name (Role)” or “Name (Role)”")
        contacts.append(
            {
                "code": (match["code"] or "").strip(),
                "name": match["name"].strip(),
                "role": match["role"].strip(),
            }
        )
    return contacts
