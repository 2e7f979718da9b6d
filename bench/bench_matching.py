"""Matching benchmark: Connect Now ranking and duplicate detection, beside their peers.

- Ranking: a directory of 100,000 generated NZ/AU people and organisations, 1,000 noisy queries
  (typo, legal suffix, word order, missing middle name, lower case; 200 of each). Ours:
  `CandidateIndex.search`. Peer (suffix `_rapidfuzz`): rapidfuzz `process.extract(query,
  names, scorer=WRatio, limit=5)` over the same names, both sides lower-cased and stripped of
  punctuation by rapidfuzz's `default_process` (without it WRatio misses every lower-case
  query). A query counts as found when the record it came from, or one with exactly its name,
  is in the first (top-1) or first five (top-5) results: no method can tell two namesakes apart.
- Duplicates: 100,000 generated individuals with planted duplicates and households. Ours:
  `duplicate_groups_find`, scored on every pair inside a group. Peer (suffix
  `_recordlinkage`): recordlinkage's standard pipeline, blocking (on full name, post code and
  date of birth: blocking on first name or surname alone gives 25 million pairs at this size),
  comparisons (Jaro-Winkler on names and address, exact on the rest) and the unsupervised
  ECM classifier. Each side runs in a fresh process, so its time and peak resident memory are
  its own (the peak includes the interpreter and the 100,000 input records).
- FEBRL 1-3 (shipped inside recordlinkage): ours beside recordlinkage's pipeline blocking on
  given name, surname and post code with ECM, as in its documentation.
"""

import multiprocessing
import resource
import statistics
import time
from itertools import combinations

from bench import matching_data
from matching.duplicates import duplicate_groups_find
from matching.index import CandidateIndex
from matching.records import MatchRecord

DIRECTORY_SIZE = 100_000
QUERIES = 1000
CONTACTS = 100_000


def run() -> dict[str, float]:
    results: dict[str, float] = {}
    results.update(_connect_rank())
    context = multiprocessing.get_context("spawn")
    for job in (_duplicates_ours, _duplicates_recordlinkage):
        with context.Pool(1) as pool:
            results.update(pool.apply(job))
    results.update(_febrl())
    return results


def _percentile(values: list[float], share: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[round(share * 100) - 1]


def _rank_figures(suffix: str, latencies: list[float], hits: list[list[bool]]) -> dict[str, float]:
    return {
        f"connect_rank_p50_ms{suffix}": round(statistics.median(latencies) * 1000, 2),
        f"connect_rank_p95_ms{suffix}": round(_percentile(latencies, 0.95) * 1000, 2),
        f"connect_rank_top1{suffix}": round(sum(h[:1] == [True] for h in hits) / len(hits), 4),
        f"connect_rank_top5{suffix}": round(sum(any(h[:5]) for h in hits) / len(hits), 4),
    }


def _connect_rank() -> dict[str, float]:
    from rapidfuzz import fuzz, process, utils

    directory = matching_data.directory(DIRECTORY_SIZE)
    queries = matching_data.noisy_queries(directory, QUERIES)
    name_of = {record.key: record.name for record in directory}

    started = time.perf_counter()
    index = CandidateIndex(
        MatchRecord.from_fields(key, fields) for key, fields in matching_data.iter_fields(directory)
    )
    build_seconds = time.perf_counter() - started

    def found(key, query) -> bool:
        return key == query.truth or name_of[key] == name_of[query.truth]

    latencies: list[float] = []
    hits: list[list[bool]] = []
    for query in queries:
        started = time.perf_counter()
        candidates = index.search(query.text, limit=5)
        latencies.append(time.perf_counter() - started)
        hits.append([found(candidate.record.key, query) for candidate in candidates])
    results = _rank_figures("", latencies, hits)
    results["connect_index_build_s"] = round(build_seconds, 2)

    keys = [record.key for record in directory]
    choices = [utils.default_process(record.name) for record in directory]
    latencies, hits = [], []
    for query in queries:
        started = time.perf_counter()
        best = process.extract(
            utils.default_process(query.text), choices, scorer=fuzz.WRatio, limit=5
        )
        latencies.append(time.perf_counter() - started)
        hits.append([found(keys[position], query) for _, _, position in best])
    results.update(_rank_figures("_rapidfuzz", latencies, hits))
    return results


def _pair_figures(
    prefix: str, suffix: str, found: set[tuple[str, str]], truth: set[tuple[str, str]]
) -> dict[str, float]:
    true_positives = len(found & truth)
    precision = true_positives / len(found) if found else 0.0
    recall = true_positives / len(truth) if truth else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        f"{prefix}_precision{suffix}": round(precision, 4),
        f"{prefix}_recall{suffix}": round(recall, 4),
        f"{prefix}_f1{suffix}": round(f1, 4),
    }


def _ordered(a: str, b: str) -> tuple[str, str]:
    return (a, b) if a < b else (b, a)


