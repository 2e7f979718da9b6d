"""The agent's calls to Tandem when Tandem or the network misbehaves (no server needed)."""

import json
import time

import httpx
import pytest
from tandem_agent.client import TandemApi
from tandem_agent.errors import AgentError
from tandem_agent.state import Credentials

SERVER = "http://tandem.test"


def api_with(tmp_path, answers, *, retries=6):
    """A TandemApi whose requests get `answers` in turn (a Response, or an exception raised);
    returns it with the list of pauses it made and the requests it sent."""
    sleeps: list[float] = []
    sent: list[httpx.Request] = []
    queue = list(answers)

    def handle(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        answer = queue.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    credentials = Credentials(
        server=SERVER,
        client_id="tandem-agent",
        token_endpoint=f"{SERVER}/o/token/",
        refresh_token="refresh-1",
        access_token="access-1",
        access_token_expires_at=time.time() + 600,
    )
    api = TandemApi(
        credentials,
        state_dir=tmp_path,
        http=httpx.Client(transport=httpx.MockTransport(handle)),
        retries=retries,
        sleep=sleeps.append,
    )
    return api, sleeps, sent


ACCEPTED = httpx.Response(200, json={"created": 1, "updated": 0, "unchanged": 0, "refused": []})


def test_a_429_waits_as_long_as_retry_after_says(tmp_path):
    api, sleeps, _ = api_with(
        tmp_path, [httpx.Response(429, headers={"Retry-After": "7"}), ACCEPTED]
    )

    assert api.clients_send([{"code": "A1"}])["created"] == 1
    assert sleeps == [7.0]


def test_server_and_network_errors_are_tried_again_with_growing_pauses(tmp_path):
    api, sleeps, sent = api_with(
        tmp_path,
        [httpx.Response(503), httpx.ConnectError("refused"), httpx.Response(502), ACCEPTED],
    )

    api.clients_send([{"code": "A1"}])

    assert len(sent) == 4
    assert [int(pause) for pause in sleeps] == [1, 2, 4]


def test_it_gives_up_after_its_retries_with_one_readable_line(tmp_path):
    api, sleeps, _ = api_with(tmp_path, [httpx.Response(500)] * 3, retries=2)

    with pytest.raises(AgentError, match="Tandem answered 500 Internal Server Error; tried 3"):
        api.clients_send([{"code": "A1"}])
    assert len(sleeps) == 2


def test_a_refusal_is_not_retried_and_shows_tandems_reason(tmp_path):
    problem = httpx.Response(409, json={"detail": "APS is not activated for Harbour."})
    api, sleeps, _ = api_with(tmp_path, [problem])

    with pytest.raises(AgentError, match="Tandem refused the request: APS is not activated"):
        api.clients_send([])
    assert sleeps == []


def test_a_rejected_access_token_is_renewed_once_and_the_rotated_refresh_token_kept(tmp_path):
    renewed = httpx.Response(
        200, json={"access_token": "access-2", "refresh_token": "refresh-2", "expires_in": 600}
    )
    api, _, sent = api_with(tmp_path, [httpx.Response(401), renewed, ACCEPTED])

    api.clients_send([])

    assert sent[1].url == f"{SERVER}/o/token/"
    assert "refresh_token=refresh-1" in sent[1].content.decode()
    assert sent[2].headers["Authorization"] == "Bearer access-2"
    saved = json.loads((tmp_path / "credentials.json").read_text())
    assert saved["refresh_token"] == "refresh-2"


def test_a_revoked_sign_in_says_to_log_in_again(tmp_path):
    api, _, _ = api_with(
        tmp_path, [httpx.Response(401), httpx.Response(400, json={"error": "invalid_grant"})]
    )

    with pytest.raises(AgentError, match="run “tandem-agent login”"):
        api.clients_send([])
