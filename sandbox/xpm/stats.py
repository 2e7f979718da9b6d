"""Counts of what the sandbox was asked, so tests can check how frugal a client is."""

import threading
from collections import Counter
from dataclasses import dataclass, field


@dataclass
class Stats:
    lock: threading.Lock = field(default_factory=threading.Lock)
    api_calls: int = 0
    api_calls_by_endpoint: Counter = field(default_factory=Counter)
    api_status: Counter = field(default_factory=Counter)
    token_calls: Counter = field(default_factory=Counter)
    connections_calls: int = 0
    api_in_flight: int = 0
    api_max_in_flight: int = 0

    def api_call_start(self, endpoint: str) -> None:
        with self.lock:
            self.api_calls += 1
            self.api_calls_by_endpoint[endpoint] += 1
            self.api_in_flight += 1
            self.api_max_in_flight = max(self.api_max_in_flight, self.api_in_flight)

    def api_call_end(self, status: int) -> None:
        with self.lock:
            self.api_in_flight -= 1
            self.api_status[str(status)] += 1

    def token_call(self, grant_type: str) -> None:
        with self.lock:
            self.token_calls[grant_type] += 1

    def connections_call(self) -> None:
        with self.lock:
            self.connections_calls += 1

    def reset(self) -> None:
        with self.lock:
            self.api_calls = 0
            self.api_calls_by_endpoint.clear()
            self.api_status.clear()
            self.token_calls.clear()
            self.connections_calls = 0
            self.api_max_in_flight = self.api_in_flight

    def snapshot(self) -> dict:
        with self.lock:
            return {
                "api_calls": self.api_calls,
                "api_calls_by_endpoint": dict(self.api_calls_by_endpoint),
                "api_status": dict(self.api_status),
                "token_calls": dict(self.token_calls),
                "connections_calls": self.connections_calls,
                "api_max_in_flight": self.api_max_in_flight,
            }
