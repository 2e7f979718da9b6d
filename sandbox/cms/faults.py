"""Fault switches: make the client feed misbehave the ways a real CMS can.

Every fault applies to feed requests only (`/feed/...`). A switch stays on until cleared, or
for the next `times` feed requests it changed; `path` narrows it to paths containing that text.
"""

import threading
from dataclasses import dataclass

# name -> parameters it accepts, with their defaults
FAULTS: dict[str, dict[str, object]] = {
    "rate_limited": {"retry_after": 30},  # 429 with Retry-After
    "server_error": {},  # 500 problem
    "slow": {"delay": 1.0},  # waits `delay` seconds, then answers normally
    "malformed_json": {},  # a 200 whose body is cut in half
    "garbage_record": {},  # one record of the page is not a Client (no id, bad kind, ...)
    "cut_short_page": {},  # half the page's records, with a next_page_token all the same
    "revoked": {},  # 403 forbidden, as if the connection had been revoked in the CMS
}


class FaultError(ValueError):
    """A fault request naming an unknown fault or parameter."""


@dataclass
class Fault:
    name: str
    params: dict
    times: int | None = None
    path: str | None = None


class FaultSwitchboard:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._active: dict[str, Fault] = {}

    def set(self, name: str, *, times: int | None = None, path: str | None = None, **params):
        if name not in FAULTS:
            raise FaultError(f"Unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}.")
        unknown = set(params) - set(FAULTS[name])
        if unknown:
            raise FaultError(f"Fault {name!r} takes no parameter {', '.join(sorted(unknown))}.")
        if times is not None and (
            isinstance(times, bool) or not isinstance(times, int) or times < 1
        ):
            raise FaultError("times must be a positive whole number.")
        with self._lock:
            self._active[name] = Fault(name, FAULTS[name] | params, times, path)

    def clear(self) -> None:
        with self._lock:
            self._active.clear()

    def take(self, name: str, path: str) -> Fault | None:
        """The fault if it is on for this path, counting this request against `times`."""
        with self._lock:
            fault = self._active.get(name)
            if fault is None or (fault.path is not None and fault.path not in path):
                return None
            if fault.times is not None:
                fault.times -= 1
                if fault.times == 0:
                    del self._active[name]
            return fault

    def snapshot(self) -> list[dict]:
        with self._lock:
            return [
                {"fault": f.name, "times": f.times, "path": f.path, **f.params}
                for f in self._active.values()
            ]
