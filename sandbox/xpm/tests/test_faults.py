"""Every fault switch, its `times` and `path` limits, and the HTTP controls for other processes."""

import json

import httpx
import pytest

from sandbox.xpm.faults import FaultError
from sandbox.xpm.tests.conftest import api_client, refresh, tokens_get
from sandbox.xpm.tests.spec import assert_xpm_response, needs_spec


def test_rate_limit_minute_answers_429_naming_the_minute_limit(xpm, api):
    xpm.set_fault("rate_limit_minute", times=1)

    refused = api.get("client.api/paged-list")

    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert refused.headers["Retry-After"] == "30"
    assert api.get("client.api/paged-list").status_code == 200


def test_rate_limit_day_answers_429_with_a_long_wait(xpm, api):
    xpm.set_fault("rate_limit_day", retry_after=50_000)

    refused = api.get("client.api/paged-list")

    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "day"
    assert refused.headers["Retry-After"] == "50000"
    assert refused.headers["X-DayLimit-Remaining"] == "0"


@needs_spec
def test_server_error_answers_500_in_the_spec_shape(xpm, api):
    xpm.set_fault("server_error", times=1)

    answer = api.get("client.api/paged-list")

    assert answer.status_code == 500
    assert_xpm_response(answer)
    assert api.get("client.api/paged-list").status_code == 200


def test_server_error_can_hit_the_token_endpoint(xpm):
    xpm.set_fault("server_error", path="/connect/token")
    code = xpm.consent_code()

    answer = httpx.post(
        xpm.token_url,
        data={"grant_type": "authorization_code", "code": code},
        auth=("tandem-sandbox", "tandem-sandbox-secret"),
    )

    assert answer.status_code == 500


def test_unavailable_answers_503_with_retry_after_when_given(xpm, api):
    xpm.set_fault("unavailable", retry_after=7, times=1)

    answer = api.get("client.api/paged-list")

    assert answer.status_code == 503
    assert answer.headers["Retry-After"] == "7"


def test_slow_delays_a_call_that_then_succeeds(xpm, api):
    xpm.set_fault("slow", delay=0.2, times=1)

    assert api.get("clientgroup.api/list").status_code == 200
    assert xpm.switchboard.snapshot() == []


def test_malformed_json_cuts_a_200_body_short(xpm, api):
    xpm.set_fault("malformed_json", times=1)

    answer = api.get("client.api/paged-list")

    assert answer.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        answer.json()


def test_absurd_record_spoils_the_answer_but_not_the_store(xpm, api):
    xpm.set_fault("absurd_record", times=1)
    first, second = xpm.store.clients_page(start=0, size=2)[0]

    clients = api.get("client.api/paged-list", params={"pageSize": 2}).json()["clients"]

    assert len(clients[0]["name"]) == 10_000
    assert clients[0]["dateOfBirth"].startswith("1066-")
    assert clients[0]["email"] == "not-an-email"
    assert "name" not in clients[1]
    assert clients[1]["uuid"] == second.uuid
    assert first.name != clients[0]["name"]
    assert api.get(f"client.api/get/{first.uuid}").json()["client"]["name"] == first.name


def test_absurd_record_applies_to_a_single_client_too(xpm, api):
    xpm.set_fault("absurd_record", times=1)

    client = api.get(f"client.api/get/{xpm.store.clients[0].uuid}").json()["client"]

    assert client["email"] == "not-an-email"


def test_cut_short_page_gives_fewer_records_and_a_next_link_to_nowhere(xpm, api):
    xpm.set_fault("cut_short_page", times=1)

    body = api.get("client.api/paged-list", params={"pageSize": 10}).json()

    assert len(body["clients"]) < 10
    following = api.get(body["pagination"]["links"]["next"])
    assert following.status_code == 400
    assert following.json()["errorDescription"] == "pageToken is invalid or expired."


def test_cut_short_page_truncated_cuts_the_body_inside_the_array(xpm, api):
    xpm.set_fault("cut_short_page", mode="truncated", times=1)

    answer = api.get("client.api/paged-list", params={"pageSize": 10})

    assert answer.status_code == 200
    assert answer.text.startswith('{"status":"OK","clients":[{')
    with pytest.raises(json.JSONDecodeError):
        answer.json()


