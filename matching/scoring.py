"""How alike two records are, as a score in [0, 1] with the reasons a person can check.

The score is a Fellegi-Sunter style sum of evidence: the name similarity contributes a weight
that grows with it, and each other field adds a fixed weight when both records have it and it
agrees, or subtracts one when it disagrees; a field one side lacks says nothing. The sum is a
log-odds, turned into [0, 1] by the logistic function. The weights are set by hand from how
much each agreement means (two people rarely share an email, often share a post code) and
checked against the generated and FEBRL benchmarks (`bench/bench_matching.py`).

Every comparison is symmetric, so `compare(a, b)` equals `compare(b, a)`.
"""

import math
from dataclasses import dataclass
from datetime import date

from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from .normalise import NICKNAMES
from .records import Features, MatchRecord, features_of

# Name similarity s in [0, 1] adds NAME_SLOPE * (s - NAME_NEUTRAL) above the neutral point, so
# an exact name alone scores about 0.97; below it the weight falls faster, because a name only
# 75% alike ("Mark Phillips", "Karl Phillips") is usually another person however much else
# agrees.
NAME_SLOPE = 24.0
NAME_SLOPE_BELOW = 40.0
NAME_NEUTRAL = 0.85
# However unlike the names, identifiers that all agree can still carry the pair: records are
# often entered with a maiden name, a nickname or first and last name swapped into the wrong
# fields beyond what the name comparison can see.
NAME_WEIGHT_FLOOR = -8.0
# A word one name has and the other lacks (a middle name, "Holdings") costs this share of its
# weight: a missing middle name lowers the similarity without making a stranger of the person.
UNMATCHED_TOKEN_WEIGHT = 0.4
# An initial standing for a whole name ("J" for "John") counts as this alike.
INITIAL_SIMILARITY = 0.85
# "Bob" and "Robert": the same name, but a Bob Smith is still the better answer to "Bob Smith".
NICKNAME_SIMILARITY = 0.95
# Each word weighs its length plus this, so losing a short word ("Kim") still costs something.
TOKEN_BASE_WEIGHT = 6
# Tokens less alike than this are not paired at all.
MIN_TOKEN_SIMILARITY = 0.5

# Log-odds added when a field agrees, nearly agrees (one mistyped digit, day and month swapped,
# a street abbreviated) or disagrees. Disagreement costs less than agreement gains for fields
# people change (email, phone, address), and a shared tax or company number all but decides.
EMAIL_AGREE, EMAIL_DISAGREE = 4.0, -0.5
PHONE_AGREE, PHONE_DISAGREE = 3.5, -0.5
PHONE_AGREE_AT_SAME_ADDRESS = 1.0
DOB_AGREE, DOB_NEAR, DOB_DISAGREE = 3.5, 1.5, -3.5
NUMBER_AGREE, NUMBER_NEAR, NUMBER_DISAGREE = 9.0, 3.0, -2.5
ADDRESS_AGREE, ADDRESS_NEAR, ADDRESS_DISAGREE = 2.0, 1.5, -0.5
ADDRESS_SAME, ADDRESS_SIMILAR = 0.95, 0.8
POST_CODE_AGREE, POST_CODE_DISAGREE = 0.5, -0.5
KIND_DISAGREE = -4.0


@dataclass(frozen=True, slots=True)
class Comparison:
    """`score` in [0, 1]; `reasons` strongest first, ending with the name similarity."""

    score: float
    name_similarity: float
    reasons: tuple[str, ...]

    @property
    def explanation(self) -> str:
        return "; ".join(self.reasons)


def _token_similarity(a: str, b: str) -> float:
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return INITIAL_SIMILARITY if a[0] == b[0] else 0.0
    if NICKNAMES.get(a, a) == NICKNAMES.get(b, b):
        return NICKNAME_SIMILARITY
    return fuzz.ratio(a, b) / 100.0


