from matching.duplicates import blocking_keys, duplicate_groups_find, duplicate_pairs_find
from matching.records import MatchRecord, features_of


def person(key, name, **fields):
    return MatchRecord(key=key, kind="individual", name=name, **fields)


CONTACTS = [
    person("A1", "Jane Mary Smith", emails=("jane@example.com",), date_of_birth="1980-03-07"),
    person(
        "A2",
        "Jane Smith",
        emails=("JANE@example.com",),
        phones=("021 555 0101",),
        date_of_birth="1980-03-07",
    ),
    person("A3", "Smith, Jane M", phones=("+64 21 555 0101",), date_of_birth="07/03/1980"),
    person("B1", "Bob Tane", date_of_birth="1960-01-01", address="12 Rata Road Nelson"),
    person("B2", "Robert Tane", date_of_birth="1960-01-01", address="12 Rata Rd Nelson"),
    # The same household as B1, another person.
    person("C1", "Mere Tane", date_of_birth="1962-05-05", address="12 Rata Road Nelson"),
    # A namesake of the Smiths, born another day.
    person("D1", "Jane Smith", date_of_birth="1999-12-31"),
    person("E1", "Hemi Walker", emails=("hemi@example.com",)),
]


def test_groups_join_chains_of_duplicates_with_the_weakest_link_as_score():
    groups = duplicate_groups_find(CONTACTS)
    assert sorted(group.keys for group in groups) == [("A1", "A2", "A3"), ("B1", "B2")]
    smiths = next(group for group in groups if "A1" in group.keys)
    # All three pairs match; the two best already hold the group together, so the second best
    # is its weakest necessary link.
    assert len(smiths.pairs) == 3
    assert smiths.score == sorted(pair.score for pair in smiths.pairs)[-2]
    assert smiths.reasons[-1].startswith("name ")


def test_groups_are_ordered_by_score():
    groups = duplicate_groups_find(CONTACTS)
    assert [group.score for group in groups] == sorted((g.score for g in groups), reverse=True)


def test_household_members_and_namesakes_stay_apart():
    grouped = {key for group in duplicate_groups_find(CONTACTS) for key in group.keys}
    assert grouped.isdisjoint({"C1", "D1", "E1"})


def test_threshold_controls_what_counts():
    everything = duplicate_pairs_find(CONTACTS, threshold=0.0)
    strict = duplicate_pairs_find(CONTACTS, threshold=0.95)
    assert len(everything) > len(strict)
    assert [p.score for p in everything] == sorted((p.score for p in everything), reverse=True)


def test_nothing_to_group():
    assert duplicate_groups_find([]) == []
    assert duplicate_groups_find([person("A", "Jane Smith")]) == []


def test_blocking_meets_records_through_any_shared_key():
    married = features_of(person(1, "Jane Walker", emails=("js@example.com",)))
    maiden = features_of(person(2, "Jane Smith", emails=("js@example.com",)))
    assert set(blocking_keys(married)) & set(blocking_keys(maiden)) == {("email", "js@example.com")}
    typos = features_of(person(3, "Jnae Smyth"))
    assert set(blocking_keys(typos)) & set(blocking_keys(maiden)) == {("sound", "jn", "smt")}
    nickname = features_of(person(3, "Bob Tane"))
    formal = features_of(person(4, "Robert Tane"))
    assert ("name", "robert", "tane") in set(blocking_keys(nickname)) & set(blocking_keys(formal))


def test_large_blocks_are_windowed_not_dropped():
    namesakes = [person(n, "John Smith") for n in range(200)]
    pairs = duplicate_pairs_find(namesakes, threshold=0.0)
    # 200 namesakes would give 19,900 pairs; the window keeps each one's nearest neighbours.
    assert 199 <= len(pairs) < 19_900
