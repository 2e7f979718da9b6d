from datetime import date

import pytest

from integrations.connectors.base import (
    Capability,
    CombinedField,
    Connector,
    ExternalRecord,
    Field,
    FieldMapping,
    Page,
    canonical_clean,
)
from integrations.exceptions import NotSupported


def _split(value):
    first, _, rest = (value or "").partition("\n")
    return first, rest


MAPPING = FieldMapping(
    Field("display_name", "name", read=str.strip),
    Field("website", "website", write_as="webSite"),
    CombinedField(
        ("physical_line1", "physical_line2"),
        "address",
        read=_split,
        write=lambda one, two: f"{one}\n{two}",
    ),
)


class MemoryConnector(Connector):
    """The smallest connector: the required core over a list, pages of two."""

    key = "memory"
    display_name = "Memory"
    short_name = "Memory"
    description = "Records held in a list."
    field_mapping = MAPPING

    def __init__(self, records):
        super().__init__(connection=None)
        self.records = records
        self.gets = []

    def search(self, query, page_token=None):
        return Page(tuple(r for r in self.records if query in r.display_name))

    def list_clients(self, page_token=None, modified_since=None):
        start = int(page_token or 0)
        end = start + 2
        return Page(tuple(self.records[start:end]), str(end) if end < len(self.records) else None)

    def get_client(self, external_id):
        self.gets.append(external_id)
        return next(r for r in self.records if r.external_id == external_id)


def _record(number):
    return ExternalRecord(str(number), "company", {"display_name": f"Client {number}"})


def test_mapping_reads_provider_payloads_into_canonical_fields():
    fields, errors = MAPPING.to_canonical(
        {
            "name": " Kauri Dairy Ltd ",
            "website": "https://kauri.example.com",
            "address": "1 Main St\nLevel 2",
        },
        kind="company",
    )

    assert errors == {}
    assert fields == {
        "display_name": "Kauri Dairy Ltd",
        "website": "https://kauri.example.com",
        "physical_line1": "1 Main St",
        "physical_line2": "Level 2",
    }


def test_mapping_writes_under_the_providers_write_names_and_combines_fields():
    payload = MAPPING.to_provider(
        {
            "website": "https://kauri.example.com",
            "physical_line1": "1 Main St",
            "physical_line2": "Level 2",
        }
    )

    assert payload == {"webSite": "https://kauri.example.com", "address": "1 Main St\nLevel 2"}


def test_mapping_names_what_a_partial_combined_write_still_needs():
    assert MAPPING.missing_for_write({"physical_line2": "Level 3"}) == {"physical_line1"}
    assert MAPPING.missing_for_write({"display_name": "Kauri"}) == set()


def test_mapping_refuses_fields_the_provider_does_not_hold():
    with pytest.raises(ValueError, match="mobile"):
        MAPPING.to_provider({"mobile": "021 555 0101"})


def test_mapping_reports_values_that_are_not_valid_client_values():
    fields, errors = MAPPING.to_canonical(
        {"name": "x" * 300, "website": "not a url"}, kind="company"
    )

    assert errors == {
        "display_name": "Display name: 300 characters; at most 255 fit.",
        "website": "Website: 'not a url' is not a valid web address.",
    }
    assert fields == {"physical_line1": "", "physical_line2": ""}


def test_a_mapping_may_only_name_canonical_fields():
    with pytest.raises(ValueError, match="favourite_colour"):
        FieldMapping(Field("favourite_colour", "colour"))


def test_canonical_values_are_in_the_form_tandem_stores():
    values = {"email": "Aroha@Example.co.nz", "phone": "09 555 0101", "website": "kauri.nz"}

    assert canonical_clean(values, kind="individual") == (
        {"email": "aroha@example.co.nz", "phone": "+6495550101", "website": "https://kauri.nz"},
        {},
    )


def test_canonical_clean_names_each_bad_field_and_keeps_the_rest():
    values = {"email": "someone@", "date_of_birth": date(1970, 1, 1), "first_name": "Aroha"}

    assert canonical_clean(values, kind="individual") == (
        {"date_of_birth": date(1970, 1, 1), "first_name": "Aroha"},
        {"email": "Email: 'someone@' is not a valid email address."},
    )


def test_only_a_known_entity_kind_rules_out_a_persons_names():
    assert canonical_clean({"first_name": "Aroha"}, kind=None)[1] == {}
    assert "first_name" in canonical_clean({"first_name": "Aroha"}, kind="company")[1]


def test_default_batch_get_uses_the_core_get():
    connector = MemoryConnector([_record(n) for n in range(3)])

    records = connector.get_clients(["2", "0"])

    assert [r.external_id for r in records] == ["2", "0"]
    assert connector.gets == ["2", "0"]


def test_iter_pages_follows_next_tokens_to_the_end():
    connector = MemoryConnector([_record(n) for n in range(5)])

    pages = list(connector.iter_pages())

    assert [len(page.records) for page in pages] == [2, 2, 1]


def test_without_push_update_is_refused_in_words():
    connector = MemoryConnector([])

    assert not connector.supports(Capability.PUSH)
    with pytest.raises(NotSupported, match="Memory does not let Tandem change its clients"):
        connector.update_client("1", {"display_name": "New"})


def test_declaring_push_without_update_is_a_programming_error():
    with pytest.raises(TypeError, match="PUSH"):

        class Careless(MemoryConnector):
            capabilities = Capability.PUSH
