"""The client feed over loopback: answers, "changed since" after edits, refusals, faults."""

import json
from datetime import datetime

import httpx
import pytest

from sandbox.cms.tests.conftest import TANDEM_SUB, token_for


def listing(feed: httpx.Client, **params) -> list[dict]:
    records, query = [], {"limit": 1000, **params}
    while True:
        body = feed.get("/clients", params=query).raise_for_status().json()
        records += body["clients"]
        if body["next_page_token"] is None:
            return records
        query = {"limit": query["limit"], "page_token": body["next_page_token"]}


def test_the_listing_is_the_account_in_feed_order(cms, account, feed):
    records = listing(feed)

    assert [r["id"] for r in records] == [c.id for c in cms.clients(account.id)]
    assert records[0] == cms.clients(account.id)[0].record()


def test_a_client_is_got_by_id_and_another_accounts_is_not_found(cms, account, feed):
    mine = cms.clients(account.id)[3]
    theirs = cms.clients(cms.accounts[1].id)[0]

    assert feed.get(f"/clients/{mine.id}").json() == mine.record()
    refused = feed.get(f"/clients/{theirs.id}")
    assert refused.status_code == 404
    assert refused.json()["code"] == "not_found"


def test_changed_since_lists_clients_edited_added_and_archived_after_it(cms, account, feed):
    before = listing(feed)
    since = datetime.fromisoformat(before[-1]["updated_at"])
    old = cms.clients(account.id)

    edited = cms.client_update(account.id, old[0].id, phone="09 555 0101")
    archived = cms.client_archive(account.id, old[1].id)
    added = cms.client_add(account.id, kind="individual", display_name="Aroha Ngata")
    changed = listing(feed, updated_since=since.isoformat())

    assert [r["id"] for r in changed] == [before[-1]["id"], edited.id, archived.id, added.id]
    assert changed[1]["phone"] == "09 555 0101"
    assert changed[2]["archived"] is True
    assert changed[3]["first_name"] == ""


def test_a_client_changed_while_paging_is_listed_again_at_the_end(cms, account, feed):
    first = feed.get("/clients", params={"limit": 10}).json()
    moved = cms.client_update(account.id, first["clients"][0]["id"], email="new@example.com")
    seen = {record["id"] for record in first["clients"]} - {moved.id}

    rest = listing(feed, page_token=first["next_page_token"], limit=7)

    assert [r["id"] for r in rest] == [c.id for c in cms.clients(account.id) if c.id not in seen]
    assert rest[-1]["id"] == moved.id


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"limit": "1001"}, "limit must be a whole number from 1 to 1000."),
        ({"updated_since": "2025-06-30T10:00:00"}, "has no UTC offset"),
        ({"page_token": "bm9wZQ"}, "page_token is not one this feed issued."),
    ],
)
def test_bad_parameters_are_named(feed, params, detail):
    response = feed.get("/clients", params=params)

    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"
    assert detail in response.json()["detail"]


# Who may read


def test_no_token_is_challenged(cms, account):
    response = httpx.get(f"{cms.feed_url}/clients")

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == "Bearer"


@pytest.mark.parametrize(
    "claims",
    [
        {"audience": "another-cms"},
        {"issuer": "https://impostor.test"},
        {"issued_at": 1_700_000_000},
        {"lifetime_seconds": 3600},
    ],
    ids=["audience", "issuer", "expired", "lives-an-hour"],
)
def test_a_token_not_meant_for_this_feed_is_refused(cms, account, signing_key, claims):
    token = token_for(signing_key, account.id, **claims)

    response = httpx.get(f"{cms.feed_url}/clients", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'


@pytest.mark.parametrize(
    ("account_index", "subject"),
    [(1, TANDEM_SUB), (0, "another-tandem-user")],
    ids=["account-not-connected", "connected-by-someone-else"],
)
def test_a_token_naming_no_connection_is_forbidden(
    cms, account, signing_key, account_index, subject
):
    token = token_for(signing_key, cms.accounts[account_index].id, subject=subject)

    response = httpx.get(f"{cms.feed_url}/clients", headers={"Authorization": f"Bearer {token}"})

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_a_forgotten_connection_is_forbidden(cms, account, feed):
    cms.connection_forget(account.id)

    assert feed.get("/clients").status_code == 403


# Faults


def test_rate_limited_says_when_to_retry_then_recovers(cms, feed):
    cms.set_fault("rate_limited", times=1, retry_after=7)

    limited = feed.get("/clients")

    assert limited.status_code == 429
    assert limited.headers["Retry-After"] == "7"
    assert limited.json()["code"] == "rate_limited"
    assert feed.get("/clients").status_code == 200


def test_server_error_and_revoked_are_problems(cms, feed):
    cms.set_fault("server_error", times=1)
    cms.set_fault("revoked", times=1, path="/feed/clients/")

    assert feed.get("/clients").json()["code"] == "server_error"
    assert feed.get("/clients/any").json()["code"] == "forbidden"
    assert feed.get("/clients").status_code == 200


def test_malformed_json_is_cut_in_half(cms, feed):
    cms.set_fault("malformed_json", times=1)

    response = feed.get("/clients")

    assert response.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        response.json()


def test_a_cut_short_page_loses_records_behind_a_next_token(cms, account, feed):
    cms.set_fault("cut_short_page", times=1)

    page = feed.get("/clients", params={"limit": 10}).json()
    rest = listing(feed, page_token=page["next_page_token"])

    assert len(page["clients"]) == 5
    assert len(page["clients"]) + len(rest) == len(cms.clients(account.id)) - 5


def test_a_garbage_record_sits_among_good_ones(cms, account, feed):
    cms.set_fault("garbage_record", times=1)

    records = feed.get("/clients", params={"limit": 10}).json()["clients"]

    assert [r["kind"] for r in records].count("spaceship") == 1
    assert records[5]["id"] == cms.clients(account.id)[5].id
    assert records[4] == cms.clients(account.id)[4].record()


def test_faults_are_switched_over_http(cms):
    url = f"{cms.url}/_sandbox/faults"

    on = httpx.post(url, json={"fault": "slow", "delay": 0.01, "times": 2})
    refused = httpx.post(url, json={"fault": "meteor"})
    off = httpx.delete(url)

    assert on.json() == [{"fault": "slow", "times": 2, "path": None, "delay": 0.01}]
    assert refused.status_code == 400
    assert "Unknown fault 'meteor'" in refused.text
    assert off.json() == []
