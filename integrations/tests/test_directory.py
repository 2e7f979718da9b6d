"""The directory of a connection's external records, refreshed from the XPM sandbox."""

from datetime import timedelta

import pytest

from integrations.connectors.xpm import XpmConnector
from integrations.directory import (
    directory_entries,
    directory_refresh,
    directory_refresh_if_stale,
    directory_search,
)
from integrations.exceptions import DirectoryRefreshFailed
from integrations.models import Directory, DirectoryEntry
from matching.cache import candidate_index_clear

pytestmark = pytest.mark.django_db


def listed_count(sandbox) -> int:
    """Clients XPM's paged list returns: archived ones are left out."""
    return sum(not client.is_archived for client in sandbox.store.clients_live())


def test_the_first_refresh_lists_every_client(xpm_sandbox, xpm_connection):
    result = directory_refresh(connection=xpm_connection)

    assert result.full
    saved = DirectoryEntry.objects.filter(connection=xpm_connection).count()
    assert saved == result.records_saved
    assert saved + len(result.problems) == listed_count(xpm_sandbox)
    seeded = xpm_sandbox.store.clients_live()[0]
    entry = DirectoryEntry.objects.get(connection=xpm_connection, external_id=seeded.uuid)
    assert entry.display_name == seeded.name
    assert xpm_sandbox.stats["api_calls_by_endpoint"] == {"client.api/paged-list": 1}


def test_a_later_refresh_asks_only_for_changes_since_the_high_water_mark(
    xpm_sandbox, xpm_connection
):
    directory_refresh(connection=xpm_connection)
    mark = Directory.objects.get(connection=xpm_connection).refreshed_through
    changed = xpm_sandbox.store.clients_live()[3]
    # Saved in the very second the last refresh started: the boundary must not lose it.
    xpm_sandbox.store.client_update(changed.uuid, {"name": "Renamed At The Boundary"}, mark)
    xpm_sandbox.reset_stats()

    result = directory_refresh(connection=xpm_connection)

    assert not result.full
    assert result.records_saved == 1
    assert DirectoryEntry.objects.get(external_id=changed.uuid).display_name == (
        "Renamed At The Boundary"
    )
    assert xpm_sandbox.stats["api_calls_by_endpoint"] == {"client.api/list": 1}


def test_a_failure_part_way_keeps_the_pages_read_and_says_so(
    xpm_sandbox, xpm_connection, monkeypatch
):
    monkeypatch.setattr(XpmConnector, "PAGE_SIZE", 50)
    list_clients = XpmConnector.list_clients

    def fail_after_the_first_page(connector, page_token=None, modified_since=None):
        if page_token is not None:
            xpm_sandbox.set_fault("token_revoked")
        return list_clients(connector, page_token=page_token, modified_since=modified_since)

    monkeypatch.setattr(XpmConnector, "list_clients", fail_after_the_first_page)

    with pytest.raises(DirectoryRefreshFailed) as failure:
        directory_refresh(connection=xpm_connection)

    assert failure.value.records_saved == 50
    assert "the 50 records read before it were kept" in failure.value.message
    assert DirectoryEntry.objects.filter(connection=xpm_connection).count() == 50
    # Not complete, so the next refresh lists everything again.
    assert Directory.objects.get(connection=xpm_connection).refreshed_through is None


def test_a_fresh_directory_is_not_refreshed_again(xpm_sandbox, xpm_connection, settings):
    settings.DIRECTORY_MAX_AGE_MINUTES = 15
    assert directory_refresh_if_stale(connection=xpm_connection) is not None
    xpm_sandbox.reset_stats()

    assert directory_refresh_if_stale(connection=xpm_connection) is None
    assert xpm_sandbox.stats["api_calls"] == 0

    Directory.objects.filter(connection=xpm_connection).update(
        refreshed_at=Directory.objects.get(connection=xpm_connection).refreshed_at
        - timedelta(minutes=16)
    )
    assert directory_refresh_if_stale(connection=xpm_connection) is not None


def test_search_ranks_the_named_client_first_with_a_reason(xpm_sandbox, xpm_connection):
    # Test databases reuse primary keys, so another test's index may sit under this key.
    candidate_index_clear()
    directory_refresh(connection=xpm_connection)
    wanted = directory_entries(connection=xpm_connection)[7]

    found = directory_search(connection=xpm_connection, query=wanted.display_name.upper())

    entry, candidate = found[0]
    assert entry == wanted
    assert "name" in candidate.explanation
