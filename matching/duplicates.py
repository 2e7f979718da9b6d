"""Likely duplicates among a firm's records, as groups with a score and reasons.

Comparing every pair of 100,000 contacts is 5 billion comparisons, so candidate pairs come from
blocking, as in Splink: two records become a candidate pair when they share any one of several
keys, so a difference in one field (a typo in the surname, a new email) does not hide a
duplicate that another field reveals:

- two words of the name (nicknames read as the formal name), as written or as a consonant
  skeleton that survives most typos ("smith"/"smyth", "jon"/"john");
- the date of birth; an email; a phone number; a tax or company number;
- the street address within its post code.

A key shared by more than MAX_BLOCK records (a common name, a big household) pairs each record
only with its WINDOW nearest neighbours in name order instead of with all of them, which keeps
the work linear. Candidate pairs are scored by `scoring.compare_features`; pairs at or above
the threshold join their records into groups (connected components). A group's score is its
weakest necessary link: the lowest-scored pair without which the group would fall apart.
"""

from collections import defaultdict
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from itertools import combinations

from .normalise import NICKNAMES
from .records import Features, MatchRecord, features_of
from .scoring import best_possible_score, compare_features, field_evidence, score_features

DUPLICATE_THRESHOLD = 0.95
MAX_BLOCK = 30
WINDOW = 8

_VOWELS = str.maketrans("", "", "aeiouyhw")


@dataclass(frozen=True, slots=True)
class ScoredPair:
    keys: tuple[Hashable, Hashable]
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DuplicateGroup:
    """Records that are probably one person or organisation, in the order they were given."""

    keys: tuple[Hashable, ...]
    score: float
    reasons: tuple[str, ...]
    pairs: tuple[ScoredPair, ...]


@lru_cache(maxsize=65536)
def _skeleton(word: str) -> str:
    """First letter and the consonants after it, repeats collapsed: a cheap phonetic key."""
    rest = word[1:].translate(_VOWELS)
    collapsed = "".join(c for i, c in enumerate(rest) if i == 0 or c != rest[i - 1])
    return word[:1] + collapsed


def blocking_keys(features: Features) -> Iterator[tuple[str, ...]]:
    """The keys under which a record meets its candidate duplicates."""
    words = sorted({NICKNAMES.get(token, token) for token in features.tokens if len(token) > 1})
    for first, second in combinations(words, 2):
        yield ("name", first, second)
        yield ("sound", *sorted((_skeleton(first), _skeleton(second))))
    if len(words) == 1:
        yield ("name", words[0])
    if features.date_of_birth:
        yield ("dob", features.date_of_birth.isoformat())
    for email in features.emails:
        yield ("email", email)
    for phone in features.phones:
        yield ("phone", phone)
    if features.tax_number:
        yield ("tax", features.tax_number)
    if features.company_number:
        yield ("company", features.company_number)
    if features.address:
        yield ("address", features.post_code, features.address)


def candidate_pairs(features: list[Features]) -> set[tuple[int, int]]:
    """Positions (i < j) of the record pairs worth scoring."""
    blocks: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for position, record_features in enumerate(features):
        for key in set(blocking_keys(record_features)):
            blocks[key].append(position)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if len(members) < 2:
            continue
        if len(members) <= MAX_BLOCK:
            pairs.update(combinations(members, 2))
            continue
        ordered = sorted(members, key=lambda p: (features[p].compact, p))
        for offset, position in enumerate(ordered):
            for neighbour in ordered[offset + 1 : offset + 1 + WINDOW]:
                pairs.add((position, neighbour) if position < neighbour else (neighbour, position))
    return pairs


def duplicate_pairs_find(
    records: Iterable[MatchRecord],
    *,
    threshold: float = DUPLICATE_THRESHOLD,
    phone_region: str = "NZ",
) -> list[ScoredPair]:
    """Every candidate pair scoring at least `threshold`, best first."""
    return _scored_pairs(list(records), threshold=threshold, phone_region=phone_region)[1]


def _scored_pairs(
    records: list[MatchRecord], *, threshold: float, phone_region: str
) -> tuple[list[tuple[int, int]], list[ScoredPair]]:
    features = [features_of(record, phone_region=phone_region) for record in records]
    positions: list[tuple[int, int]] = []
    found: list[ScoredPair] = []
    for i, j in sorted(candidate_pairs(features)):
        evidence = field_evidence(features[i], features[j])
        # Most candidate pairs share a name block and little else; when even identical names
        # could not lift them to the threshold, the name comparison is skipped.
        if best_possible_score(evidence) < threshold:
            continue
        score, _ = score_features(features[i], features[j], evidence)
        if score >= threshold:
            comparison = compare_features(features[i], features[j], evidence)
            positions.append((i, j))
            found.append(
                ScoredPair(
                    keys=(records[i].key, records[j].key),
                    score=comparison.score,
                    reasons=comparison.reasons,
                )
            )
    order = sorted(range(len(found)), key=lambda n: (-found[n].score, positions[n]))
    return [positions[n] for n in order], [found[n] for n in order]


def duplicate_groups_find(
    records: Iterable[MatchRecord],
    *,
    threshold: float = DUPLICATE_THRESHOLD,
    phone_region: str = "NZ",
) -> list[DuplicateGroup]:
    """Groups of two or more records that are probably the same, most certain group first."""
    records = list(records)
    positions, pairs = _scored_pairs(records, threshold=threshold, phone_region=phone_region)
    parent = list(range(len(records)))

    def root(position: int) -> int:
        while parent[position] != position:
            parent[position] = parent[parent[position]]
            position = parent[position]
        return position

    # Kruskal over pairs from best to worst: the pair that joins two parts of a group last is
    # its weakest necessary link, and so gives the group's score and reasons.
    weakest: dict[int, ScoredPair] = {}
    for (i, j), pair in zip(positions, pairs, strict=True):
        a, b = root(i), root(j)
        if a == b:
            continue
        parent[b] = a
        weakest.pop(b, None)
        weakest[a] = pair
    members: dict[int, list[int]] = defaultdict(list)
    for position in range(len(records)):
        if parent[position] != position or position in weakest:
            members[root(position)].append(position)
    pairs_of: dict[int, list[ScoredPair]] = defaultdict(list)
    for (i, _), pair in zip(positions, pairs, strict=True):
        pairs_of[root(i)].append(pair)
    groups = [
        (
            -weakest[group_root].score,
            positions_in_group[0],
            DuplicateGroup(
                keys=tuple(records[p].key for p in positions_in_group),
                score=weakest[group_root].score,
                reasons=weakest[group_root].reasons,
                pairs=tuple(pairs_of[group_root]),
            ),
        )
        for group_root, positions_in_group in members.items()
    ]
    groups.sort(key=lambda item: item[:2])
    return [group for _, _, group in groups]