def _peak_mb() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def _duplicates_ours() -> dict[str, float]:
    contacts = matching_data.contacts_with_duplicates(CONTACTS)
    truth = matching_data.true_pairs(contacts)
    fields = [(person.key, person.fields()) for person in contacts]
    started = time.perf_counter()
    groups = duplicate_groups_find(MatchRecord.from_fields(key, row) for key, row in fields)
    seconds = time.perf_counter() - started
    found = {_ordered(a, b) for group in groups for a, b in combinations(group.keys, 2)}
    return {
        "duplicates_100k_s": round(seconds, 2),
        "duplicates_100k_peak_mb": _peak_mb(),
        **_pair_figures("duplicates_100k", "", found, truth),
    }


def _recordlinkage_contacts_frame(contacts):
    import pandas as pd

    frame = pd.DataFrame(
        [
            {
                "key": person.key,
                "given_name": person.first_name.lower() or None,
                "surname": person.last_name.lower() or None,
                "date_of_birth": person.date_of_birth or None,
                "email": person.email.lower() or None,
                "phone": person.mobile or person.phone or None,
                "address": f"{person.address_line1} {person.city}".lower(),
                "postcode": person.post_code or None,
            }
            for person in contacts
        ]
    )
    return frame.set_index("key")


def _duplicates_recordlinkage() -> dict[str, float]:
    import recordlinkage

    contacts = matching_data.contacts_with_duplicates(CONTACTS)
    truth = matching_data.true_pairs(contacts)
    started = time.perf_counter()
    frame = _recordlinkage_contacts_frame(contacts)
    indexer = recordlinkage.Index()
    indexer.block(["given_name", "surname"])
    indexer.block("postcode")
    indexer.block("date_of_birth")
    pairs = indexer.index(frame)
    compare = recordlinkage.Compare()
    compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
    compare.exact("date_of_birth", "date_of_birth")
    compare.exact("email", "email")
    compare.exact("phone", "phone")
    compare.string("address", "address", method="jarowinkler", threshold=0.85)
    compare.exact("postcode", "postcode")
    features = compare.compute(pairs, frame)
    matches = recordlinkage.ECMClassifier(binarize=0.5).fit_predict(features)
    seconds = time.perf_counter() - started
    found = {_ordered(a, b) for a, b in matches}
    return {
        "duplicates_100k_s_recordlinkage": round(seconds, 2),
        "duplicates_100k_peak_mb_recordlinkage": _peak_mb(),
        **_pair_figures("duplicates_100k", "_recordlinkage", found, truth),
    }


def _febrl_record(key: str, row) -> MatchRecord:
    def text(column: str) -> str:
        value = row[column]
        return "" if value is None or value != value else str(value)

    return MatchRecord(
        key=key,
        kind="individual",
        first_name=text("given_name"),
        last_name=text("surname"),
        date_of_birth=text("date_of_birth"),
        tax_number=text("soc_sec_id"),
        address=" ".join(
            filter(
                None,
                (text(c) for c in ("street_number", "address_1", "address_2", "suburb")),
            )
        ),
        post_code=text("postcode"),
    )


def _febrl() -> dict[str, float]:
    import recordlinkage
    from recordlinkage.datasets import load_febrl1, load_febrl2, load_febrl3

    results: dict[str, float] = {}
    for name, load in (("febrl1", load_febrl1), ("febrl2", load_febrl2), ("febrl3", load_febrl3)):
        frame, links = load(return_links=True)
        truth = {_ordered(a, b) for a, b in links}

        started = time.perf_counter()
        groups = duplicate_groups_find(_febrl_record(key, row) for key, row in frame.iterrows())
        results[f"{name}_s"] = round(time.perf_counter() - started, 2)
        found = {_ordered(a, b) for group in groups for a, b in combinations(group.keys, 2)}
        results.update(_pair_figures(name, "", found, truth))

        started = time.perf_counter()
        indexer = recordlinkage.Index()
        indexer.block("given_name")
        indexer.block("surname")
        indexer.block("postcode")
        pairs = indexer.index(frame)
        compare = recordlinkage.Compare()
        compare.string("given_name", "given_name", method="jarowinkler", threshold=0.85)
        compare.string("surname", "surname", method="jarowinkler", threshold=0.85)
        compare.exact("date_of_birth", "date_of_birth")
        compare.exact("suburb", "suburb")
        compare.exact("state", "state")
        compare.string("address_1", "address_1", threshold=0.85)
        compare.exact("soc_sec_id", "soc_sec_id")
        features = compare.compute(pairs, frame)
        matches = recordlinkage.ECMClassifier(binarize=0.5).fit_predict(features)
        results[f"{name}_s_recordlinkage"] = round(time.perf_counter() - started, 2)
        found = {_ordered(a, b) for a, b in matches}
        results.update(_pair_figures(name, "_recordlinkage", found, truth))
    return results


if __name__ == "__main__":
    for figure, value in run().items():
        print(f"{figure}: {value}")
