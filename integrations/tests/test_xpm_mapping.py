from datetime import date

import pytest

from integrations.connectors.xpm.mapping import XPM_FIELDS, birth_date, kind_read, kind_write


def test_an_individual_reads_with_names_birth_date_and_both_addresses():
    fields, errors = XPM_FIELDS.to_canonical(
        {
            "name": "Aroha Mere Ngata",
            "firstName": "Aroha",
            "middleName": "Mere",
            "lastName": "Ngata",
            "dateOfBirth": "1978-04-02T00:00:00",
            "clientCode": "NGAT01",
            "email": "aroha@example.co.nz",
            "phone": "09 555 0101",
            "address": "12 Kauri Road\nFlat 3",
            "city": "Auckland",
            "region": "Auckland",
            "postCode": "1010",
            "country": "New Zealand",
            "postalAddress": "PO Box 44",
            "postalCity": "Auckland",
            "postalPostCode": "1140",
            "postalCountry": "New Zealand",
            "taxNumber": "123-456-789",
        },
        kind="individual",
    )

    assert errors == {}
    assert fields["display_name"] == "Aroha Mere Ngata"
    assert (fields["first_name"], fields["middle_name"], fields["last_name"]) == (
        "Aroha",
        "Mere",
        "Ngata",
    )
    assert fields["date_of_birth"] == date(1978, 4, 2)
    assert (fields["physical_line1"], fields["physical_line2"]) == ("12 Kauri Road", "Flat 3")
    assert (fields["postal_line1"], fields["postal_line2"], fields["postal_region"]) == (
        "PO Box 44",
        "",
        "",
    )
    assert fields["tax_number"] == "123-456-789"
    assert fields["phone"] == "+6495550101"
    assert "mobile" not in fields


def test_website_is_read_from_website_and_written_as_webSite():
    fields, _ = XPM_FIELDS.to_canonical(
        {"name": "Kauri Ltd", "website": "www.kauri.example.com"}, kind="company"
    )

    assert fields["website"] == "https://www.kauri.example.com"
    assert XPM_FIELDS.to_provider({"website": "https://kauri.example.com"}) == {
        "webSite": "https://kauri.example.com"
    }


def test_writes_use_xpm_names_and_formats_and_blank_clears():
    payload = XPM_FIELDS.to_provider(
        {
            "date_of_birth": date(1978, 4, 2),
            "postal_line1": "PO Box 44",
            "postal_line2": "",
            "company_number": "",
            "code": "NGAT01",
        }
    )

    assert payload == {
        "dateOfBirth": "1978-04-02T00:00:00",
        "postalAddress": "PO Box 44",
        "companyNumber": "",
        "clientCode": "NGAT01",
    }


@pytest.mark.parametrize(
    ("payload", "kind"),
    [
        ({"businessStructure": "Company"}, "company"),
        ({"businessStructure": "Look Through Company"}, "company"),
        ({"businessStructure": "Trust"}, "trust"),
        ({"businessStructure": "Superannuation Fund"}, "trust"),
        ({"businessStructure": "Limited Partnership"}, "partnership"),
        ({"businessStructure": "Individual"}, "individual"),
        ({"businessStructure": "Sole Trader"}, "individual"),
        ({"businessStructure": "Charity"}, None),
        ({"firstName": "Aroha", "lastName": "Ngata"}, "individual"),
        ({"name": "Kauri Ltd", "type": {"name": "Monthly Client"}}, None),
    ],
)
def test_kind_comes_from_business_structure_not_the_billing_type(payload, kind):
    assert kind_read(payload) == kind


def test_kind_writes_as_business_structure():
    assert kind_write("trust") == "Trust"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("31/02/1990", "not a date"),
        ("1990-02-31T00:00:00", "not a date"),
        ("1066-10-14T00:00:00", "not a plausible date of birth"),
        ("2999-01-01T00:00:00", "not a plausible date of birth"),
        (19900101, "not a date"),
    ],
)
def test_absurd_birth_dates_are_refused_with_a_reason(value, reason):
    with pytest.raises(ValueError, match=reason):
        birth_date(value)


def test_values_that_are_not_text_or_too_long_are_reported_per_field():
    fields, errors = XPM_FIELDS.to_canonical(
        {"name": "Kauri Ltd", "email": {"address": "x"}, "city": "C" * 500, "phone": "09 555 0101"},
        kind="company",
    )

    assert errors == {
        "email": "Email: XPM sent dict where text belongs",
        "physical_city": "Physical city: 500 characters; at most 100 fit.",
    }
    assert fields["phone"] == "+6495550101"


@pytest.mark.parametrize(
    ("phone", "country", "stored", "written"),
    [
        ("09 555 0101", "New Zealand", "+6495550101", "+64 9 555 0101"),
        ("(02) 9123 4567", "Australia", "+61291234567", "+61 2 9123 4567"),
        ("(02) 9123 4567", "", "+64291234567", "+64 29 123 4567"),
        ("+61 2 9123 4567", "New Zealand", "+61291234567", "+61 2 9123 4567"),
    ],
)
def test_phones_are_read_as_numbers_of_the_clients_country(phone, country, stored, written):
    fields, errors = XPM_FIELDS.to_canonical(
        {"name": "Kauri Ltd", "phone": phone, "country": country}, kind="company"
    )

    assert (fields.get("phone"), errors) == (stored, {})
    assert XPM_FIELDS.to_provider({"phone": stored}) == {"phone": written}


def test_a_phone_that_is_no_number_is_reported():
    _, errors = XPM_FIELDS.to_canonical(
        {"name": "Kauri Ltd", "phone": "ring the office", "country": "Australia"}, kind="company"
    )

    assert errors == {"phone": "Phone: 'ring the office' is not a valid phone number."}
