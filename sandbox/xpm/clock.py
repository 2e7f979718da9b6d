"""Time sources for the sandbox: the wall clock, or a clock tests move by hand."""

import time
from collections.abc import Callable

Clock = Callable[[], float]


class ManualClock:
    """A clock that only moves when told to, so expiry rules are tested without sleeping."""

    def __init__(self, start: float | None = None) -> None:
        self._now = time.time() if start is None else start

    def __call__(self) -> float:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += seconds
