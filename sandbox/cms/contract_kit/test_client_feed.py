"""Does a CMS's client feed keep Tandem's contract? Schema, paging, "changed since", errors.

The account behind the token needs at least 8 clients, some sharing an updated_at if ties are
to be checked. The kit only reads.
"""

import base64
import json
import uuid
from datetime import timedelta, timezone

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey

from .contract import order_key

MIN_CLIENTS = 8


def page_through(feed, contract, *, limit: int, **params) -> tuple[list[dict], list[int]]:
    """Every client the listing gives from its first page, and the size of each page."""
    records, sizes = [], []
    query = {"limit": limit, **params}
    while True:
        response = feed.get("/clients", params=query)
        assert response.status_code == 200, response.text
        contract.check(response, path="/clients")
        body = response.json()
        records += body["clients"]
        sizes.append(len(body["clients"]))
        if body["next_page_token"] is None:
            return records, sizes
        assert len(sizes) <= 10_000, "The feed never ends: next_page_token is never null."
        query = {"limit": limit, "page_token": body["next_page_token"]}


@pytest.fixture(scope="module")
def everyone(feed_url, tokens, contract) -> list[dict]:
    with httpx.Client(
        base_url=feed_url, headers={"Authorization": f"Bearer {tokens.get()}"}, timeout=30
    ) as client:
        records, _ = page_through(client, contract, limit=1000)
    assert len(records) >= MIN_CLIENTS, (
        f"The kit needs an account with at least {MIN_CLIENTS} clients; this one lists "
        f"{len(records)}."
    )
    return records


def problem_check(response, contract, *, path: str, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    contract.check(response, path=path)
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)


# Listing and getting


def test_a_page_matches_the_contract(feed, contract):
    response = feed.get("/clients", params={"limit": 5})

    assert response.status_code == 200, response.text
    contract.check(response, path="/clients")
    assert len(response.json()["clients"]) <= 5


def test_the_default_page_holds_at_most_200(feed, contract, everyone):
    response = feed.get("/clients")

    contract.check(response, path="/clients")
    assert len(response.json()["clients"]) == min(200, len(everyone))


def test_the_listing_is_ordered_by_updated_at_then_id_without_repeats(everyone):
    keys = [order_key(record) for record in everyone]

    assert keys == sorted(keys)
    assert len({record["id"] for record in everyone}) == len(everyone)


