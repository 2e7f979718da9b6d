"""Synthetic New Zealand and Australian clients for the matching benchmark, with known truth.

Deterministic for a given seed (and the pinned Faker, whose name lists it samples). Three sets:

- `directory(n)`: a practice-management directory of people and organisations;
- `noisy_queries(directory, n)`: what a person types in the Connect Now box for a record of
  that directory, with one kind of noise each (typo, legal suffix, word order, missing middle
  name, lower case);
- `contacts_with_duplicates(n)`: a firm's individuals, some entered twice or three times with
  the kinds of differences real duplicates have, plus households (same surname, address and home
  phone, different people) that must not be taken for duplicates.
"""

import random
import string
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from itertools import accumulate, combinations

from faker.providers.address import en_AU as address_au
from faker.providers.address import en_NZ as address_nz
from faker.providers.person import en_IN, en_NZ, en_US, zh_CN

from matching.normalise import NICKNAMES

NOISE_KINDS = ("typo", "suffix", "swap", "middle", "lower")

_FORMAL_TO_NICKNAMES: dict[str, list[str]] = {}
for _nickname, _formal in sorted(NICKNAMES.items()):
    _FORMAL_TO_NICKNAMES.setdefault(_formal, []).append(_nickname)

_INDUSTRIES = (
    "Plumbing", "Electrical", "Holdings", "Investments", "Properties", "Consulting",
    "Construction", "Dairies", "Orchards", "Trading", "Builders", "Accounting", "Motors",
    "Cafe", "Design", "Landscaping", "Transport", "Engineering", "Medical", "Dental",
    "Physiotherapy", "Vineyards", "Farming", "Logistics", "Joinery", "Roofing", "Painters",
    "Kitchens", "Marine", "Fitness", "Bakery", "Florists", "Security", "Cleaning", "Imports",
    "Developments", "Contracting", "Surveying", "Architects", "Pharmacy",
)  # fmt: skip
_EMAIL_DOMAINS = (
    "gmail.com", "xtra.co.nz", "outlook.com", "hotmail.com", "yahoo.com.au", "icloud.com",
    "bigpond.com", "slingshot.co.nz", "orcon.net.nz", "optusnet.com.au",
)  # fmt: skip
_STREET_ABBREVIATIONS = {"Street": "St", "Road": "Rd", "Avenue": "Ave", "Drive": "Dr"}


def _weighted(pool) -> tuple[list[str], list[float]]:
    """Names and cumulative weights, ready for `random.choices`."""
    if isinstance(pool, dict):
        names, weights = list(pool), [float(weight) for weight in pool.values()]
    else:
        names = sorted(set(pool))
        weights = [1.0] * len(names)
    return names, list(accumulate(weights))


class _Names:
    """Name pools: mostly New Zealand, some American, Indian and Chinese names."""

    def __init__(self) -> None:
        self.female = _weighted(en_NZ.Provider.first_names_female)
        self.male = _weighted(en_NZ.Provider.first_names_male)
        self.other_first = _weighted(
            list(en_IN.Provider.first_names) + list(zh_CN.Provider.first_romanized_names)
        )
        self.last_nz = _weighted(en_NZ.Provider.last_names)
        self.last_us = _weighted(en_US.Provider.last_names)
        self.last_other = _weighted(
            list(en_IN.Provider.last_names) + list(zh_CN.Provider.last_romanized_names)
        )
        self.street_suffixes = sorted(
            set(address_nz.Provider.street_suffixes) & set(address_au.Provider.street_suffixes)
        )
        self.te_reo = (address_nz.Provider.te_reo_parts, address_nz.Provider.te_reo_endings)


@dataclass
class Person:
    key: str
    entity: int
    first_name: str
    middle_name: str
    last_name: str
    date_of_birth: str
    email: str
    phone: str
    mobile: str
    address_line1: str
    city: str
    post_code: str
    tax_number: str
    kind: str = "individual"

    @property
    def name(self) -> str:
        return " ".join(p for p in (self.first_name, self.middle_name, self.last_name) if p)

    def fields(self) -> dict[str, str]:
        return {
            "name": self.name,
            "kind": self.kind,
            "first_name": self.first_name,
            "middle_name": self.middle_name,
            "last_name": self.last_name,
            "date_of_birth": self.date_of_birth,
            "email": self.email,
            "phone": self.phone,
            "mobile": self.mobile,
            "address_line1": self.address_line1,
            "city": self.city,
            "post_code": self.post_code,
            "tax_number": self.tax_number,
        }