def test_cut_short_page_applies_to_contact_pages_too(xpm, api):
    xpm.set_fault("cut_short_page", times=1)

    body = api.get("client.api/contacts", params={"pageSize": 10}).json()

    assert len(body["contacts"]) < 10
    assert api.get(body["pagination"]["links"]["next"]).status_code == 400


def test_token_expired_answers_401_while_refresh_still_works(xpm):
    tokens = tokens_get(xpm)
    xpm.set_fault("token_expired", times=1)

    with api_client(xpm, tokens["access_token"]) as api:
        assert api.get("clientgroup.api/list").status_code == 401
        assert api.get("clientgroup.api/list").status_code == 200
    assert refresh(xpm, tokens["refresh_token"]).status_code == 200


def test_token_revoked_refuses_refresh_and_api_calls(xpm):
    tokens = tokens_get(xpm)
    xpm.set_fault("token_revoked")

    assert refresh(xpm, tokens["refresh_token"]).json()["error"] == "invalid_grant"
    with api_client(xpm, tokens["access_token"]) as api:
        assert api.get("clientgroup.api/list").status_code == 401


def test_lost_refresh_response_rotates_then_drops_the_connection(xpm):
    tokens = tokens_get(xpm)
    xpm.set_fault("lost_refresh_response", times=1)

    with pytest.raises(httpx.RemoteProtocolError):
        refresh(xpm, tokens["refresh_token"])

    assert xpm.stats["token_calls"]["refresh_token"] == 1
    retried = refresh(xpm, tokens["refresh_token"])
    assert retried.status_code == 200
    with api_client(xpm, retried.json()["access_token"]) as api:
        assert api.get("clientgroup.api/list").status_code == 200


def test_times_counts_only_requests_the_fault_applies_to(xpm, api):
    xpm.set_fault("absurd_record", times=1)

    api.get("clientgroup.api/list")
    spoiled = api.get("client.api/paged-list", params={"pageSize": 1}).json()["clients"][0]

    assert spoiled["email"] == "not-an-email"
    assert xpm.switchboard.snapshot() == []


def test_path_narrows_a_fault(xpm, api):
    xpm.set_fault("server_error", path="client.api/contacts")

    assert api.get("client.api/paged-list").status_code == 200
    assert api.get("client.api/contacts").status_code == 500


def test_clear_faults_switches_everything_off(xpm, api):
    xpm.set_fault("server_error")
    xpm.clear_faults()

    assert api.get("client.api/paged-list").status_code == 200


@pytest.mark.parametrize(
    ("name", "params", "message"),
    [
        ("meteor_strike", {}, "Unknown fault 'meteor_strike'"),
        ("slow", {"seconds": 3}, "takes no parameter seconds"),
        ("cut_short_page", {"mode": "sideways"}, "mode must be one of"),
        ("server_error", {"times": 0}, "times must be a positive whole number"),
    ],
)
def test_bad_fault_requests_are_refused_with_a_reason(xpm, name, params, message):
    with pytest.raises(FaultError, match=message):
        xpm.set_fault(name, **params)


def test_faults_and_stats_can_be_driven_over_http(xpm, api):
    controls = f"{xpm.base_url}/_sandbox"

    made = httpx.post(f"{controls}/faults", json={"fault": "unavailable", "times": 1})
    refused = api.get("client.api/paged-list")
    unknown = httpx.post(f"{controls}/faults", json={"fault": "meteor_strike"})
    httpx.post(f"{controls}/faults", json={"fault": "server_error"})
    cleared = httpx.delete(f"{controls}/faults")
    stats = httpx.get(f"{controls}/stats").json()

    assert made.status_code == 201
    assert made.json()["faults"] == [
        {"fault": "unavailable", "times": 1, "path": None, "retry_after": None}
    ]
    assert refused.status_code == 503
    assert unknown.status_code == 400
    assert "meteor_strike" in unknown.json()["error"]
    assert cleared.status_code == 204
    assert api.get("client.api/paged-list").status_code == 200
    assert stats["api_calls"] == 1
    assert stats["api_status"] == {"503": 1}
    assert stats["token_calls"] == {"authorization_code": 1}


def test_stats_can_be_reset_over_http(xpm, api):
    api.get("clientgroup.api/list")

    assert httpx.delete(f"{xpm.base_url}/_sandbox/stats").status_code == 204
    assert httpx.get(f"{xpm.base_url}/_sandbox/stats").json()["api_calls"] == 0
