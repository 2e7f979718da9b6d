"""Paging through a practice of 100,000 clients in large pages."""

import pytest

from sandbox.xpm import XpmSandbox
from sandbox.xpm.app import MAX_PAGE_SIZE
from sandbox.xpm.tests.conftest import api_client, tokens_get


@pytest.fixture(scope="module")
def large_xpm():
    with XpmSandbox(clients=100_000, seed=1, rate_limits=False) as sandbox:
        yield sandbox


def test_100000_clients_come_in_one_call_per_full_page(large_xpm):
    listed = [c.uuid for c in large_xpm.store.clients if not c.is_archived and not c.is_deleted]
    large_xpm.reset_stats()
    seen = []
    with api_client(large_xpm, tokens_get(large_xpm)["access_token"]) as api:
        url = f"client.api/paged-list?pageSize={MAX_PAGE_SIZE}"
        while url:
            body = api.get(url).json()
            seen += [client["uuid"] for client in body["clients"]]
            url = body["pagination"]["links"].get("next")

    assert seen == listed
    assert large_xpm.stats["api_calls_by_endpoint"] == {
        "client.api/paged-list": -(-len(listed) // MAX_PAGE_SIZE)
    }
