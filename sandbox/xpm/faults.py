"""Fault switches: make the sandbox misbehave the ways a real XPM practice can.

A switch stays on until cleared, or for the next `times` requests it applies to; `path`
narrows it to requests whose path contains that text. Each fault applies only where it makes
sense (see `FAULTS`), so `times` counts only requests it actually changed.
"""

import threading
from dataclasses import dataclass, field

API = "api"  # Practice Manager API calls
REFRESH_GRANT = "refresh_grant"  # refresh_token grants at the token endpoint
ANY = "any"  # every request except the /_sandbox control endpoints
CLIENT_LISTS = "client_lists"  # API answers that carry client records
PAGED = "paged"  # paged-list and contacts pages

# name -> (where it applies, parameters it accepts with their defaults)
FAULTS: dict[str, tuple[frozenset[str], dict[str, object]]] = {
    "rate_limit_minute": (frozenset({API}), {"retry_after": 30}),
    "rate_limit_day": (frozenset({API}), {"retry_after": 43200}),
    "server_error": (frozenset({ANY}), {}),
    "unavailable": (frozenset({ANY}), {"retry_after": None}),
    "slow": (frozenset({ANY}), {"delay": 1.0}),
    "malformed_json": (frozenset({API}), {}),
    "absurd_record": (frozenset({CLIENT_LISTS}), {}),
    "cut_short_page": (frozenset({PAGED}), {"mode": "short"}),
    "token_expired": (frozenset({API}), {}),
    "token_revoked": (frozenset({API, REFRESH_GRANT}), {}),
    "lost_refresh_response": (frozenset({REFRESH_GRANT}), {}),
}
CUT_SHORT_MODES = ("short", "truncated")


class FaultError(ValueError):
    """A fault request naming an unknown fault or parameter."""


@dataclass
class Fault:
    name: str
    params: dict
    times: int | None = None
    path: str | None = None


@dataclass
class FaultSwitchboard:
    lock: threading.Lock = field(default_factory=threading.Lock)
    active: dict[str, Fault] = field(default_factory=dict)

    def set(self, name: str, *, times: int | None = None, path: str | None = None, **params):
        if name not in FAULTS:
            raise FaultError(f"Unknown fault {name!r}; known: {', '.join(sorted(FAULTS))}.")
        defaults = FAULTS[name][1]
        unknown = set(params) - set(defaults)
        if unknown:
            raise FaultError(f"Fault {name!r} takes no parameter {', '.join(sorted(unknown))}.")
        if times is not None and (not isinstance(times, int) or times < 1):
            raise FaultError("times must be a positive whole number.")
        values = defaults | params
        if name == "cut_short_page" and values["mode"] not in CUT_SHORT_MODES:
            raise FaultError(f"cut_short_page mode must be one of {', '.join(CUT_SHORT_MODES)}.")
        with self.lock:
            self.active[name] = Fault(name=name, params=values, times=times, path=path)

    def clear(self) -> None:
        with self.lock:
            self.active.clear()

    def take(self, name: str, *, scope: str, path: str) -> Fault | None:
        """The fault if it is on for this request, counting the request against `times`."""
        with self.lock:
            fault = self.active.get(name)
            applies_to = FAULTS[name][0]
            if fault is None or not (ANY in applies_to or scope in applies_to):
                return None
            if fault.path is not None and fault.path not in path:
                return None
            if fault.times is not None:
                fault.times -= 1
                if fault.times == 0:
                    del self.active[name]
            return fault

    def snapshot(self) -> list[dict]:
        with self.lock:
            return [
                {"fault": f.name, "times": f.times, "path": f.path, **f.params}
                for f in self.active.values()
            ]
