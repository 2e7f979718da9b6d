"""Realistic APS client exports (CSV, as the Tandem sync agent reads them), for trying the agent
and for tests: a practice's clients from the XPM sandbox's seeded data (the same people,
companies, trusts, near-duplicates, groups and relationships), written the way APS exports
them, and a later export of the same practice with edits, additions and removals.

    python -m sandbox.aps --clients 500 --seed 1 --out clients.csv --edited-out clients-2.csv
"""

import csv
import random
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sandbox.xpm.seed import practice_seed
from sandbox.xpm.store import Client, PracticeStore

COLUMNS = (
    "Client Code",
    "Client Name",
    "Client Type",
    "First Name",
    "Middle Name",
    "Last Name",
    "Date of Birth",
    "Email",
    "Phone",
    "Mobile",
    "Website",
    "Street Address 1",
    "Street Address 2",
    "Street City",
    "Street Region",
    "Street Postcode",
    "Street Country",
    "Postal Address 1",
    "Postal Address 2",
    "Postal City",
    "Postal Region",
    "Postal Postcode",
    "Postal Country",
    "Tax Number",
    "Company Number",
    "Family Group",
    "Contacts",
)
# Of the first export's clients, the share the later one edits and removes; it adds
# ADDED_SHARE of their number as new clients.
EDITED_SHARE = 0.08
REMOVED_SHARE = 0.03
ADDED_SHARE = 0.05


@dataclass(frozen=True)
class ApsExports:
    """The first export's rows, the later one's, and what changed between them (by code)."""

    first: list[dict[str, str]]
    later: list[dict[str, str]]
    edited: frozenset[str]
    added: frozenset[str]
    removed: frozenset[str]


def aps_exports(*, clients: int, seed: int) -> ApsExports:
    added_count = max(1, round(clients * ADDED_SHARE))
    store = practice_seed(seed=seed, clients=clients + added_count)
    rows = [_row(client, store) for client in store.clients]
    first, extra = rows[:clients], rows[clients:]
    rng = random.Random(seed)
    removed = {row["Client Code"] for row in rng.sample(first, round(clients * REMOVED_SHARE))}
    kept = [row for row in first if row["Client Code"] not in removed]
    edited_rows = rng.sample(kept, round(clients * EDITED_SHARE))
    edited = {row["Client Code"]: _edited(row, rng) for row in edited_rows}
    later = [edited.get(row["Client Code"], row) for row in kept] + extra
    return ApsExports(
        first=first,
        later=later,
        edited=frozenset(edited),
        added=frozenset(row["Client Code"] for row in extra),
        removed=frozenset(removed),
    )


def export_write(rows: Iterable[dict[str, str]], path: Path) -> None:
    # APS writes Windows line endings and a UTF-8 byte order mark.
    with path.open("w", newline="", encoding="utf-8-sig") as file:
        writer = csv.DictWriter(file, fieldnames=COLUMNS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)


def _row(client: Client, store: PracticeStore) -> dict[str, str]:
    fields = client.fields
    structure = fields.get("businessStructure", "")
    individual = structure == "Individual"
    country = fields.get("country", "")
    groups = [store.groups[uuid].name for uuid in client.group_uuids]
    return {
        "Client Code": fields["clientCode"],
        "Client Name": fields["name"],
        "Client Type": structure,
        "First Name": fields.get("firstName", ""),
        "Middle Name": fields.get("middleName", ""),
        "Last Name": fields.get("lastName", ""),
        "Date of Birth": _date(fields.get("dateOfBirth", "")),
        "Email": fields.get("email", ""),
        "Phone": _international(fields.get("phone", ""), country),
        "Mobile": _international(client.mobile or "", country) if individual else "",
        "Website": fields.get("website", ""),
        "Street Address 1": fields.get("address", ""),
        "Street Address 2": "",
        "Street City": fields.get("city", ""),
        "Street Region": fields.get("region", ""),
        "Street Postcode": fields.get("postCode", ""),
        "Street Country": country,
        "Postal Address 1": fields.get("postalAddress", ""),
        "Postal Address 2": "",
        "Postal City": fields.get("postalCity", ""),
        "Postal Region": "",
        "Postal Postcode": fields.get("postalPostCode", ""),
        "Postal Country": fields.get("postalCountry", ""),
        "Tax Number": fields.get("taxNumber", ""),
        "Company Number": fields.get("companyNumber", ""),
        "Family Group": groups[0] if groups else "",
        "Contacts": "; ".join(
            _contact(relationship, store) for relationship in client.relationships
        ),
    }


def _date(value: str) -> str:
    return datetime.fromisoformat(value).strftime("%d/%m/%Y") if value else ""


def _international(number: str, country: str) -> str:
    """A New Zealand practice's APS holds its Australian clients' numbers with +61."""
    if country != "Australia" or not number:
        return number
    return "+61 " + number.replace("(", "").replace(")", "").removeprefix("0")


def _contact(relationship, store: PracticeStore) -> str:
    person = store.client_get(relationship.related_uuid)
    return f"{person.fields['clientCode']}: {person.fields['name']} ({relationship.type})"


def _edited(row: dict[str, str], rng: random.Random) -> dict[str, str]:
    """The row as a practice changes it between exports: a new email, a move, a new number,
    a name corrected."""
    row = dict(row)
    change = rng.choice(("email", "address", "phone", "name"))
    if change == "email":
        local, _, domain = (row["Email"] or "office@example.co.nz").partition("@")
        row["Email"] = f"{local}.new@{domain}"
    elif change == "address":
        row["Street Address 1"] = (
            f"{rng.randint(1, 480)} {row['Street Address 1'].split(' ', 1)[-1]}"
        )
        row["Street Postcode"] = row["Street Postcode"] or "1010"
    elif change == "phone":
        row["Phone"] = "09 555 " + f"{rng.randint(0, 9999):04d}"
    else:
        row["Client Name"] = row["Client Name"] + (
            " Jnr" if row["Client Type"] == "Individual" else " (NZ)"
        )
    return row
