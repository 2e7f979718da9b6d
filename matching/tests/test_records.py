from datetime import date

from clients.models import Client, ClientKind
from matching.records import ENTITY, INDIVIDUAL, MatchRecord, features_of, record_from_client


def test_from_fields_reads_canonical_names():
    record = MatchRecord.from_fields(
        "X1",
        {
            "first_name": "Aroha",
            "middle_name": None,
            "last_name": "Ngata",
            "date_of_birth": "1975-04-02",
            "email": "aroha@example.com",
            "phone": "09 555 0101",
            "mobile": "021 555 0101",
            "address_line1": "1 Queen Street",
            "city": "Auckland",
            "post_code": "1010",
            "tax_number": "012-345-678",
            "kind": "individual",
        },
    )
    assert record.full_name == "Aroha Ngata"
    assert record.phones == ("09 555 0101", "021 555 0101")
    features = features_of(record)
    assert features.tokens == ("aroha", "ngata")
    assert features.date_of_birth == date(1975, 4, 2)
    assert features.tax_number == "12345678"
    assert features.kind == INDIVIDUAL


def test_record_from_client_reads_the_model_without_saving_it():
    client = Client(
        kind=ClientKind.COMPANY,
        display_name="Kauri Plumbing Limited",
        email="office@kauri.co.nz",
        company_number="1234567",
        physical_line1="1 Queen Street",
        physical_city="Auckland",
        postal_post_code="1010",
    )
    record = record_from_client(client)
    assert record.name == "Kauri Plumbing Limited"
    assert record.emails == ("office@kauri.co.nz",)
    assert record.address == "1 Queen Street Auckland"
    assert record.post_code == "1010"
    assert features_of(record).kind == ENTITY
