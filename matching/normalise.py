"""Canonical forms of the values records are matched on.

Every function here is total: any text (or None) goes in, a canonical value or an empty value
comes out, never an exception, because the values come from people and from other systems.

Names keep their word order in `name_normalise` (so the result stays readable and re-normalising
it changes nothing); `name_tokens` is the order-insensitive form the scorer and the index use.
"""

import re
import unicodedata
from datetime import date, datetime
from functools import cache

import phonenumbers

# Letters that Unicode does not decompose into a base letter plus accents.
_LETTERS = str.maketrans(
    {
        "ß": "ss",
        "æ": "ae",
        "ø": "o",
        "œ": "oe",
        "đ": "d",
        "ð": "d",
        "ł": "l",
        "þ": "th",
        "\u0131": "i",
    }
)
# Straight, curly and modifier-letter apostrophes, and the backtick people type for one.
_APOSTROPHES = re.compile("['\u2019\u2018`\u02bc]")
_TOKEN = re.compile(r"[^\W_]+")

_HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "mx", "dr", "prof", "sir", "dame"})
# Words that carry no identity: "Smith & Jones" is "Smith and Jones" is "The Smith Jones".
_NOISE_WORDS = frozenset({"and", "the"})
# Legal forms, dropped from the end of a name only: "Ltd" closes a company name, while
# "Company" or "Co" inside one ("Co Operative Dairies") is part of it.
LEGAL_SUFFIXES = frozenset(
    {
        "ltd",
        "limited",
        "pty",
        "proprietary",
        "co",
        "company",
        "inc",
        "incorporated",
        "llc",
        "llp",
        "plc",
        "corp",
        "corporation",
    }
)
_TRUSTEE_WORDS = frozenset({"trustee", "trustees"})
NAME_RULE_WORDS = _HONORIFICS | _NOISE_WORDS | LEGAL_SUFFIXES | _TRUSTEE_WORDS | {"atf"}
_NOT_DIGITS = re.compile(r"[^0-9]")
_EMAIL_SHAPE = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")

# Nickname -> formal name. Only unambiguous pairs: "Pat", "Sam", "Alex" or "Chris" could be
# several names. Targets are never keys, so mapping twice gives the same answer.
NICKNAMES = {
    nickname: formal
    for formal, nicknames in {
        "robert": "bob bobby rob robbie",
        "william": "bill billy will willie",
        "elizabeth": "liz lizzie beth betty",
        "richard": "rick ricky dick rich",
        "james": "jim jimmy jamie",
        "john": "johnny",
        "michael": "mike mick mickey",
        "thomas": "tom tommy",
        "anthony": "tony",
        "andrew": "andy drew",
        "daniel": "dan danny",
        "david": "dave davey",
        "edward": "ed eddie ted ned",
        "joseph": "joe joey",
        "margaret": "maggie peggy",
        "katherine": "kate katie cathy kathy catherine kathryn katharine",
        "jennifer": "jen jenny",
        "rebecca": "becky bec becca",
        "benjamin": "ben benny",
        "nicholas": "nick nicky",
        "matthew": "matt",
        "stephen": "steve steven stevie",
        "timothy": "tim timmy",
        "gregory": "greg",
        "jeffrey": "jeff",
        "kenneth": "ken kenny",
        "lawrence": "larry",
        "ronald": "ron ronnie",
        "donald": "don donnie",
        "douglas": "doug",
        "peter": "pete",
        "philip": "phil phillip",
        "susan": "sue susie",
        "deborah": "deb debbie debra",
        "victoria": "vicky vicki tori",
        "jessica": "jess jessie",
        "frederick": "fred freddie",
        "charles": "charlie chuck",
        "jonathan": "jono",
        "alexander": "sasha",
    }.items()
    for nickname in nicknames.split()
}


def text_fold(value: str | None) -> str:
    """Lower case, accents and apostrophes removed, punctuation turned into single spaces."""
    if not value:
        return ""
    text = _APOSTROPHES.sub("", str(value))
    if text.isascii():
        return " ".join(_TOKEN.findall(text.lower()))
    # Case folding and decomposition feed each other ("ẞ" -> "ss", "İ" -> "i" and a
    # dot), so run both until nothing changes; two rounds settle every character in practice.
    for _ in range(3):
        folded = unicodedata.normalize("NFKD", text.casefold())
        folded = "".join(c for c in folded if not unicodedata.combining(c)).translate(_LETTERS)
        if folded == text:
            break
        text = folded
    return " ".join(_TOKEN.findall(text))