@dataclass
class Organisation:
    key: str
    name: str
    kind: str
    email: str
    phone: str
    company_number: str
    suffix: str = ""
    words: tuple[str, ...] = field(default=())

    def fields(self) -> dict[str, str]:
        return {
            "name": self.name,
            "kind": self.kind,
            "email": self.email,
            "phone": self.phone,
            "company_number": self.company_number,
        }


@dataclass(frozen=True)
class Query:
    text: str
    noise: str
    truth: str  # the key of the record it was made from


class Generator:
    def __init__(self, seed: int = 20240611):
        self.random = random.Random(seed)
        self.names = _Names()
        self._serial = 0

    def _pick(self, pool: tuple[list[str], list[float]]) -> str:
        names, cumulative = pool
        return self.random.choices(names, cum_weights=cumulative)[0]

    def _next_key(self, prefix: str) -> str:
        self._serial += 1
        return f"{prefix}{self._serial:06d}"

    def first_name(self, female: bool) -> str:
        if self.random.random() < 0.15:
            return self._pick(self.names.other_first)
        return self._pick(self.names.female if female else self.names.male)

    def last_name(self) -> str:
        roll = self.random.random()
        if roll < 0.6:
            return self._pick(self.names.last_nz)
        if roll < 0.85:
            return self._pick(self.names.last_us)
        return self._pick(self.names.last_other)

    def te_reo_word(self) -> str:
        first, endings = self.names.te_reo
        return (self.random.choice(first) + self.random.choice(endings)).capitalize()

    def phone(self) -> str:
        """A mobile ("021 555 0123") or a landline with its area code ("(09) 555 0123")."""
        rng = self.random
        if rng.random() < 0.75:
            return f"02{rng.choice('1279')} {rng.randint(100, 999)} {rng.randint(1000, 9999)}"
        return f"(0{rng.choice('34679')}) {rng.randint(200, 999)} {rng.randint(1000, 9999)}"

    def address(self) -> tuple[str, str, str]:
        street = f"{self.last_name()} {self.random.choice(self.names.street_suffixes)}"
        if self.random.random() < 0.5:
            street = (
                f"{self.te_reo_word()} {self.random.choice(('Street', 'Road', 'Avenue', 'Drive'))}"
            )
        city = self.te_reo_word() if self.random.random() < 0.4 else f"{self.last_name()}ton"
        return (
            f"{self.random.randint(1, 400)} {street}",
            city,
            f"{self.random.randint(100, 9999):04d}",
        )

    def person(self, entity: int) -> Person:
        female = self.random.random() < 0.5
        first = self.first_name(female)
        middle = self.first_name(female) if self.random.random() < 0.45 else ""
        last = self.last_name()
        born = date(1935, 1, 1) + timedelta(days=self.random.randint(0, 365 * 72))
        email = ""
        if self.random.random() < 0.7:
            local = self.random.choice(
                (
                    f"{first}.{last}",
                    f"{first}{last}{self.random.randint(1, 99)}",
                    f"{first[0]}{last}",
                )
            )
            email = f"{local.lower().replace(' ', '')}@{self.random.choice(_EMAIL_DOMAINS)}"
        line1, city, post_code = self.address()
        return Person(
            key=self._next_key("P"),
            entity=entity,
            first_name=first,
            middle_name=middle,
            last_name=last,
            date_of_birth=born.isoformat() if self.random.random() < 0.8 else "",
            email=email,
            phone=self.phone() if self.random.random() < 0.3 else "",
            mobile=self.phone() if self.random.random() < 0.6 else "",
            address_line1=line1,
            city=city,
            post_code=post_code,
            tax_number=f"{self.random.randint(10_000_000, 139_999_999):09d}"
            if self.random.random() < 0.4
            else "",
        )

    def organisation(self) -> Organisation:
        roll = self.random.random()
        industry = self.random.choice(_INDUSTRIES)
        if roll < 0.2:
            kind, words, suffix = "trust", (self.last_name(), "Family", "Trust"), ""
        elif roll < 0.3:
            kind = "partnership"
            words, suffix = (self.last_name(), "&", self.last_name(), industry), ""
        else:
            kind = "company"
            first = self.te_reo_word() if roll < 0.45 else self.last_name()
            words = (first, industry) if self.random.random() < 0.8 else (first, "&", "Co")
            suffix = self.random.choice(("Limited", "Ltd", "Pty Ltd", "Limited"))
        name = " ".join(words + ((suffix,) if suffix else ()))
        if kind == "trust" and self.random.random() < 0.3:
            name = f"The Trustee for the {name}"
        slug = "".join(c for c in words[0].lower() if c.isalpha())
        return Organisation(
            key=self._next_key("O"),
            name=name,
            kind=kind,
            email=f"office@{slug}{self.random.randint(1, 999)}.co.nz"
            if self.random.random() < 0.6
            else "",
            phone=self.phone() if self.random.random() < 0.7 else "",
            company_number=f"{self.random.randint(1_000_000, 9_999_999)}"
            if kind == "company"
            else "",
            suffix=suffix,
            words=words,
        )

    def typo(self, text: str, edits: int = 1) -> str:
        words = text.split()
        for _ in range(edits):
            choices = [i for i, w in enumerate(words) if len(w) >= 4 and w.isalpha()]
            if not choices:
                break
            i = self.random.choice(choices)
            word = words[i]
            at = self.random.randrange(1, len(word) - 1)
            operation = self.random.choice(("substitute", "delete", "insert", "transpose"))
            letter = self.random.choice(string.ascii_lowercase)
            if operation == "substitute":
                word = word[:at] + letter + word[at + 1 :]
            elif operation == "delete":
                word = word[:at] + word[at + 1 :]
            elif operation == "insert":
                word = word[:at] + letter + word[at:]
            else:
                word = word[: at - 1] + word[at] + word[at - 1] + word[at + 1 :]
            words[i] = word
        return " ".join(words)


