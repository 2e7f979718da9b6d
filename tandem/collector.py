"""Python's cyclic garbage collector, set for work that holds large batches of objects alive.

Python looks for reference cycles among its youngest objects every 700 allocations; objects
still alive then move to an older generation, and once enough have, Python walks the whole
heap. A sync run keeps a batch of 5,000 records (their payloads, dicts and rows) alive across
thousands of those young collections, so each batch was promoted wholesale: a 100,000-client
import walked the heap 26 times, 3 of its 30 seconds. Looked for less often, the young objects
are freed (by their reference counts) before a collection finds them alive; cycles are still
collected, a little later.
"""

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# Allocations between young collections while bulk work runs: with it, the import above walks
# the whole heap at most once, and its collections take about 0.5 s in all.
BULK_WORK_THRESHOLD = 20_000

_lock = threading.Lock()
_holders = 0
_thresholds_before: tuple[int, ...] = ()


@contextmanager
def collector_for_bulk_work() -> Iterator[None]:
    """Collect young objects less often until the outermost of these blocks (of any thread)
    ends; the thresholds are the process's, so they are put back only then."""
    global _holders, _thresholds_before
    with _lock:
        if _holders == 0:
            _thresholds_before = gc.get_threshold()
            young, *older = _thresholds_before
            gc.set_threshold(max(young, BULK_WORK_THRESHOLD), *older)
        _holders += 1
    try:
        yield
    finally:
        with _lock:
            _holders -= 1
            if _holders == 0:
                gc.set_threshold(*_thresholds_before)
