"""Candidate search: rank a directory's records against one query in milliseconds.

Design. A `CandidateIndex` is built in memory from the directory's rows and answers a query
in two stages:

1. Blocking. Character trigrams of each normalised name word (padded, so "smith" gives
   " sm", "smi", "mit", "ith", "th ") go into an inverted index held in numpy arrays. A query
   looks up the postings of its trigrams, counts shared trigrams per record with one
   `bincount`, and keeps the POOL records of highest trigram Jaccard similarity. Trigrams of
   single words forgive typos, word order, dropped middle names and suffixes (already removed
   by the normaliser), which is why this reaches the top-5 accuracy a full fuzzy scan misses.
   Records sharing an exact email, phone, tax or company number with the query join the pool
   whatever their name, so a renamed company is still found by its number.
2. Scoring. Each pooled record is scored by `scoring.score_features` (names plus every other
   field) and the best come back with their reasons, from `scoring.compare_features`. Ties
   break on name similarity, then on the order the rows were given in, so results are
   deterministic.

Why in memory rather than in the database: the same code then runs on SQLite and PostgreSQL
(pg_trgm exists only on PostgreSQL, SQLite's FTS5 trigram tokenizer only on SQLite, and neither
knows about nicknames or legal suffixes); the cost is a build of about one second and some tens
of MB for 100,000 rows, paid once per directory version and per process (web or worker) through
`matching.cache.candidate_index_get`, after which a query costs a few milliseconds. A directory
that changes gets a new version and a new index; nothing is ever stale. For very large
directories this would become a DB-side key table, but a practice's PM directory is far below
that.
"""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from .normalise import NICKNAMES
from .records import Features, MatchRecord, features_of
from .scoring import compare_features, field_evidence, score_features

# How many records of highest trigram similarity are scored in full. Scoring costs about 20
# microseconds a record, so a generous pool costs little and makes the trigram stage's own
# ranking mistakes harmless.
POOL = 100


@dataclass(frozen=True, slots=True)
class Candidate:
    """One ranked record with its score in [0, 1] and the reasons for it."""

    record: MatchRecord
    score: float
    name_similarity: float
    reasons: tuple[str, ...]

    @property
    def explanation(self) -> str:
        return "; ".join(self.reasons)


def name_trigrams(tokens: Iterable[str]) -> set[str]:
    """Trigrams of each word padded with spaces, and of its formal name if it is a nickname."""
    grams: set[str] = set()
    for token in tokens:
        for form in {token, NICKNAMES.get(token, token)}:
            padded = f" {form} "
            grams.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return grams


class CandidateIndex:
    """The records of one directory, ready to be searched. Immutable once built."""

    def __init__(self, records: Iterable[MatchRecord], *, phone_region: str = "NZ"):
        self.phone_region = phone_region
        self._records: list[MatchRecord] = list(records)
        self._features: list[Features] = [
            features_of(record, phone_region=phone_region) for record in self._records
        ]
        self._by_key: dict[tuple[str, str], list[int]] = defaultdict(list)
        vocabulary: dict[str, int] = {}
        gram_ids: list[int] = []
        owners: list[int] = []
        sizes: list[int] = []
        for position, features in enumerate(self._features):
            grams = name_trigrams(features.tokens)
            sizes.append(len(grams))
            for gram in grams:
                gram_ids.append(vocabulary.setdefault(gram, len(vocabulary)))
                owners.append(position)
            for field, value in _exact_keys(features):
                self._by_key[(field, value)].append(position)
        self._vocabulary = vocabulary
        gram_array = np.asarray(gram_ids, dtype=np.int32)
        order = np.argsort(gram_array, kind="stable")
        self._postings = np.asarray(owners, dtype=np.int32)[order]
        self._offsets = np.zeros(len(vocabulary) + 1, dtype=np.int64)
        np.cumsum(np.bincount(gram_array, minlength=len(vocabulary)), out=self._offsets[1:])
        self._sizes = np.asarray(sizes, dtype=np.float32)

    def __len__(self) -> int:
        return len(self._records)

    def search(
        self, query: MatchRecord | str, *, limit: int = 5, pool: int = POOL
    ) -> list[Candidate]:
        """The `limit` records most like `query` (a record, or free text taken as a name).

        `pool` bounds how many names are scored in full. A caller that wants only near-certain
        matches for many queries (suggesting links for every client) passes a small one: a
        name alike enough to pass its threshold is among the few closest by trigrams anyway,
        and records sharing an identifier are scored whatever the pool.

        An empty query matches nothing: browsing the whole directory is a listing, not a search.
        """
        if isinstance(query, str):
            query = MatchRecord(key=None, name=query)
        wanted = features_of(query, phone_region=self.phone_region)
        positions = self._trigram_pool(wanted, size=pool) | self._exact_pool(wanted)
        ranked = []
        for position in positions:
            evidence = field_evidence(wanted, self._features[position])
            score, similarity = score_features(wanted, self._features[position], evidence)
            ranked.append((-score, -similarity, position, evidence))
        ranked.sort(key=lambda item: item[:3])
        # Only the records returned get their reasons: sorting and wording them for every
        # pooled record was a quarter of the time a search took.
        candidates = []
        for _, _, position, evidence in ranked[:limit]:
            comparison = compare_features(wanted, self._features[position], evidence)
            candidates.append(
                Candidate(
                    record=self._records[position],
                    score=comparison.score,
                    name_similarity=comparison.name_similarity,
                    reasons=comparison.reasons,
                )
            )
        return candidates

    def _trigram_pool(self, wanted: Features, *, size: int) -> set[int]:
        grams = name_trigrams(wanted.tokens)
        known = [self._vocabulary[gram] for gram in grams if gram in self._vocabulary]
        if not known:
            return set()
        hits = np.concatenate(
            [self._postings[self._offsets[g] : self._offsets[g + 1]] for g in known]
        )
        shared = np.bincount(hits, minlength=len(self._records)).astype(np.float32)
        similarity = shared / (len(grams) + self._sizes - shared)
        size = min(size, len(self._records))
        best = np.argpartition(-similarity, size - 1)[:size]
        return {int(position) for position in best if similarity[position] > 0}

    def _exact_pool(self, wanted: Features) -> set[int]:
        return {position for key in _exact_keys(wanted) for position in self._by_key.get(key, ())}


def _exact_keys(features: Features) -> Iterable[tuple[str, str]]:
    yield from (("email", email) for email in features.emails)
    yield from (("phone", phone) for phone in features.phones)
    if features.tax_number:
        yield ("tax", features.tax_number)
    if features.company_number:
        yield ("company", features.company_number)
