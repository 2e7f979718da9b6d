"""One built `CandidateIndex` per directory version, per process.

Web processes and workers each keep the few most recently used indexes. The caller names the
directory (`namespace`, e.g. "connection:42") and its `version`, a value that changes whenever
the directory's rows do (for instance the time of its last sync and its row count); a new
version builds a new index on first use, and the old one ages out. `load` is called only on a
miss and must return the directory's records in a stable order (by id), which breaks ties.
"""

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterable

from django.conf import settings

from .index import CandidateIndex
from .records import MatchRecord

# Each index of 100,000 records holds some tens of MB; a process rarely serves more than a
# couple of directories at once.
MAX_INDEXES = 4

_indexes: OrderedDict[tuple[str, Hashable], CandidateIndex] = OrderedDict()
# One lock for all: two requests missing at once would otherwise both build the same index.
_lock = threading.Lock()


def candidate_index_get(
    *, namespace: str, version: Hashable, load: Callable[[], Iterable[MatchRecord]]
) -> CandidateIndex:
    key = (namespace, version)
    with _lock:
        index = _indexes.get(key)
        if index is not None:
            _indexes.move_to_end(key)
            return index
        for stale in [cached for cached in _indexes if cached[0] == namespace]:
            del _indexes[stale]
        index = CandidateIndex(load(), phone_region=settings.PHONE_DEFAULT_REGION)
        _indexes[key] = index
        while len(_indexes) > MAX_INDEXES:
            _indexes.popitem(last=False)
        return index


def candidate_index_clear() -> None:
    """Forget every cached index (tests use it to start clean)."""
    with _lock:
        _indexes.clear()
