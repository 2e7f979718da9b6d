"""The store's feed order, keyset pages, and the Python API tests use to change clients."""

from datetime import UTC, datetime

import pytest

from sandbox.cms.store import (
    Account,
    Client,
    CmsStore,
    PageTokenError,
    StoreError,
    page_token_decode,
    page_token_encode,
)
from sandbox.xpm.clock import ManualClock

NOON = datetime(2025, 6, 30, 12, tzinfo=UTC)


def client(client_id: str, updated_at: datetime = NOON) -> Client:
    return Client(
        id=client_id,
        kind="individual",
        fields={"display_name": client_id.title()},
        date_of_birth=None,
        archived=False,
        updated_at=updated_at,
    )


@pytest.fixture
def clock():
    return ManualClock(start=NOON.timestamp() + 2 * 3600)


@pytest.fixture
def store(clock):
    # Five clients updated in one instant (a bulk import), then one later.
    later = datetime(2025, 6, 30, 13, tzinfo=UTC)
    return CmsStore(
        users=[],
        accounts=[Account("a", "Kauri Home Care")],
        clients={"a": [client(name) for name in "edcba"] + [client("f", later)]},
        clock=clock,
    )


def ids(found: list[Client]) -> list[str]:
    return [c.id for c in found]


def test_clients_are_ordered_by_updated_at_then_id(store):
    assert ids(store.clients("a")) == ["a", "b", "c", "d", "e", "f"]


def test_pages_of_two_through_ties_lose_and_repeat_nothing(store):
    seen, after = [], None
    while True:
        page, token = store.clients_page("a", since=None, after=after, limit=2)
        seen += ids(page)
        if token is None:
            break
        _, after = page_token_decode(token)

    assert seen == ["a", "b", "c", "d", "e", "f"]


def test_since_is_inclusive_and_carried_by_the_token(store):
    page, token = store.clients_page("a", since=NOON, after=None, limit=5)
    since, after = page_token_decode(token)
    rest, last_token = store.clients_page("a", since=since, after=after, limit=5)

    assert ids(page) == ["a", "b", "c", "d", "e"]
    assert (since, ids(rest), last_token) == (NOON, ["f"], None)


def test_a_full_last_page_has_no_next_token(store):
    page, token = store.clients_page("a", since=None, after=None, limit=6)

    assert (len(page), token) == (6, None)


def test_an_update_moves_the_client_to_now_at_the_end(store, clock):
    updated = store.client_update("a", "b", email="b@example.com", date_of_birth="1941-03-09")

    assert updated.updated_at == datetime.fromtimestamp(clock(), UTC)
    assert ids(store.clients("a"))[-1] == "b"
    assert store.client_get("a", "b").record()["email"] == "b@example.com"


def test_updated_at_never_goes_backwards_when_the_clock_stands_still(store):
    first = store.client_archive("a", "a").updated_at
    second = store.client_archive("a", "b").updated_at

    assert second > first
    assert ids(store.clients("a"))[-2:] == ["a", "b"]


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colour": "blue"}, "Not client fields: colour."),
        ({"kind": "robot"}, "kind must be one of individual, company, trust, partnership"),
        ({"date_of_birth": "09/03/1941"}, "date_of_birth '09/03/1941' is not YYYY-MM-DD."),
        ({"phone": None}, 'phone must be text; use "" for none.'),
        ({"display_name": ""}, "display_name cannot be empty."),
    ],
)
def test_a_refused_change_leaves_the_client_as_it_was(store, changes, message):
    before = store.client_get("a", "c").record()

    with pytest.raises(StoreError, match=message):
        store.client_update("a", "c", **changes)

    assert store.client_get("a", "c").record() == before
    assert ids(store.clients("a")) == ["a", "b", "c", "d", "e", "f"]


def test_an_added_client_is_last_with_empty_text_fields(store):
    added = store.client_add("a", kind="company", display_name="Totara Care Ltd")

    assert ids(store.clients("a"))[-1] == added.id
    assert added.record()["company_number"] == ""


def test_unknown_accounts_and_clients_are_named(store):
    with pytest.raises(StoreError, match=r"No account z\."):
        store.clients("z")
    with pytest.raises(StoreError, match=r"Account a has no client z\."):
        store.client_archive("a", "z")


@pytest.mark.parametrize("token", ["", "!!!", "bm9wZQ", "eyJzIjogbnVsbH0"])
def test_a_token_not_issued_here_is_refused(token):
    with pytest.raises(PageTokenError):
        page_token_decode(token)


def test_a_token_round_trips():
    assert page_token_decode(page_token_encode(since=None, after=client("x"))) == (
        None,
        (NOON, "x"),
    )
