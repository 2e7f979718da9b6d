import pytest

from matching.index import CandidateIndex
from matching.records import MatchRecord

DIRECTORY = [
    MatchRecord(
        key="c1", kind="company", name="Kauri Plumbing Limited", emails=("office@kauri.co.nz",)
    ),
    MatchRecord(key="c2", kind="company", name="Kauri Electrical Limited"),
    MatchRecord(key="c3", kind="company", name="Totara Holdings Pty Ltd", company_number="7654321"),
    MatchRecord(key="c4", kind="trust", name="The Trustee for the Ngata Family Trust"),
    MatchRecord(key="c5", kind="partnership", name="Smith & Jones Accounting"),
    MatchRecord(key="p1", kind="individual", name="Aroha Mere Ngata", date_of_birth="1975-04-02"),
    MatchRecord(key="p2", kind="individual", name="Aroha Ngati"),
    MatchRecord(key="p3", kind="individual", name="Robert James Smith", phones=("021 555 0101",)),
    MatchRecord(key="p4", kind="individual", name="Roberta Smith"),
    MatchRecord(key="p5", kind="individual", name="Wiremu Tane Parata"),
    MatchRecord(key="p6", kind="individual", name="William Tane Parker"),
    MatchRecord(key="p7", kind="individual", name="Zoë Ōtaki-Brown"),
]


@pytest.fixture(scope="module")
def index():
    return CandidateIndex(DIRECTORY)


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("Kauri Plumbng Limited", "c1"),  # typo
        ("Kauri Plumbing Ltd", "c1"),  # Ltd for Limited
        ("kauri plumbing", "c1"),  # lower case, no suffix
        ("Totara Holdings Limited", "c3"),  # Pty Ltd for Limited
        ("Ngata Family Trust", "c4"),  # trustee phrasing
        ("Jones and Smith Accounting", "c5"),  # "&"/"and", swapped words
        ("Ngata, Aroha Mere", "p1"),  # swapped words
        ("Wiremu Parata", "p5"),  # missing middle name
        ("Bob Smith", "p3"),  # nickname, missing middle name
        ("R J Smith", "p3"),  # initials
        ("zoe otaki brown", "p7"),  # diacritics, punctuation, case
    ],
)
def test_the_right_record_comes_first(index, query, expected):
    results = index.search(query)
    assert results[0].record.key == expected
    assert results[0].reasons[-1].startswith("name ")


def test_results_are_ranked_best_first_and_limited(index):
    results = index.search("Aroha Ngata", limit=2)
    assert [r.record.key for r in results] == ["p1", "p2"]
    assert results[0].score >= results[1].score


def test_a_small_pool_scores_only_the_closest_names_and_records_sharing_a_key(index):
    assert [r.record.key for r in index.search("Aroha Ngata", limit=5, pool=1)] == ["p1"]
    by_number = MatchRecord(key=None, name="Aroha Ngata", company_number="7654321")
    assert {r.record.key for r in index.search(by_number, limit=5, pool=1)} == {"p1", "c3"}


def test_a_query_record_uses_its_other_fields(index):
    by_phone = index.search(MatchRecord(key=None, name="R. Smith", phones=("+64 21 555 0101",)))
    assert by_phone[0].record.key == "p3"
    assert by_phone[0].explanation.startswith("same phone; ")


def test_a_shared_number_finds_a_record_whatever_its_name(index):
    results = index.search(MatchRecord(key=None, name="Rimu Ventures", company_number="7654321"))
    assert results[0].record.key == "c3"
    assert results[0].reasons[0] == "same company number"


def test_empty_query_matches_nothing(index):
    assert index.search("") == []
    assert index.search("  &  ") == []


def test_a_query_sharing_nothing_finds_nothing(index):
    assert index.search("Qqq Xxx") == []


def test_empty_directory():
    index = CandidateIndex([])
    assert len(index) == 0
    assert index.search("Kauri Plumbing") == []


def test_directory_of_one():
    index = CandidateIndex([MatchRecord(key=1, name="Kauri Plumbing Ltd")])
    assert [r.record.key for r in index.search("Kauri Plumbing", limit=5)] == [1]


def test_records_without_names_are_found_by_their_keys_only():
    index = CandidateIndex([MatchRecord(key=1, emails=("a@b.co.nz",)), MatchRecord(key=2)])
    assert index.search("anything") == []
    assert [r.record.key for r in index.search(MatchRecord(key=None, emails=("A@b.co.nz",)))] == [1]


def test_namesakes_keep_the_order_they_were_given_in():
    index = CandidateIndex([MatchRecord(key=k, name="Jane Smith") for k in (3, 1, 2)])
    assert [r.record.key for r in index.search("Jane Smith")] == [3, 1, 2]
