from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from matching.normalise import (
    NAME_RULE_WORDS,
    date_normalise,
    email_normalise,
    name_normalise,
    name_tokens,
    number_normalise,
    phone_normalise,
    post_code_normalise,
    text_fold,
)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("  SMITH  ", "smith"),
        ("O'Brien", "obrien"),
        ("O\u2019Brien", "obrien"),
        ("Smith-Jones", "smith jones"),
        ("Zoë Māori Ōtautahi", "zoe maori otautahi"),
        ("Straße", "strasse"),
        ("Søren Łukasz", "soren lukasz"),
        ("J.R.R. Tolkien", "j r r tolkien"),
        ("\uff21\uff22\uff23", "abc"),  # full-width letters,
    ],
)
def test_text_fold_lowers_strips_accents_and_punctuation(raw, expected):
    assert text_fold(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        # Legal forms closing a name are dropped, one or several.
        ("Kauri Holdings Limited", "kauri holdings"),
        ("Kauri Holdings Ltd.", "kauri holdings"),
        ("Kauri Holdings Pty Ltd", "kauri holdings"),
        ("Acme Inc", "acme"),
        ("Acme LLC", "acme"),
        ("Smith & Co", "smith"),
        ("Smith and Company Limited", "smith"),
        # Inside a name they stay.
        ("Co Operative Dairies", "co operative dairies"),
        ("Limited Editions Ltd", "limited editions"),
        # A name made only of legal words keeps its last word rather than vanishing.
        ("Limited", "limited"),
        # "&", "+" and "and" are the same, and carry nothing.
        ("Smith & Jones", "smith jones"),
        ("Smith + Jones", "smith jones"),
        ("Smith and Jones", "smith jones"),
        # "The" goes wherever it is.
        ("The Warehouse", "warehouse"),
        # Trust and trustee phrasing name the trust.
        ("The Trustee for the Smith Family Trust", "smith family trust"),
        ("Trustees of Smith Family Trust", "smith family trust"),
        ("J Smith ATF Smith Family Trust", "smith family trust"),
        ("Smith Family Trust", "smith family trust"),
        # Honorifics before a name go.
        ("Mrs Jane Smith", "jane smith"),
        ("Dr. John Smith", "john smith"),
        # Nicknames become the formal name.
        ("Bob Smith", "robert smith"),
        ("Bill Jones", "william jones"),
        ("Liz Taylor", "elizabeth taylor"),
        ("Kate Catherine", "katherine katherine"),
        # Initials stay initials.
        ("J. R. Smith", "j r smith"),
        ("", ""),
    ],
)
def test_name_normalise_rules(raw, expected):
    assert name_normalise(raw) == expected


def test_name_normalise_can_keep_nicknames():
    assert name_normalise("Bob Smith", nicknames=False) == "bob smith"


def test_name_tokens_ignore_word_order():
    assert name_tokens("Smith, John") == name_tokens("john SMITH") == ("john", "smith")


def test_name_tokens_are_sorted():
    assert name_tokens("Zed Adam Mike") == ("adam", "michael", "zed")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (" Jane.Smith@Example.COM ", "jane.smith@example.com"),
        ("not an email", ""),
        ("jane@localhost", ""),
        ("jane smith@example.com", ""),
        (None, ""),
    ],
)
def test_email_normalise(raw, expected):
    assert email_normalise(raw) == expected


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("021 123 4567", "NZ", "+64211234567"),
        ("(09) 555-1234", "NZ", "+6495551234"),
        ("+64 21 123 4567", "NZ", "+64211234567"),
        ("0061 2 9876 5432", "NZ", "+61298765432"),
        ("0412 345 678", "AU", "+61412345678"),
        ("9 555 1234", "NZ", "+6495551234"),
        ("123", "NZ", ""),
        ("", "NZ", ""),
        (None, "NZ", ""),
    ],
)
def test_phone_normalise_gives_e164(raw, region, expected):
    assert phone_normalise(raw, region=region) == expected


def test_phone_normalise_national_shape_agrees_with_phonenumbers():
    # The fast path for "0..." numbers must give what a full phonenumbers parse gives.
    assert phone_normalise("027 555 0199") == phone_normalise("27 555 0199")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1981-02-09", date(1981, 2, 9)),
        ("19810209", date(1981, 2, 9)),
        ("09/02/1981", date(1981, 2, 9)),
        ("9-2-1981", date(1981, 2, 9)),
        ("9 Feb 1981", date(1981, 2, 9)),
        (date(1981, 2, 9), date(1981, 2, 9)),
        (datetime(1981, 2, 9, 13, 30), date(1981, 2, 9)),
        ("31/02/1981", None),
        ("sometime", None),
        ("", None),
        (None, None),
    ],
)
def test_date_normalise(raw, expected):
    assert date_normalise(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("012-345-678", "12345678"),
        ("12 345 678", "12345678"),
        ("ABN 51 824 753 556", "51824753556"),
        ("", ""),
    ],
)
def test_number_normalise_keeps_digits_without_padding(raw, expected):
    assert number_normalise(raw) == expected


def test_post_code_normalise():
    assert post_code_normalise(" SW1A 1AA ") == post_code_normalise("sw1a1aa") == "sw1a1aa"


@given(st.text())
def test_name_normalise_is_idempotent_and_total(text):
    once = name_normalise(text)
    assert name_normalise(once) == once


@given(st.text())
def test_text_fold_is_idempotent(text):
    once = text_fold(text)
    assert text_fold(once) == once


# Words that a rule reads by position ("Ltd" only at the end, "trustee for" only at the start)
# are left out: for them order is meant to matter.
plain_words = st.text(alphabet=st.characters(categories=["L"]), min_size=1).filter(
    lambda word: NAME_RULE_WORDS.isdisjoint(text_fold(word).split())
)


@given(st.lists(plain_words, max_size=5))
def test_name_tokens_do_not_depend_on_word_order(words):
    assert name_tokens(" ".join(words)) == name_tokens(" ".join(reversed(words)))


@given(st.text())
def test_other_normalisers_never_raise(text):
    email_normalise(text)
    phone_normalise(text)
    date_normalise(text)
    number_normalise(text)
    post_code_normalise(text)
