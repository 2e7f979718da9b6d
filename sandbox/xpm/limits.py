"""Xero's API rate limits: per tenant 5 calls in flight, 60 a minute and 5,000 a day, and
10,000 a minute across the app. Windows slide; a refused call does not count."""

import math
import threading
from collections import deque
from dataclasses import dataclass, field

from sandbox.xpm.clock import Clock

CONCURRENT_LIMIT = 5
MINUTE_LIMIT = 60
DAY_LIMIT = 5000
APP_MINUTE_LIMIT = 10000
MINUTE = 60.0
DAY = 24 * 60 * 60.0


@dataclass(frozen=True)
class Admission:
    """The outcome of asking to make one call: admitted, or the limit it broke and when to retry."""

    day_remaining: int
    minute_remaining: int
    app_minute_remaining: int
    problem: str | None = None
    retry_after: int = 0

    def headers(self) -> dict[str, str]:
        return {
            "X-DayLimit-Remaining": str(self.day_remaining),
            "X-MinLimit-Remaining": str(self.minute_remaining),
            "X-AppMinLimit-Remaining": str(self.app_minute_remaining),
        }


@dataclass
class _TenantUsage:
    in_flight: int = 0
    minute: deque = field(default_factory=deque)
    day: deque = field(default_factory=deque)


class RateLimiter:
    def __init__(self, *, clock: Clock, enabled: bool) -> None:
        self.clock = clock
        self.enabled = enabled
        self._lock = threading.Lock()
        self._tenants: dict[str, _TenantUsage] = {}
        self._app_minute: deque = deque()

    def admit(self, tenant_id: str) -> Admission:
        """Admit one call for the tenant, or say which limit refuses it.

        An admitted call must be followed by `release(tenant_id)` when it ends.
        """
        if not self.enabled:
            return Admission(DAY_LIMIT, MINUTE_LIMIT, APP_MINUTE_LIMIT)
        now = self.clock()
        with self._lock:
            usage = self._tenants.setdefault(tenant_id, _TenantUsage())
            _expire(usage.minute, now - MINUTE)
            _expire(usage.day, now - DAY)
            _expire(self._app_minute, now - MINUTE)
            problem, retry_after = None, 0
            if len(usage.day) >= DAY_LIMIT:
                problem, retry_after = "day", _wait(usage.day[0] + DAY - now)
            elif len(self._app_minute) >= APP_MINUTE_LIMIT:
                problem, retry_after = "appminute", _wait(self._app_minute[0] + MINUTE - now)
            elif len(usage.minute) >= MINUTE_LIMIT:
                problem, retry_after = "minute", _wait(usage.minute[0] + MINUTE - now)
            elif usage.in_flight >= CONCURRENT_LIMIT:
                problem, retry_after = "concurrent", 1
            else:
                usage.in_flight += 1
                usage.minute.append(now)
                usage.day.append(now)
                self._app_minute.append(now)
            return Admission(
                day_remaining=DAY_LIMIT - len(usage.day),
                minute_remaining=MINUTE_LIMIT - len(usage.minute),
                app_minute_remaining=APP_MINUTE_LIMIT - len(self._app_minute),
                problem=problem,
                retry_after=retry_after,
            )

    def release(self, tenant_id: str) -> None:
        if not self.enabled:
            return
        with self._lock:
            self._tenants[tenant_id].in_flight -= 1


def _expire(window: deque, cutoff: float) -> None:
    while window and window[0] <= cutoff:
        window.popleft()


def _wait(seconds: float) -> int:
    return max(1, math.ceil(seconds))