def _aligned_similarity(a: tuple[str, ...], b: tuple[str, ...]) -> float:
    """Pair each word with its most alike counterpart; unpaired words count partly against.

    Identical words pair first (most candidates share most words), then the rest greedily by
    similarity; ties break on the words themselves, so the result is the same both ways round.
    Names have a handful of words, so plain lists serve: a `Counter` per comparison was a
    quarter of the time an import spent looking for lookalikes of the clients it creates.
    """
    left_a: list[str] = []
    left_b = list(b)
    matched = 0.0
    for token in a:
        if token in left_b:
            left_b.remove(token)
            matched += 2 * (len(token) + TOKEN_BASE_WEIGHT)
        else:
            left_a.append(token)
    weight = matched
    if left_a and left_b:
        pairs = sorted(
            (-_token_similarity(x, y), min(x, y), max(x, y), i, j)
            for i, x in enumerate(left_a)
            for j, y in enumerate(left_b)
        )
        used_a: set[int] = set()
        used_b: set[int] = set()
        for negative_similarity, _, _, i, j in pairs:
            if -negative_similarity < MIN_TOKEN_SIMILARITY:
                break
            if i in used_a or j in used_b:
                continue
            used_a.add(i)
            used_b.add(j)
            size = len(left_a[i]) + len(left_b[j]) + 2 * TOKEN_BASE_WEIGHT
            matched += -negative_similarity * size
            weight += size
        left_a = [x for i, x in enumerate(left_a) if i not in used_a]
        left_b = [y for j, y in enumerate(left_b) if j not in used_b]
    unmatched = sum(len(token) + TOKEN_BASE_WEIGHT for token in left_a + left_b)
    weight += UNMATCHED_TOKEN_WEIGHT * unmatched
    return matched / weight if weight else 0.0


def name_similarity(a: Features, b: Features) -> float:
    """How alike two normalised names are, in [0, 1], insensitive to word order."""
    if not a.tokens or not b.tokens:
        return 0.0
    if a.tokens == b.tokens:
        return 1.0
    return max(_aligned_similarity(a.tokens, b.tokens), fuzz.ratio(a.compact, b.compact) / 100.0)


def _near_number(a: str, b: str) -> bool:
    """One mistyped or two swapped digits apart."""
    return len(a) == len(b) and OSA.distance(a, b) <= 1


def _near_date(a: date, b: date) -> bool:
    """Day and month swapped, or one digit mistyped."""
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return True
    return _near_number(a.isoformat(), b.isoformat())


def field_evidence(a: Features, b: Features) -> list[tuple[float, str]]:
    """(weight, reason) for each field both records have, names aside."""
    evidence: list[tuple[float, str]] = []
    if a.kind and b.kind and a.kind != b.kind:
        evidence.append((KIND_DISAGREE, "different kind"))
    for label, x, y in (
        ("tax number", a.tax_number, b.tax_number),
        ("company number", a.company_number, b.company_number),
    ):
        if x and y:
            if x == y:
                evidence.append((NUMBER_AGREE, f"same {label}"))
            elif _near_number(x, y):
                evidence.append((NUMBER_NEAR, f"similar {label}"))
            else:
                evidence.append((NUMBER_DISAGREE, f"different {label}"))
    if a.emails and b.emails:
        if a.emails & b.emails:
            evidence.append((EMAIL_AGREE, "same email"))
        else:
            evidence.append((EMAIL_DISAGREE, "different email"))
    if a.date_of_birth and b.date_of_birth:
        if a.date_of_birth == b.date_of_birth:
            evidence.append((DOB_AGREE, "same date of birth"))
        elif _near_date(a.date_of_birth, b.date_of_birth):
            evidence.append((DOB_NEAR, "similar date of birth"))
        else:
            evidence.append((DOB_DISAGREE, "different date of birth"))
    address_agrees = False
    if a.address and b.address:
        similarity = fuzz.token_sort_ratio(a.address, b.address) / 100.0
        if similarity >= ADDRESS_SAME:
            address_agrees = True
            evidence.append((ADDRESS_AGREE, "same address"))
        elif similarity >= ADDRESS_SIMILAR:
            evidence.append((ADDRESS_NEAR, "similar address"))
        else:
            evidence.append((ADDRESS_DISAGREE, "different address"))
    if a.post_code and b.post_code and not address_agrees:
        if a.post_code == b.post_code:
            evidence.append((POST_CODE_AGREE, "same post code"))
        else:
            evidence.append((POST_CODE_DISAGREE, "different post code"))
    if a.phones and b.phones:
        if a.phones & b.phones:
            # People at one address share its landline: the phone adds little to the address.
            agree = PHONE_AGREE_AT_SAME_ADDRESS if address_agrees else PHONE_AGREE
            evidence.append((agree, "same phone"))
        else:
            evidence.append((PHONE_DISAGREE, "different phone"))
    return evidence


