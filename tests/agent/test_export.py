"""Reading APS exports as APS writes them (no server needed)."""

from tandem_agent.export import export_read, record_hash

from sandbox.aps import COLUMNS

HEADER = ",".join(COLUMNS)


def export_file(tmp_path, *lines: str, encoding: str = "utf-8-sig"):
    path = tmp_path / "clients.csv"
    path.write_bytes("\r\n".join(lines).encode(encoding))
    return path


def values(**given: str) -> str:
    return ",".join(given.get(column, "") for column in COLUMNS)


def test_a_windows_1252_export_reads_its_accents(tmp_path):
    name = "Café Société Limited"
    path = export_file(
        tmp_path,
        HEADER,
        values(**{"Client Code": "CAF01", "Client Name": name, "Client Type": "Company"}),
        encoding="cp1252",
    )

    assert export_read(path).records["CAF01"]["fields"]["display_name"] == name


def test_columns_match_whatever_their_case_and_spacing_and_unknown_ones_are_ignored(tmp_path):
    path = export_file(
        tmp_path,
        " CLIENT CODE ,client name,Client type,Email,Fax",
        "AB01,Alpha Limited,company,office@alpha.example.com,09 555 0100",
    )

    export = export_read(path)

    record = export.records["AB01"]
    assert (record["kind"], record["fields"]["email"]) == ("company", "office@alpha.example.com")
    assert "Fax" not in str(record)
    assert "Street City" in export.missing_columns


def test_contacts_and_family_group_are_kept_as_details(tmp_path):
    path = export_file(
        tmp_path,
        HEADER,
        values(
            **{
                "Client Code": "TRU01",
                "Client Name": "Ngata Family Trust",
                "Client Type": "Superannuation Fund",
                "Family Group": "Ngata",
                "Contacts": "NGA01: Aroha Ngata (Trustee); Hemi Ngata (Beneficiary)",
            }
        ),
    )

    record = export_read(path).records["TRU01"]

    assert record["kind"] == "trust"
    assert record["details"] == {
        "family_group": "Ngata",
        "contacts": [
            {"code": "NGA01", "name": "Aroha Ngata", "role": "Trustee"},
            {"code": "", "name": "Hemi Ngata", "role": "Beneficiary"},
        ],
    }


def test_a_record_hash_changes_with_any_value_and_only_then(tmp_path):
    record = {"code": "A1", "kind": "company", "fields": {"email": "a@example.com"}, "details": {}}
    same = {"details": {}, "fields": {"email": "a@example.com"}, "kind": "company", "code": "A1"}
    changed = {**record, "fields": {"email": "b@example.com"}}

    assert record_hash(record) == record_hash(same)
    assert record_hash(record) != record_hash(changed)
