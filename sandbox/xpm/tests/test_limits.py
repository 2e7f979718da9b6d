"""Xero's rate limits: headers on every answer, 429s naming the limit, windows on the clock."""

import threading

import pytest

from sandbox.xpm import ManualClock
from sandbox.xpm.limits import (
    APP_MINUTE_LIMIT,
    CONCURRENT_LIMIT,
    DAY,
    DAY_LIMIT,
    MINUTE_LIMIT,
    RateLimiter,
)
from sandbox.xpm.tests.conftest import api_client, tokens_get


def test_each_answer_reports_what_is_left(limited_api):
    first = limited_api.get("clientgroup.api/list")
    second = limited_api.get("clientgroup.api/list")

    assert first.headers["X-MinLimit-Remaining"] == str(MINUTE_LIMIT - 1)
    assert first.headers["X-DayLimit-Remaining"] == str(DAY_LIMIT - 1)
    assert first.headers["X-AppMinLimit-Remaining"] == str(APP_MINUTE_LIMIT - 1)
    assert second.headers["X-MinLimit-Remaining"] == str(MINUTE_LIMIT - 2)


def test_the_61st_call_in_a_minute_is_refused_until_the_window_moves(limited_api, clock):
    for _ in range(MINUTE_LIMIT):
        assert limited_api.get("clientgroup.api/list").status_code == 200

    refused = limited_api.get("clientgroup.api/list")

    assert refused.status_code == 429
    assert refused.headers["X-Rate-Limit-Problem"] == "minute"
    assert refused.headers["Retry-After"] == "60"
    assert refused.headers["X-MinLimit-Remaining"] == "0"
    assert refused.json()["status"] == "ERROR"
    clock.advance(60)
    assert limited_api.get("clientgroup.api/list").status_code == 200


def test_limits_are_counted_per_tenant(limited_xpm):
    tokens = tokens_get(
        limited_xpm, tenant_ids=[limited_xpm.tenant_id, limited_xpm.training_tenant_id]
    )
    with api_client(limited_xpm, tokens["access_token"]) as main:
        for _ in range(MINUTE_LIMIT):
            main.get("clientgroup.api/list")
        assert main.get("clientgroup.api/list").status_code == 429
    with api_client(limited_xpm, tokens["access_token"], limited_xpm.training_tenant_id) as other:
        assert other.get("clientgroup.api/list").status_code == 200


def test_with_rate_limits_off_the_headers_show_the_full_allowance(api):
    for _ in range(MINUTE_LIMIT + 1):
        answer = api.get("clientgroup.api/list")

    assert answer.status_code == 200
    assert answer.headers["X-MinLimit-Remaining"] == str(MINUTE_LIMIT)


def test_a_sixth_call_in_flight_is_refused_as_concurrent(limited_xpm, limited_api):
    limited_xpm.set_fault("slow", delay=1.5, times=CONCURRENT_LIMIT)
    answers = []
    barrier = threading.Barrier(CONCURRENT_LIMIT + 1)

    def call() -> None:
        barrier.wait()
        answers.append(limited_api.get("clientgroup.api/list"))

    threads = [threading.Thread(target=call) for _ in range(CONCURRENT_LIMIT + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    refused = [a for a in answers if a.status_code == 429]
    assert [a.headers["X-Rate-Limit-Problem"] for a in refused] == ["concurrent"]
    assert limited_xpm.stats["api_max_in_flight"] == CONCURRENT_LIMIT + 1


@pytest.fixture
def limiter() -> RateLimiter:
    return RateLimiter(clock=ManualClock(start=0.0), enabled=True)


def test_in_flight_calls_free_their_slot_when_released(limiter):
    for _ in range(CONCURRENT_LIMIT):
        assert limiter.admit("t").problem is None

    assert limiter.admit("t").problem == "concurrent"
    limiter.release("t")
    assert limiter.admit("t").problem is None


def test_the_day_limit_refuses_call_5001_and_says_when_the_oldest_call_ages_out(limiter):
    for _ in range(DAY_LIMIT):
        # Twelve seconds apart keeps under the minute limit: 5,000 calls take 60,000 s.
        assert limiter.admit("t").problem is None
        limiter.release("t")
        limiter.clock.advance(12)

    refused = limiter.admit("t")

    assert refused.problem == "day"
    assert refused.day_remaining == 0
    assert refused.retry_after == DAY - DAY_LIMIT * 12
    limiter.clock.advance(refused.retry_after)
    assert limiter.admit("t").problem is None


def test_the_app_minute_limit_spans_every_tenant(limiter):
    tenants = APP_MINUTE_LIMIT // 50
    for tenant in range(tenants):
        for _ in range(50):
            limiter.admit(str(tenant))
            limiter.release(str(tenant))

    refused = limiter.admit("one-more-tenant")

    assert refused.problem == "appminute"
    assert refused.app_minute_remaining == 0
    assert refused.retry_after == 60
