from hypothesis import given
from hypothesis import strategies as st

from matching.records import MatchRecord, features_of
from matching.scoring import compare, compare_features, score_features


def person(**fields) -> MatchRecord:
    return MatchRecord(key=fields.pop("key", 1), kind="individual", **fields)


def test_same_email_and_similar_name_explained_agreement_first():
    result = compare(
        person(name="Jane Smith", emails=("jane@example.com",)),
        person(name="Jane Smyth", emails=("JANE@example.com",)),
    )
    assert result.reasons[0] == "same email"
    assert result.reasons[-1].startswith("name ")
    assert result.explanation == "; ".join(result.reasons)
    assert result.score > 0.95


def test_name_percentage_in_reasons():
    result = compare(person(name="Jane Smith"), person(name="Jane Smyth"))
    assert result.reasons == (f"name {int(result.name_similarity * 100)}%",)


def test_exact_name_alone_scores_high_but_not_certain():
    result = compare(person(name="Aroha Ngata"), person(name="NGATA, Aroha"))
    assert result.name_similarity == 1.0
    assert 0.95 < result.score < 0.99
    assert result.reasons == ("name 100%",)


def test_different_date_of_birth_outweighs_the_same_name():
    same_name = compare(person(name="John Smith"), person(name="John Smith"))
    other_born = compare(
        person(name="John Smith", date_of_birth="1970-01-02"),
        person(name="John Smith", date_of_birth="1985-06-30"),
    )
    assert other_born.score < same_name.score
    assert "different date of birth" in other_born.reasons


def test_day_and_month_swapped_is_a_similar_date_of_birth():
    result = compare(
        person(name="Ana Lee", date_of_birth="1980-03-07"),
        person(name="Ana Lee", date_of_birth="07/03/1980"),
    )
    assert "same date of birth" in result.reasons
    swapped = compare(
        person(name="Ana Lee", date_of_birth="1980-03-07"),
        person(name="Ana Lee", date_of_birth="1980-07-03"),
    )
    assert "similar date of birth" in swapped.reasons


def test_phone_numbers_compare_in_e164():
    result = compare(
        person(name="Ana Lee", phones=("021 555 0101",)),
        person(name="Ana Lee", phones=("+64 21 555 0101",)),
    )
    assert "same phone" in result.reasons


def test_tax_and_company_numbers_compare_as_digits():
    tax = compare(
        person(name="Ana Lee", tax_number="012-345-678"),
        person(name="Ana Lee", tax_number="12345678"),
    )
    assert tax.reasons[0] == "same tax number"
    company = compare(
        MatchRecord(key=1, kind="company", name="Kauri Ltd", company_number="1234567"),
        MatchRecord(key=2, kind="company", name="Totara Ltd", company_number="7654321"),
    )
    assert "different company number" in company.reasons


def test_a_company_number_carries_a_renamed_company():
    renamed = compare(
        MatchRecord(key=1, kind="company", name="Kauri Plumbing Ltd", company_number="1234567"),
        MatchRecord(key=2, kind="company", name="Totara Pipes Ltd", company_number="1234567"),
    )
    assert renamed.reasons[0] == "same company number"
    assert renamed.score > 0.5


def test_kinds_that_cannot_link_count_against():
    result = compare(
        MatchRecord(key=1, kind="company", name="Jane Smith Ltd"),
        MatchRecord(key=2, kind="individual", name="Jane Smith"),
    )
    assert "different kind" in result.reasons
    assert result.score < 0.5
    entity_kinds = compare(
        MatchRecord(key=1, kind="trust", name="Smith Family Trust"),
        MatchRecord(key=2, kind="company", name="Smith Family Trust"),
    )
    assert "different kind" not in entity_kinds.reasons


def test_nickname_and_initial_are_nearly_the_same_name():
    nickname = compare(person(name="Bob Smith"), person(name="Robert Smith"))
    initial = compare(person(name="R Smith"), person(name="Robert Smith"))
    stranger = compare(person(name="Mark Smith"), person(name="Robert Smith"))
    assert nickname.name_similarity > initial.name_similarity > stranger.name_similarity
    assert nickname.name_similarity < 1.0


def test_missing_middle_name_costs_little():
    result = compare(person(name="Jane Smith"), person(name="Jane Mary Smith"))
    assert 0.8 < result.name_similarity < 1.0


def test_a_word_written_twice_is_paired_once():
    # "jane" and "smith" pair (weights 2 x (4 + 6) and 2 x (5 + 6)); the second "jane" is
    # left over at 0.4 of its weight (4 + 6).
    result = compare(person(name="Jane Jane Smith"), person(name="Jane Smith"))
    assert result.name_similarity == round(42 / 46, 4)


def test_nothing_in_common_to_compare():
    result = compare(MatchRecord(key=1), MatchRecord(key=2, name="Jane"))
    assert result.score == 0.0
    assert result.reasons == ("nothing to compare",)


names = st.sampled_from(
    ["Jane Smith", "Jane Mary Smith", "J Smith", "Smith Jane", "Bob Jones", "Robert Jones", ""]
) | st.text(max_size=30)
records = st.builds(
    MatchRecord,
    key=st.just(0),
    name=names,
    kind=st.sampled_from(["", "individual", "company", "trust"]),
    emails=st.lists(st.sampled_from(["a@x.co.nz", "b@x.co.nz", "nonsense"]), max_size=2).map(tuple),
    phones=st.lists(
        st.sampled_from(["021 555 0101", "+64215550101", "09 555 0101"]), max_size=2
    ).map(tuple),
    date_of_birth=st.sampled_from([None, "1980-03-07", "1980-07-03", "1981-03-07"]),
    tax_number=st.sampled_from(["", "12345678", "12345687", "87654321"]),
    address=st.sampled_from(["", "1 Queen Street Auckland", "1 Queen St Auckland", "9 Rata Road"]),
    post_code=st.sampled_from(["", "1010", "6011"]),
)


@given(records, records)
def test_score_is_symmetric_and_within_bounds(a, b):
    forward = compare(a, b)
    backward = compare(b, a)
    assert forward == backward
    assert 0.0 <= forward.score <= 1.0
    assert 0.0 <= forward.name_similarity <= 1.0


@given(records)
def test_a_record_is_at_least_as_like_itself_as_anything_else(a):
    itself = compare(a, a)
    assert all(not reason.startswith("different") for reason in itself.reasons)


@given(records, records)
def test_scoring_without_reasons_gives_the_same_score_and_name_similarity(a, b):
    features_a, features_b = features_of(a), features_of(b)
    full = compare_features(features_a, features_b)
    assert score_features(features_a, features_b) == (full.score, full.name_similarity)