def directory(n: int = 100_000, *, seed: int = 20240611) -> list[Person | Organisation]:
    """`n` PM clients: about 65% individuals and 35% organisations."""
    generator = Generator(seed)
    return [
        generator.person(entity=i) if generator.random.random() < 0.65 else generator.organisation()
        for i in range(n)
    ]


def _noisy(generator: Generator, record: Person | Organisation, noise: str) -> str:
    rng = generator.random
    if isinstance(record, Person):
        if noise == "typo":
            return generator.typo(record.name, edits=rng.choice((1, 1, 2)))
        if noise == "swap":
            return (
                f"{record.last_name}, {record.first_name}"
                if rng.random() < 0.5
                else (f"{record.last_name} {record.first_name} {record.middle_name}".strip())
            )
        if noise == "middle":
            return f"{record.first_name} {record.last_name}"
        return record.name.lower()
    if noise == "typo":
        return generator.typo(record.name, edits=rng.choice((1, 1, 2)))
    if noise == "suffix":
        other = {"Limited": "Ltd", "Ltd": "Limited", "Pty Ltd": "Pty Limited", "": "Limited"}
        replacement = rng.choice((other[record.suffix], ""))
        words = list(record.words)
        if "&" in words and rng.random() < 0.5:
            words[words.index("&")] = "and"
        if record.kind == "trust":
            return " ".join(words[:-1]) + rng.choice((" Trust", " Family Trust", " Trustee"))
        return " ".join(words + ([replacement] if replacement else []))
    if noise == "swap":
        words = list(record.words)
        words[0], words[-1] = words[-1], words[0]
        return " ".join(words + ([record.suffix] if record.suffix else []))
    return record.name.lower()


def noisy_queries(
    records: list[Person | Organisation], n: int = 1000, *, seed: int = 7
) -> list[Query]:
    """`n` queries, the noise kinds in equal shares; each names the record it came from."""
    generator = Generator(seed)
    people = [r for r in records if isinstance(r, Person)]
    with_middle = [r for r in people if r.middle_name]
    organisations = [r for r in records if isinstance(r, Organisation)]
    swappable = [r for r in records if isinstance(r, Person) or "&" not in r.words]
    queries = []
    for i in range(n):
        noise = NOISE_KINDS[i % len(NOISE_KINDS)]
        if noise == "middle":
            pool = with_middle
        elif noise == "suffix":
            pool = organisations
        elif noise == "swap":
            # "Co & Smith Ltd" is no one's typing: swap people's names and "&"-free names only.
            pool = swappable
        else:
            pool = records
        record = generator.random.choice(pool)
        queries.append(Query(text=_noisy(generator, record, noise), noise=noise, truth=record.key))
    return queries


