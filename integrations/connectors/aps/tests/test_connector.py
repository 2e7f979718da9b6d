import pytest
from django.utils import timezone

from integrations.connectors.aps import ApsConnector
from integrations.connectors.aps.services import aps_records_archive, aps_records_receive
from integrations.connectors.base import Capability
from integrations.exceptions import NotSupported
from integrations.models import DirectoryEntry
from integrations.tests.contract import ConnectorContract
from integrations.tests.factories import ConnectionFactory
from sync.tests.factories import DirectoryEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connector(aps_filled):
    connector = ApsConnector(aps_filled)
    connector.PAGE_SIZE = 50
    return connector


class TestApsContract(ConnectorContract):
    @pytest.fixture
    def listed_ids(self, aps_records):
        return set(aps_records)

    @pytest.fixture
    def search_case(self, aps_records):
        word = "Trust"
        return word, {
            code
            for code, record in aps_records.items()
            if word.casefold() in record["fields"]["display_name"].casefold()
        }

    @pytest.fixture
    def touch(self, aps_filled, admin_user, aps_records):
        def touch(external_ids):
            since = timezone.now()
            website = {"website": "https://changed.example.com"}
            changed = [
                {**aps_records[code], "fields": aps_records[code]["fields"] | website}
                for code in external_ids
            ]
            aps_records_receive(connection=aps_filled, acting_user=admin_user, records=changed)
            return since

        return touch

    @pytest.fixture
    def changed_since(self, aps_filled):
        def changed_since(since):
            entries = DirectoryEntry.objects.filter(connection=aps_filled, modified_at__gte=since)
            return set(entries.values_list("external_id", flat=True))

        return changed_since


def test_aps_is_read_only(connector):
    assert not connector.supports(Capability.PUSH)
    with pytest.raises(NotSupported, match="APS does not let Tandem change its clients"):
        connector.update_client("ANY001", {"email": "a@example.com"})


def test_a_client_gone_from_the_export_is_still_listed_but_archived(
    connector, aps_filled, admin_user, aps_records
):
    gone = next(iter(aps_records))
    aps_records_archive(connection=aps_filled, acting_user=admin_user, codes=[gone])

    listed = {r.external_id: r for page in connector.iter_pages() for r in page.records}

    assert listed[gone].archived
    assert connector.get_client(gone).archived
    assert sum(record.archived for record in listed.values()) == 1


def test_another_firms_aps_directory_is_never_read(connector, aps_records, other_firm):
    other = DirectoryEntryFactory(
        connection=ConnectionFactory(firm=other_firm, provider="aps", external_account_id="aps"),
        external_id="OTHER01",
    )

    ids = {r.external_id for page in connector.iter_pages() for r in page.records}

    assert other.external_id not in ids
    assert ids == set(aps_records)
