import datetime
import json

import pytest
from django.core.cache import cache
from django.core.management import CommandError, call_command

from accounts.models import AuditEvent
from clients.models import Client
from clients.tests.factories import IndividualFactory

HEADER = "code,first_name,last_name,date_of_birth,email,mobile,address_line1,city,post_code\n"


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def csv_file(tmp_path):
    def _write(text: str):
        path = tmp_path / "contacts.csv"
        path.write_text(text, encoding="utf-8")
        return path

    return _write


def _import(path, *flags, firm="harbour"):
    call_command("contacts_import", str(path), "--firm", firm, *flags)


def test_import_creates_the_contacts_audited_as_the_system(firm, csv_file, capsys):
    path = csv_file(
        HEADER
        + "A1,Mere,Tane,1980-05-04,Mere@Example.com,021 555 1234,1 Queen Street,Auckland,1010\n"
        + "A2,Hemi,Walker,,,,,,\n"
    )

    _import(path)

    mere = Client.objects.get(firm=firm, code="A1")
    assert (mere.display_name, mere.email, mere.mobile) == (
        "Mere Tane",
        "mere@example.com",
        "+64215551234",
    )
    assert (mere.physical_line1, mere.physical_city, mere.physical_post_code) == (
        "1 Queen Street",
        "Auckland",
        "1010",
    )
    assert mere.date_of_birth == datetime.date(1980, 5, 4)
    assert Client.objects.filter(firm=firm).count() == 2
    assert AuditEvent.objects.filter(action="client.create", actor=None).count() == 2
    assert "Imported 2 contact(s)" in capsys.readouterr().out


def test_an_invalid_row_imports_nothing_and_names_row_and_column(firm, csv_file, capsys):
    path = csv_file(HEADER + "A1,Mere,Tane,,,,,,\n" + "A2,Hemi,Walker,,x@,,,,\n")

    with pytest.raises(CommandError, match="1 invalid row"):
        _import(path)

    assert not Client.objects.filter(firm=firm).exists()
    assert "row 3: email: 'x@' is not a valid email address." in capsys.readouterr().err


def test_skip_invalid_imports_the_valid_rows(firm, csv_file, capsys):
    path = csv_file(
        HEADER + "A1,Mere,Tane,,,,,,\n" + "A2,Hemi,Walker,2999-01-01,,,,,\n" + ",,,,,,,,\n"
    )

    _import(path, "--skip-invalid")

    assert list(Client.objects.filter(firm=firm).values_list("code", flat=True)) == ["A1"]
    output = capsys.readouterr()
    assert "row 3: date_of_birth: cannot be in the future." in output.err
    assert "Imported 1 contact(s)" in output.out
    assert "skipped 1 invalid row(s)" in output.out


def test_a_code_used_twice_in_the_file_is_an_invalid_row(firm, csv_file, capsys):
    path = csv_file(HEADER + "A1,Mere,Tane,,,,,,\n" + "A1,Hemi,Walker,,,,,,\n")

    with pytest.raises(CommandError):
        _import(path)

    assert "row 3: code: 'A1' is already used by Mere Tane." in capsys.readouterr().err
    assert not Client.objects.exists()


def test_unknown_columns_are_refused(firm, csv_file):
    path = csv_file("code,first_name,surname\nA1,Mere,Tane\n")

    with pytest.raises(CommandError, match="Unknown column surname; the columns are code, "):
        _import(path)
    assert not Client.objects.exists()


def test_an_unknown_firm_is_one_readable_line(db, csv_file):
    path = csv_file(HEADER)

    with pytest.raises(CommandError, match="No firm with the slug 'nowhere'"):
        _import(path, firm="nowhere")
    with pytest.raises(CommandError, match="No firm with the slug 'nowhere'"):
        call_command("contacts_duplicates", "--firm", "nowhere")


def test_duplicates_as_json(firm, other_firm, capsys):
    born = datetime.date(1980, 5, 4)
    for code in ("A1", "A7"):
        IndividualFactory(
            firm=firm, code=code, first_name="Mere", last_name="Tane", date_of_birth=born
        )
    IndividualFactory(
        firm=other_firm, code="Z1", first_name="Mere", last_name="Tane", date_of_birth=born
    )

    call_command("contacts_duplicates", "--firm", "harbour", "--format", "json")

    [group] = json.loads(capsys.readouterr().out)
    assert group["codes"] == ["A1", "A7"]
    assert 0.95 <= group["score"] <= 1
    assert group["score"] == round(group["score"], 2)
    assert "same date of birth" in group["reasons"]


def test_duplicates_as_text(firm, capsys):
    born = datetime.date(1980, 5, 4)
    for code in ("A1", "A7"):
        IndividualFactory(
            firm=firm, code=code, first_name="Mere", last_name="Tane", date_of_birth=born
        )

    call_command("contacts_duplicates", "--firm", "harbour")

    output = capsys.readouterr().out
    assert "same date of birth" in output
    assert "A1" in output
    assert "A7" in output
    assert "1 group(s) of likely duplicates in Harbour Accounting Limited." in output