def test_small_pages_list_every_client_once_and_are_full_but_the_last(feed, contract, everyone):
    limit = max(1, len(everyone) // 5)

    records, sizes = page_through(feed, contract, limit=limit)

    assert [r["id"] for r in records] == [r["id"] for r in everyone]
    assert all(size == limit for size in sizes[:-1]), f"Page sizes {sizes} at limit {limit}"
    assert 1 <= sizes[-1] <= limit


def test_pages_of_one_lose_no_client_sharing_an_updated_at(feed, contract, everyone):
    stamps = [order_key(record)[0] for record in everyone]
    tied = sorted({stamp for stamp in stamps if stamps.count(stamp) > 1})
    if not tied:
        pytest.skip("No two clients share an updated_at, so ties cannot be checked.")
    since = tied[0]
    expected = [r["id"] for r in everyone if order_key(r)[0] >= since]

    records, _ = page_through(feed, contract, limit=1, updated_since=since.isoformat())

    assert [r["id"] for r in records] == expected


def test_get_answers_the_listed_record(feed, contract, everyone):
    archived = [record for record in everyone if record["archived"]]
    for record in everyone[:3] + archived[:1]:
        response = feed.get(f"/clients/{record['id']}")

        assert response.status_code == 200, response.text
        contract.check(response, path="/clients/{id}".replace("{id}", record["id"]))
        assert response.json() == record


# Changed since


def test_updated_since_keeps_clients_updated_at_or_after_it(feed, contract, everyone):
    pivot = everyone[len(everyone) // 2]
    since = order_key(pivot)[0]
    expected = [r["id"] for r in everyone if order_key(r)[0] >= since]

    records, _ = page_through(
        feed, contract, limit=3, updated_since=since.isoformat().replace("+00:00", "Z")
    )

    assert pivot["id"] in [r["id"] for r in records], "updated_since must be inclusive"
    assert [r["id"] for r in records] == expected


def test_updated_since_reads_any_utc_offset(feed, contract, everyone):
    since = order_key(everyone[len(everyone) // 3])[0]
    in_auckland = since.astimezone(timezone(timedelta(hours=12))).isoformat()
    expected = [r["id"] for r in everyone if order_key(r)[0] >= since]

    records, _ = page_through(feed, contract, limit=1000, updated_since=in_auckland)

    assert [r["id"] for r in records] == expected


def test_updated_since_after_every_change_is_an_empty_last_page(feed, contract, everyone):
    later = max(order_key(r)[0] for r in everyone) + timedelta(seconds=1)

    response = feed.get("/clients", params={"updated_since": later.isoformat()})

    contract.check(response, path="/clients")
    assert response.json() == {"clients": [], "next_page_token": None}


# Refusals


@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "1001"},
        {"limit": "ten"},
        {"updated_since": "yesterday"},
        {"page_token": "not-a-token-this-feed-issued"},
    ],
    ids=["limit-0", "limit-1001", "limit-text", "updated-since-text", "page-token-unknown"],
)
def test_bad_parameters_are_invalid_request_problems(feed, contract, params):
    response = feed.get("/clients", params=params)

    problem_check(response, contract, path="/clients", status=400, code="invalid_request")


def test_an_unknown_client_is_a_not_found_problem(feed, contract):
    client_id = f"no-such-client-{uuid.uuid4().hex}"

    response = feed.get(f"/clients/{client_id}")

    problem_check(response, contract, path=f"/clients/{client_id}", status=404, code="not_found")


@pytest.mark.parametrize("path", ["/clients", "/clients/any"])
def test_no_token_is_an_unauthorized_problem(anonymous, contract, path):
    response = anonymous.get(path)

    problem_check(response, contract, path=path, status=401, code="unauthorized")


def _segments(token: str) -> list[str]:
    return token.split(".")


def _b64(value: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")


def _claims(token: str) -> dict:
    payload = _segments(token)[1]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def _header(token: str) -> dict:
    header = _segments(token)[0]
    return json.loads(base64.urlsafe_b64decode(header + "=" * (-len(header) % 4)))


BAD_TOKENS = {
    "not-a-jwt": lambda good: "not-a-jwt",
    "signature-changed": lambda good: good[:-6] + ("AAAAAA" if good[-6:] != "AAAAAA" else "BBBBBB"),
    "claims-changed": lambda good: ".".join(
        [_segments(good)[0], _b64(_claims(good) | {"account_id": "another"}), _segments(good)[2]]
    ),
    "signed-by-another-key-same-kid": lambda good: jwt.encode(
        _header(good), _claims(good), RSAKey.generate_key(2048)
    ),
    "signed-by-an-unknown-key": lambda good: jwt.encode(
        {"alg": "RS256", "kid": f"unknown-{uuid.uuid4().hex}"},
        _claims(good),
        RSAKey.generate_key(2048),
    ),
    "alg-none": lambda good: ".".join(
        [_b64({"alg": "none", "typ": "JWT"}), _segments(good)[1], ""]
    ),
}


@pytest.mark.parametrize("kind", BAD_TOKENS)
def test_a_bad_token_is_an_unauthorized_problem(anonymous, tokens, contract, kind):
    token = BAD_TOKENS[kind](tokens.get())

    response = anonymous.get("/clients", headers={"Authorization": f"Bearer {token}"})

    problem_check(response, contract, path="/clients", status=401, code="unauthorized")


def test_a_token_in_another_scheme_is_unauthorized(anonymous, tokens, contract):
    response = anonymous.get("/clients", headers={"Authorization": f"Basic {tokens.get()}"})

    problem_check(response, contract, path="/clients", status=401, code="unauthorized")


@pytest.mark.parametrize("path", ["/clients", "/clients/any"])
def test_a_token_for_an_account_not_connected_is_forbidden(
    anonymous, forbidden_token, contract, path
):
    response = anonymous.get(path, headers={"Authorization": f"Bearer {forbidden_token}"})

    problem_check(response, contract, path=path, status=403, code="forbidden")