def _duplicate_of(generator: Generator, person: Person) -> Person:
    """The same person entered again, the way people re-enter each other."""
    rng = generator.random
    copy = replace(person, key=generator._next_key("P"))
    if rng.random() < 0.15 and person.first_name.lower() in _FORMAL_TO_NICKNAMES:
        copy.first_name = rng.choice(_FORMAL_TO_NICKNAMES[person.first_name.lower()]).title()
    if rng.random() < 0.25:
        copy.first_name = generator.typo(copy.first_name) or copy.first_name
    if rng.random() < 0.25:
        copy.last_name = generator.typo(copy.last_name) or copy.last_name
    if person.middle_name:
        roll = rng.random()
        if roll < 0.3:
            copy.middle_name = ""
        elif roll < 0.5:
            copy.middle_name = person.middle_name[0]
    if rng.random() < 0.03:
        copy.last_name = generator.last_name()  # a new surname after marriage
    if rng.random() < 0.1:
        copy.first_name, copy.last_name = copy.last_name, copy.first_name
    if rng.random() < 0.1:
        copy.first_name, copy.last_name = copy.first_name.upper(), copy.last_name.upper()
    roll = rng.random()
    if roll < 0.35:
        copy.email = ""
    elif roll < 0.45 and person.email:
        copy.email = f"{person.first_name.lower()}{rng.randint(1, 99)}@{rng.choice(_EMAIL_DOMAINS)}"
    if rng.random() < 0.4 and copy.mobile:
        copy.mobile = "+64 " + copy.mobile[1:]
    if rng.random() < 0.3:
        copy.mobile = ""
    if rng.random() < 0.3:
        copy.phone = ""
    roll = rng.random()
    if roll < 0.2:
        copy.date_of_birth = ""
    elif roll < 0.25 and person.date_of_birth:
        born = date.fromisoformat(person.date_of_birth)
        if born.day <= 12:
            copy.date_of_birth = born.replace(month=born.day, day=born.month).isoformat()
    if rng.random() < 0.3:
        for word, short in _STREET_ABBREVIATIONS.items():
            copy.address_line1 = copy.address_line1.replace(word, short)
    if rng.random() < 0.1:
        copy.address_line1, copy.city, copy.post_code = generator.address()
    if rng.random() < 0.5:
        copy.tax_number = ""
    return copy


def _household_member(generator: Generator, person: Person, entity: int) -> Person:
    """Someone living with `person`: same surname, address and home phone; another person."""
    other = generator.person(entity)
    other.last_name = person.last_name
    other.address_line1, other.city, other.post_code = (
        person.address_line1,
        person.city,
        person.post_code,
    )
    other.phone = person.phone
    return other


def contacts_with_duplicates(n: int = 100_000, *, seed: int = 99) -> list[Person]:
    """`n` individuals; about 9% are second or third entries of another, 8% share a household.

    `Person.entity` is the truth: records of one entity are the same person.
    """
    generator = Generator(seed)
    rng = generator.random
    contacts: list[Person] = []
    entity = 0
    while len(contacts) < n:
        person = generator.person(entity)
        contacts.append(person)
        roll = rng.random()
        if roll < 0.08:
            contacts.append(_duplicate_of(generator, person))
        elif roll < 0.09:
            contacts.extend([_duplicate_of(generator, person), _duplicate_of(generator, person)])
        if rng.random() < 0.08:
            entity += 1
            contacts.append(_household_member(generator, person, entity))
        entity += 1
    contacts = contacts[:n]
    rng.shuffle(contacts)
    return contacts


def true_pairs(contacts: list[Person]) -> set[tuple[str, str]]:
    by_entity: dict[int, list[str]] = {}
    for person in contacts:
        by_entity.setdefault(person.entity, []).append(person.key)
    return {
        (a, b) if a < b else (b, a) for keys in by_entity.values() for a, b in combinations(keys, 2)
    }


def iter_fields(records: list[Person | Organisation]) -> Iterator[tuple[str, dict[str, str]]]:
    for record in records:
        yield record.key, record.fields()