def _drop_trustee_prefix(words: list[str]) -> list[str]:
    """Both "(The) Trustee(s) for the X Trust" and "J Smith ATF X Trust" name the trust X."""
    if "atf" in words[:-1]:
        last = len(words) - 1 - words[::-1].index("atf")
        if last < len(words) - 1:
            words = words[last + 1 :]
    while len(words) > 2 and words[0] in _TRUSTEE_WORDS and words[1] in {"for", "of"}:
        words = words[2:]
    return words


def name_normalise(value: str | None, *, nicknames: bool = True) -> str:
    """The canonical form of a person's or organisation's name, in its own word order.

    Folded as `text_fold`, then: leading honorifics and trustee phrases, "&"/"and"/"the" and
    trailing legal forms dropped, and (unless `nicknames` is false) nicknames replaced by the
    formal name. A name made only of dropped words keeps its last one, so no name is emptied.
    """
    words = text_fold((value or "").replace("&", " and ").replace("+", " and ")).split()
    changed = not NAME_RULE_WORDS.isdisjoint(words)
    while changed and words:
        before = words
        words = [word for word in words if word not in _NOISE_WORDS] or words[-1:]
        words = _drop_trustee_prefix(words)
        while len(words) > 1 and words[0] in _HONORIFICS:
            words = words[1:]
        while len(words) > 1 and words[-1] in LEGAL_SUFFIXES:
            words = words[:-1]
        changed = words != before
    if nicknames:
        words = [NICKNAMES.get(word, word) for word in words]
    return " ".join(words)


def name_tokens(value: str | None) -> tuple[str, ...]:
    """The words of the normalised name in sorted order: word order does not matter."""
    return tuple(sorted(name_normalise(value).split()))


def email_normalise(value: str | None) -> str:
    """Trimmed and case-folded; "" for anything that is not shaped like an address."""
    email = (value or "").strip().casefold()
    return email if _EMAIL_SHAPE.fullmatch(email) else ""


@cache
def _national_dialling(region: str) -> tuple[str, str, re.Pattern[str] | None]:
    """The region's country code, national (trunk) prefix and international prefix pattern."""
    metadata = phonenumbers.PhoneMetadata.metadata_for_region(region.upper())
    if metadata is None or not metadata.national_prefix:
        return "", "", None
    international = metadata.international_prefix
    return (
        str(metadata.country_code),
        metadata.national_prefix,
        re.compile(international) if international else None,
    )


def phone_normalise(value: str | None, *, region: str = "NZ") -> str:
    """E.164 ("+6421234567") where the number can be read; otherwise its digits, or ""."""
    raw = (value or "").strip()
    digits = _NOT_DIGITS.sub("", raw)
    if len(digits) < 5:
        return ""
    if raw.startswith("+"):
        # Already international: E.164 is the plus and the digits, no parsing needed.
        return f"+{digits}"
    country_code, national_prefix, international_prefix = _national_dialling(region)
    if (
        national_prefix
        and digits.startswith(national_prefix)
        and not (international_prefix and international_prefix.match(digits))
    ):
        # The common shape ("021 123 4567") read from phonenumbers' own metadata, at a
        # hundredth of the cost of a full parse; imports normalise thousands of numbers.
        return f"+{country_code}{digits[len(national_prefix) :]}"
    try:
        number = phonenumbers.parse(digits, region)
    except phonenumbers.NumberParseException:
        return digits
    if not phonenumbers.is_possible_number(number):
        return digits
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


_DATE_FORMATS = ("%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y")


def date_normalise(value: date | str | None) -> date | None:
    """A date from a date, a datetime or text (ISO, YYYYMMDD or day-first as in NZ and AU)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = " ".join(str(value or "").split())
    if not text:
        return None
    try:
        # ISO dates and YYYYMMDD, the shapes systems export, without strptime's cost.
        return date.fromisoformat(text)
    except ValueError:
        pass
    for date_format in _DATE_FORMATS:
        try:
            return datetime.strptime(text, date_format).date()
        except ValueError:
            continue
    return None


def number_normalise(value: str | int | None) -> str:
    """Tax, company and business numbers: digits only, without leading zeros.

    "012-345-678" and "12345678" are the same IRD number; leading zeros are padding.
    """
    return _NOT_DIGITS.sub("", str(value or "")).lstrip("0")


def post_code_normalise(value: str | None) -> str:
    """Folded with spaces removed: "SW1A 1AA" and "sw1a1aa" agree."""
    return text_fold(value).replace(" ", "")
