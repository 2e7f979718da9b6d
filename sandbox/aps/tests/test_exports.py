import csv

from sandbox.aps import COLUMNS, aps_exports
from sandbox.aps.__main__ import main


def codes(rows) -> set[str]:
    return {row["Client Code"] for row in rows}


def test_the_same_seed_gives_the_same_export_and_another_seed_another():
    assert aps_exports(clients=40, seed=3) == aps_exports(clients=40, seed=3)
    assert aps_exports(clients=40, seed=3).first != aps_exports(clients=40, seed=4).first


def test_the_later_export_edits_adds_and_removes_clients_of_the_first():
    exports = aps_exports(clients=200, seed=3)
    first = {row["Client Code"]: row for row in exports.first}
    later = {row["Client Code"]: row for row in exports.later}

    assert len(first) == 200
    assert (len(exports.removed), len(exports.edited), len(exports.added)) == (6, 16, 10)
    assert codes(exports.later) == (set(first) - exports.removed) | exports.added
    assert {
        code for code in set(first) & set(later) if first[code] != later[code]
    } == exports.edited


def test_entities_list_their_people_as_contacts_with_roles():
    exports = aps_exports(clients=100, seed=3)

    companies = [row for row in exports.first if row["Client Type"] == "Company"]

    assert companies
    assert all(
        row["Contacts"].split(": ", 1)[1].endswith(("(Director)", "(Shareholder)"))
        for row in companies
        if row["Contacts"]
    )


def test_the_command_writes_both_exports(tmp_path, capsys):
    first, later = tmp_path / "clients.csv", tmp_path / "clients-2.csv"

    main(["--clients", "30", "--seed", "2", "--out", str(first), "--edited-out", str(later)])

    with first.open(encoding="utf-8-sig", newline="") as file:
        rows = list(csv.DictReader(file))
    assert len(rows) == 30
    assert tuple(rows[0]) == COLUMNS
    assert later.exists()
    assert "Wrote 30 clients" in capsys.readouterr().out
