"""What every connector must do, checked against its sandbox (after vdirsyncer's StorageTests).

A connector's test module subclasses `ConnectorContract` and provides these fixtures:
- `connector`: a Connector connected to an account of the provider's sandbox, with pages small
  enough that the seeded records span several;
- `listed_ids`: the external ids a full listing must return, exactly;
- `search_case`: (query, the external ids a search for it must return);
- `touch`: a function that marks the given records as changed at a datetime it returns, no
  earlier than any change made before the call;
- `changed_since`: a function giving the external ids the provider holds as changed at or after
  a datetime (what a `modified_since` listing must return, exactly).
"""

from datetime import date

import pytest

from integrations.connectors.base import KINDS, Capability, Connector, canonical_clean
from integrations.connectors.registry import connector_class
from integrations.exceptions import RecordNotFound


class ConnectorContract:
    def _all_pages(self, connector: Connector):
        return list(connector.iter_pages())

    def test_declares_itself_to_the_registry(self, connector):
        cls = type(connector)
        assert connector_class(cls.key) is cls
        assert cls.display_name
        assert cls.short_name
        assert cls.description
        properties = cls.config_schema["properties"]
        for name in cls.config_schema.get("required", []):
            assert properties[name]["description"]
            assert properties[name]["x-setting"]

    def test_paging_reaches_every_record_exactly_once(self, connector, listed_ids):
        pages = self._all_pages(connector)
        ids = [record.external_id for page in pages for record in page.records]

        assert len(pages) > 1, "the fixture should make pages small enough to page"
        assert len(ids) == len(set(ids))
        assert set(ids) == listed_ids
        assert all(not page.problems for page in pages)

    def test_records_hold_valid_canonical_values(self, connector):
        records = [record for page in self._all_pages(connector) for record in page.records]

        assert records
        for record in records:
            assert record.external_id
            assert record.display_name
            assert record.kind is None or record.kind in KINDS
            assert set(record.fields) <= connector.field_mapping.canonical_fields
            # Already in the form Tandem stores: cleaning them again changes nothing.
            assert canonical_clean(record.fields, kind=record.kind) == (record.fields, {})

    def test_search_finds_the_matching_records(self, connector, search_case):
        query, expected = search_case
        if not connector.supports(Capability.SEARCH):
            pytest.skip("the connector does not search")

        page = connector.search(query)

        assert {record.external_id for record in page.records} == expected

    def test_an_empty_search_browses_every_record(self, connector, listed_ids):
        seen, token = set(), None
        while True:
            page = connector.search("", page_token=token)
            seen |= {record.external_id for record in page.records}
            if page.next_token is None:
                break
            token = page.next_token

        assert seen == listed_ids

    def test_get_client_returns_the_record_as_listed(self, connector):
        listed = connector.list_clients().records[0]

        fetched = connector.get_client(listed.external_id)

        assert fetched.external_id == listed.external_id
        assert fetched.fields == listed.fields
        assert fetched.kind == listed.kind

    def test_get_clients_returns_each_asked_for(self, connector):
        wanted = [record.external_id for record in connector.list_clients().records[:3]]

        assert [record.external_id for record in connector.get_clients(wanted)] == wanted

    def test_an_unknown_client_is_not_found(self, connector):
        with pytest.raises(RecordNotFound):
            connector.get_client("00000000-0000-0000-0000-000000000000")

    def test_modified_since_returns_only_the_changed_records(self, connector, touch, changed_since):
        if not connector.supports(Capability.LIST_MODIFIED_SINCE):
            pytest.skip("the connector cannot list changes")
        chosen = [record.external_id for record in connector.list_clients().records[:3]]
        since = touch(chosen)

        pages = list(connector.iter_pages(modified_since=since))

        returned = {record.external_id for page in pages for record in page.records}
        assert set(chosen) <= returned
        assert returned == changed_since(since)

    def test_update_client_round_trips(self, connector):
        if not connector.supports(Capability.PUSH):
            pytest.skip("the connector does not push")
        record = next(
            r for r in connector.list_clients().records if r.kind and r.kind != "individual"
        )
        changes = {
            "phone": "+6495550199",
            "postal_line1": "PO Box 4242",
            "postal_line2": "Shortland Street",
            "website": "https://contract.example.com",
            "kind": "trust",
        }

        returned = connector.update_client(record.external_id, changes)
        fetched = connector.get_client(record.external_id)

        for result in (returned, fetched):
            assert result.kind == "trust"
            for name in ("phone", "postal_line1", "postal_line2", "website"):
                assert result.fields[name] == changes[name]
            untouched = set(record.fields) - set(changes)
            assert {n: result.fields[n] for n in untouched} == {
                n: record.fields[n] for n in untouched
            }

    def test_update_client_can_set_and_clear_a_date(self, connector):
        if not connector.supports(Capability.PUSH):
            pytest.skip("the connector does not push")
        if "date_of_birth" not in connector.field_mapping.canonical_fields:
            pytest.skip("the connector holds no dates of birth")
        record = next(r for r in connector.list_clients().records if r.kind == "individual")

        set_ = connector.update_client(record.external_id, {"date_of_birth": date(1971, 3, 9)})
        cleared = connector.update_client(record.external_id, {"date_of_birth": None})

        assert set_.fields["date_of_birth"] == date(1971, 3, 9)
        assert cleared.fields.get("date_of_birth") is None