def name_weight(similarity: float) -> float:
    """Log-odds from name similarity: rising gently above NAME_NEUTRAL, falling fast below."""
    if similarity >= NAME_NEUTRAL:
        return NAME_SLOPE * (similarity - NAME_NEUTRAL)
    return max(NAME_WEIGHT_FLOOR, NAME_SLOPE_BELOW * (similarity - NAME_NEUTRAL))


def best_possible_score(evidence: list[tuple[float, str]]) -> float:
    """The score these field agreements would reach with identical names."""
    return _logistic(sum(w for w, _ in evidence) + name_weight(1.0))


def _logistic(weight: float) -> float:
    return round(1.0 / (1.0 + math.exp(-weight)), 4)


def _weighed(
    a: Features, b: Features, evidence: list[tuple[float, str]]
) -> tuple[float, float] | None:
    """(log-odds, name similarity) of two records, or None when they have nothing to compare."""
    names_compared = bool(a.tokens and b.tokens)
    if not evidence and not names_compared:
        return None
    weight = sum(w for w, _ in evidence)
    if not names_compared:
        return weight, 0.0
    similarity = name_similarity(a, b)
    return weight + name_weight(similarity), similarity


def score_features(
    a: Features, b: Features, evidence: list[tuple[float, str]] | None = None
) -> tuple[float, float]:
    """`compare_features`'s score and name similarity without its reasons: for ranking many
    pairs of which only the best are shown."""
    if evidence is None:
        evidence = field_evidence(a, b)
    weighed = _weighed(a, b, evidence)
    if weighed is None:
        return 0.0, 0.0
    weight, similarity = weighed
    return _logistic(weight), round(similarity, 4)


def compare_features(
    a: Features, b: Features, evidence: list[tuple[float, str]] | None = None
) -> Comparison:
    """Score two prepared records; pass `evidence` if `field_evidence` was already called."""
    if evidence is None:
        evidence = field_evidence(a, b)
    weighed = _weighed(a, b, evidence)
    if weighed is None:
        return Comparison(score=0.0, name_similarity=0.0, reasons=("nothing to compare",))
    weight, similarity = weighed
    # Agreements first, strongest first; then disagreements, most damning first. Sorting on
    # the text too keeps equal weights in one order whichever record came first.
    agreements = sorted((-w, text) for w, text in evidence if w > 0)
    disagreements = sorted((w, text) for w, text in evidence if w <= 0)
    reasons = [text for _, text in agreements] + [text for _, text in disagreements]
    if a.tokens and b.tokens:
        reasons.append(f"name {math.floor(similarity * 100)}%")
    return Comparison(
        score=_logistic(weight),
        name_similarity=round(similarity, 4),
        reasons=tuple(reasons),
    )


def compare(a: MatchRecord, b: MatchRecord, *, phone_region: str = "NZ") -> Comparison:
    """Score two records against each other and say why."""
    return compare_features(
        features_of(a, phone_region=phone_region), features_of(b, phone_region=phone_region)
    )
