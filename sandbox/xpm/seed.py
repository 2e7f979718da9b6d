"""Deterministic practice data: NZ and AU companies, trusts, partnerships and people.

Faker runs only to fill small pools of names and places once; every record is then combined
from those pools with one seeded `random.Random`, which keeps 100,000 clients to a few seconds
and makes the data a pure function of (seed, number of clients).
"""

import functools
import random
import re
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from faker import Faker

from sandbox.xpm.store import (
    WEB_URL,
    Client,
    Contact,
    ContactLink,
    Group,
    PracticeStore,
    Relationship,
)

# Modified dates spread back from this instant, so `modifiedSince` answers never depend on
# the day the sandbox starts.
MODIFIED_ANCHOR = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
MODIFIED_SPREAD = timedelta(days=3 * 365)

TENANT_NAMESPACE = uuid.UUID("6f2b7c1e-5d0a-4e8f-9a3b-2c1d0e9f8a7b")

INDUSTRY_WORDS = (
    "Plumbing",
    "Builders",
    "Electrical",
    "Consulting",
    "Holdings",
    "Investments",
    "Dairy",
    "Orchards",
    "Vineyards",
    "Engineering",
    "Logistics",
    "Joinery",
    "Motors",
    "Dental",
    "Physiotherapy",
    "Landscaping",
    "Roofing",
    "Cafe",
    "Bakery",
    "Design",
    "Properties",
    "Transport",
    "Contracting",
    "Farms",
    "Trading",
    "Marine",
    "Fitness",
    "Technology",
)
PLACE_WORDS = (
    "Harbour",
    "Kauri",
    "Southern Cross",
    "Pacific",
    "Tasman",
    "Coastal",
    "Summit",
    "Totara",
    "Pohutukawa",
    "Riverside",
    "Northern",
    "Golden Bay",
    "Ironbark",
    "Wattle",
    "Bluegum",
    "Coral Sea",
    "Red Centre",
    "Highland",
    "Lakeside",
    "Matai",
)
NZ_REGIONS = (
    ("Auckland", "09"),
    ("Wellington", "04"),
    ("Canterbury", "03"),
    ("Otago", "03"),
    ("Waikato", "07"),
    ("Bay of Plenty", "07"),
    ("Hawke's Bay", "06"),
    ("Manawatu-Whanganui", "06"),
    ("Northland", "09"),
    ("Nelson", "03"),
)
AU_STATES = (
    ("NSW", "02", "2"),
    ("VIC", "03", "3"),
    ("QLD", "07", "4"),
    ("WA", "08", "6"),
    ("SA", "08", "5"),
    ("TAS", "03", "7"),
    ("ACT", "02", "2"),
)
STAFF = tuple(
    {"uuid": str(uuid.uuid5(TENANT_NAMESPACE, f"staff:{name}")), "name": name}
    for name in ("Aroha Ngata", "Ben Walker", "Chloe Tan", "Dev Patel", "Emma Robertson")
)
CLIENT_TYPES = (
    {"name": "Monthly Client", "costMarkup": 0.0, "paymentTerm": "DayOfMonth", "paymentDay": 20},
    {"name": "Annual Client", "costMarkup": 0.0, "paymentTerm": "WithinDays", "paymentDay": 14},
)
NOTE_TEXTS = (
    ("Engagement letter", "Engagement letter signed for the current year."),
    ("Call back", "Asked us to call after the end of the quarter about provisional tax."),
    ("Records", "Sends bank statements as PDFs; reconcile before the GST return."),
)
BIRTH_DATES = tuple(
    (datetime(1940, 1, 1) + timedelta(days=day)).isoformat() for day in range(0, 65 * 365, 3)
)
START_DATES = tuple(
    (datetime(2005, 1, 1) + timedelta(days=day)).isoformat() for day in range(0, 20 * 365, 2)
)
NOT_LETTERS = re.compile(r"[^A-Z]")
NOT_EMAIL_LOCAL = re.compile(r"[^a-z0-9.]")
EMAIL_DOMAINS = ("example.co.nz", "mail.example.co.nz", "example.com.au", "example.com")


@dataclass(frozen=True)
class NearDuplicate:
    """A client seeded as a noisy copy of another, with the kind of noise applied."""

    uuid: str
    original_uuid: str
    kind: str


@dataclass(frozen=True)
class Pools:
    first_names_male: tuple[str, ...]
    first_names_female: tuple[str, ...]
    last_names: tuple[str, ...]
    nz_cities: tuple[str, ...]
    nz_streets: tuple[str, ...]
    au_cities: tuple[str, ...]
    au_streets: tuple[str, ...]


@functools.cache
def pools_build(seed: int) -> Pools:
    nz = Faker("en_NZ")
    au = Faker("en_AU")
    nz.seed_instance(seed)
    au.seed_instance(seed)
    person = nz.provider("faker.providers.person")
    return Pools(
        first_names_male=tuple(sorted(set(person.first_names_male))),
        first_names_female=tuple(sorted(set(person.first_names_female))),
        last_names=tuple(sorted(set(person.last_names))),
        nz_cities=tuple(sorted({nz.city() for _ in range(300)})),
        nz_streets=tuple(sorted({nz.street_name() for _ in range(400)})),
        au_cities=tuple(sorted({au.city() for _ in range(300)})),
        au_streets=tuple(sorted({au.street_name() for _ in range(400)})),
    )


def tenant_id_for(seed: int, index: int) -> str:
    return str(uuid.uuid5(TENANT_NAMESPACE, f"{seed}:{index}"))


class _QuickRandom(random.Random):
    """`random.Random` whose picks cost one float draw each.

    The exact integer methods of the base class are several times slower, and a seed of
    100,000 clients makes millions of picks.
    """

    def choice(self, seq):
        return seq[int(self.random() * len(seq))]

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def randrange(self, stop: int) -> int:
        return int(self.random() * stop)


class _Generator:
    def __init__(self, *, seed: int, pools: Pools) -> None:
        self.rng = _QuickRandom(seed)
        self.pools = pools
        self.codes: dict[str, int] = {}

    def uuid(self) -> str:
        bits = f"{self.rng.getrandbits(128):032x}"
        variant = "89ab"[int(bits[16], 16) & 3]
        return f"{bits[:8]}-{bits[8:12]}-4{bits[13:16]}-{variant}{bits[17:20]}-{bits[20:]}"

    def digits(self) -> str:
        """78 random decimal digits: one draw serves every number of a record."""
        return str(self.rng.getrandbits(256)).zfill(78)

    def client_code(self, name: str) -> str:
        letters = NOT_LETTERS.sub("", name.upper())[:3].ljust(3, "X")
        self.codes[letters] = self.codes.get(letters, 0) + 1
        return f"{letters}{self.codes[letters]:03d}"

    def modified(self) -> datetime:
        # Squaring skews the spread toward recent changes, as in a working practice.
        back = MODIFIED_SPREAD * (self.rng.random() ** 2)
        return (MODIFIED_ANCHOR - back).replace(microsecond=0)

    def location(self, fields: dict, country: str, d: str) -> str:
        """Fill in the address and phone of `fields` from the digits `d`; return a mobile."""
        rng = self.rng
        if country == "New Zealand":
            region, area = rng.choice(NZ_REGIONS)
            city = rng.choice(self.pools.nz_cities)
            street = rng.choice(self.pools.nz_streets)
            postcode = d[-4:]
            phone = f"{area} {rng.randint(200, 999)} {d[-8:-4]}"
            mobile = f"02{'1279'[int(d[-9]) % 4]} {d[-12:-9]} {d[-16:-12]}"
        else:
            region, area, lead = rng.choice(AU_STATES)
            city = rng.choice(self.pools.au_cities)
            street = rng.choice(self.pools.au_streets)
            postcode = lead + d[-3:]
            phone = f"({area}) {rng.randint(5, 9)}{d[-7:-4]} {d[-11:-7]}"
            mobile = f"04{d[-13:-11]} {d[-16:-13]} {d[-19:-16]}"
        fields["address"] = f"{rng.randint(1, 480)} {street}"
        fields["city"] = city
        fields["region"] = region
        fields["postCode"] = postcode
        fields["country"] = country
        fields["phone"] = phone
        # Most practices leave the postal address empty unless mail goes to a PO Box.
        if rng.random() < 0.2:
            fields["postalAddress"] = f"PO Box {rng.randint(10, 99999)}"
            fields["postalCity"] = city
            fields["postalPostCode"] = postcode
            fields["postalCountry"] = country
        return mobile

    def tax_number(self, country: str, d: str) -> str:
        if country == "New Zealand":
            return f"{d[-22:-19]}-{d[-25:-22]}-{d[-28:-25]}"
        return f"{d[-22:-19]} {d[-25:-22]} {d[-28:-25]}"

    def person_name(self) -> tuple[str, str, str, str, str]:
        rng = self.rng
        if rng.random() < 0.5:
            gender, title = "Male", rng.choice(("Mr", "Mr", "Dr"))
            first = rng.choice(self.pools.first_names_male)
            middle_pool = self.pools.first_names_male
        else:
            gender, title = "Female", rng.choice(("Mrs", "Ms", "Miss", "Dr"))
            first = rng.choice(self.pools.first_names_female)
            middle_pool = self.pools.first_names_female
        middle = rng.choice(middle_pool) if rng.random() < 0.45 else ""
        return title, gender, first, middle, rng.choice(self.pools.last_names)

    def email(self, local: str) -> str:
        cleaned = NOT_EMAIL_LOCAL.sub("", local.lower())
        return f"{cleaned}@{self.rng.choice(EMAIL_DOMAINS)}"

    def base_fields(self, *, seq: int, name: str, country: str) -> tuple[dict, str, str]:
        """Fields every kind of client has, a mobile number, and unused digits for the rest."""
        rng = self.rng
        fields = {"uuid": self.uuid(), "name": name}
        d = self.digits()
        mobile = self.location(fields, country, d)
        fields |= {
            "isProspect": "Yes" if rng.random() < 0.03 else "No",
            "isArchived": "Yes" if rng.random() < 0.05 else "No",
            "isDeleted": "No",
            "taxNumber": self.tax_number(country, d),
            "balanceMonth": 3 if country == "New Zealand" else 6,
            "gstRegistered": "Yes" if rng.random() < 0.6 else "No",
            "clientCode": self.client_code(name),
            "webUrl": WEB_URL.format(seq=100000 + seq),
        }
        if rng.random() < 0.6:
            fields["accountManager"] = rng.choice(STAFF)
        if rng.random() < 0.3:
            fields["jobManager"] = rng.choice(STAFF)
        if rng.random() < 0.4:
            fields["type"] = rng.choice(CLIENT_TYPES)
        return fields, mobile, d[:-28]

    def individual(self, seq: int) -> Client:
        rng = self.rng
        country = "New Zealand" if rng.random() < 0.6 else "Australia"
        title, gender, first, middle, last = self.person_name()
        name = " ".join(part for part in (first, middle, last) if part)
        fields, mobile, _ = self.base_fields(seq=seq, name=name, country=country)
        fields |= {
            "title": title,
            "gender": gender,
            "firstName": first,
            "lastName": last,
            "email": self.email(f"{first}.{last}"),
            "dateOfBirth": rng.choice(BIRTH_DATES),
            "businessStructure": "Individual",
        }
        if middle:
            fields["middleName"] = middle
        client = Client(seq=seq, uuid=fields["uuid"], fields=fields, modified=self.modified())
        client.mobile = mobile
        return client

    def entity(self, seq: int) -> Client:
        rng = self.rng
        country = "New Zealand" if rng.random() < 0.6 else "Australia"
        roll = rng.random()
        if roll < 0.66:
            structure, name = "Company", self.company_name(country)
        elif roll < 0.87:
            structure, name = "Trust", self.trust_name()
        else:
            structure, name = "Partnership", self.partnership_name()
        fields, mobile, d = self.base_fields(seq=seq, name=name, country=country)
        domain_word = NOT_EMAIL_LOCAL.sub("", name.split()[0].lower()).strip(".") or "office"
        fields |= {
            "email": f"office@{domain_word}.{rng.choice(EMAIL_DOMAINS)}",
            "businessStructure": structure,
        }
        if rng.random() < 0.3:
            fields["website"] = f"https://www.{domain_word}.{rng.choice(EMAIL_DOMAINS)}"
        if structure == "Company":
            if country == "New Zealand":
                fields["companyNumber"] = str(rng.randint(1000000, 8999999))
                fields["businessNumber"] = "94290" + d[-8:]
            else:
                acn = d[-9:]
                fields["companyNumber"] = f"{acn[:3]} {acn[3:6]} {acn[6:]}"
                fields["businessNumber"] = f"{d[-11:-9]} {acn[:3]} {acn[3:6]} {acn[6:]}"
        client = Client(seq=seq, uuid=fields["uuid"], fields=fields, modified=self.modified())
        client.mobile = mobile
        return client

    def company_name(self, country: str) -> str:
        rng = self.rng
        last = rng.choice(self.pools.last_names)
        pattern = rng.random()
        if pattern < 0.4:
            stem = f"{last} {rng.choice(INDUSTRY_WORDS)}"
        elif pattern < 0.7:
            stem = f"{rng.choice(PLACE_WORDS)} {rng.choice(INDUSTRY_WORDS)}"
        elif pattern < 0.85:
            stem = f"{last} & {rng.choice(self.pools.last_names)}"
        else:
            stem = f"{last} Holdings"
        if country == "New Zealand":
            suffix = "Limited" if rng.random() < 0.7 else "Ltd"
        else:
            suffix = "Pty Ltd" if rng.random() < 0.75 else "Pty Limited"
        return f"{stem} {suffix}"

    def trust_name(self) -> str:
        rng = self.rng
        last = rng.choice(self.pools.last_names)
        pattern = rng.random()
        if pattern < 0.5:
            return f"The {last} Family Trust"
        if pattern < 0.7:
            return f"{last} Family Trust"
        if pattern < 0.85:
            first = rng.choice(self.pools.first_names_female)[0]
            other = rng.choice(self.pools.first_names_male)[0]
            return f"{first} & {other} {last} Trust"
        return f"{last} Investment Trust"

    def partnership_name(self) -> str:
        rng = self.rng
        last = rng.choice(self.pools.last_names)
        other = rng.choice(self.pools.last_names)
        pattern = rng.random()
        if pattern < 0.4:
            return f"{last} & {other}"
        if pattern < 0.7:
            return f"{last} & {other} Partnership"
        first = rng.choice(self.pools.first_names_male)
        second = rng.choice(self.pools.first_names_female)
        return f"{first} & {second} {last}"

    def near_duplicate(self, seq: int, original: Client) -> tuple[Client, str] | None:
        rng = self.rng
        name = original.fields["name"]
        fields = dict(original.fields)
        kinds = ["typo", "case"]
        if any(suffix in name for suffix in (" Limited", " Ltd")):
            kinds.append("suffix")
        if name.startswith("The "):
            kinds.append("article")
        if fields.get("middleName"):
            kinds.append("missing_middle_name")
        if fields.get("businessStructure") == "Individual":
            kinds.append("word_order")
        kind = rng.choice(kinds)
        if kind == "typo":
            position = rng.randint(1, max(1, len(name) - 2))
            if rng.random() < 0.5:
                new_name = name[:position] + name[position + 1 :]
            else:
                new_name = (
                    name[:position] + name[position:][1:2] + name[position] + name[position + 2 :]
                )
        elif kind == "case":
            new_name = name.lower()
        elif kind == "suffix":
            new_name = (
                name.replace(" Pty Limited", " Pty Ltd")
                if name.endswith(" Pty Limited")
                else name.replace(" Limited", " Ltd")
                if name.endswith(" Limited")
                else name.replace(" Ltd", " Limited")
            )
        elif kind == "article":
            new_name = name.removeprefix("The ")
        elif kind == "missing_middle_name":
            new_name = f"{fields['firstName']} {fields['lastName']}"
            fields.pop("middleName")
        else:
            new_name = f"{fields['lastName']} {fields['firstName']}"
        if new_name == name:
            return None
        fields |= {
            "uuid": self.uuid(),
            "name": new_name,
            "clientCode": self.client_code(new_name),
            "webUrl": WEB_URL.format(seq=100000 + seq),
            "isArchived": "No",
        }
        if rng.random() < 0.5:
            # Practices retype phone numbers: the copy keeps the digits, not the spacing.
            fields["phone"] = fields["phone"].replace(" ", "")
        client = Client(seq=seq, uuid=fields["uuid"], fields=fields, modified=self.modified())
        client.mobile = original.mobile
        return client, kind


def practice_seed(*, seed: int, clients: int, pools: Pools | None = None) -> PracticeStore:
    """Build a practice of `clients` clients; the same arguments always give the same data."""
    generator = _Generator(seed=seed, pools=pools or pools_build(seed))
    rng = generator.rng
    records: list[Client] = []
    duplicates: list[NearDuplicate] = []
    individuals: list[Client] = []
    for seq in range(clients):
        if records and rng.random() < 0.02:
            original = rng.choice(records)
            made = generator.near_duplicate(seq, original)
            if made is not None:
                client, kind = made
                records.append(client)
                duplicates.append(NearDuplicate(client.uuid, original.uuid, kind))
                continue
        if rng.random() < 0.45:
            client = generator.individual(seq)
            individuals.append(client)
        else:
            client = generator.entity(seq)
        records.append(client)

    contacts: dict[str, Contact] = {}
    for client in records:
        _people_attach(generator, client, individuals, contacts)
    for client in records:
        if rng.random() < 0.1:
            title, text = rng.choice(NOTE_TEXTS)
            when = client.modified - timedelta(days=rng.randint(1, 60))
            client.notes.append(
                {
                    "title": title,
                    "text": text,
                    "folder": "General",
                    "date": when.replace(tzinfo=None).isoformat(),
                    "createdBy": rng.choice(STAFF)["name"],
                }
            )
    groups = _groups_build(generator, records)
    return PracticeStore(
        clients=records,
        contacts=contacts,
        groups=groups,
        staff={member["uuid"]: member for member in STAFF},
        near_duplicates=duplicates,
    )


def _person_contact(generator: _Generator, person: Client, contacts: dict[str, Contact]) -> Contact:
    contact_uuid = person.person_contact_uuid
    if contact_uuid is None:
        contact = Contact(
            uuid=generator.uuid(),
            name=f"{person.fields['firstName']} {person.fields['lastName']}",
            email=person.fields.get("email"),
            mobile=person.mobile,
            phone=person.fields.get("phone"),
            salutation=person.fields["firstName"],
            addressee=person.fields["name"],
        )
        contacts[contact.uuid] = contact
        person.person_contact_uuid = contact.uuid
        return contact
    return contacts[contact_uuid]


# The first role is the one every entity has; later people take either.
RELATIONSHIP_ROLES = {
    "Company": ("Director", "Shareholder"),
    "Trust": ("Trustee", "Beneficiary"),
    "Partnership": ("Partner", "Partner"),
}


def _people_attach(
    generator: _Generator, client: Client, individuals: list[Client], contacts: dict[str, Contact]
) -> None:
    rng = generator.rng
    structure = client.fields.get("businessStructure")
    if structure == "Individual":
        if rng.random() < 0.5:
            contact = _person_contact(generator, client, contacts)
            client.contact_links.append(ContactLink(contact.uuid, position="", is_primary=True))
        return
    if not individuals:
        return
    # Dict keys drop a person drawn twice while keeping the draw order.
    drawn = dict.fromkeys(rng.randrange(len(individuals)) for _ in range(rng.randint(1, 3)))
    people = [individuals[index] for index in drawn]
    roles = RELATIONSHIP_ROLES[structure]
    for index, person in enumerate(people):
        role = roles[0] if index == 0 else rng.choice(roles)
        relationship = Relationship(
            uuid=generator.uuid(),
            type=role,
            related_uuid=person.uuid,
            start_date=rng.choice(START_DATES),
        )
        if role == "Shareholder":
            relationship.number_of_shares = rng.choice((100, 500, 1000, 5000))
            relationship.percentage = round(100 / len(people), 2)
        client.relationships.append(relationship)
        contact = _person_contact(generator, person, contacts)
        client.contact_links.append(ContactLink(contact.uuid, position=role, is_primary=index == 0))


def _groups_build(generator: _Generator, records: list[Client]) -> dict[str, Group]:
    rng = generator.rng
    groups: dict[str, Group] = {}
    if len(records) < 2:
        return groups
    for index in range(max(1, len(records) // 40)):
        members = rng.sample(records, k=min(len(records), rng.randint(2, 6)))
        last = rng.choice(generator.pools.last_names)
        group = Group(
            uuid=generator.uuid(),
            name=f"{last} Family Group" if index % 3 else f"{last} Group",
            taxable="Yes" if rng.random() < 0.3 else "No",
            web_url=f"https://practicemanager.xero.com/ClientGroup/{5000 + index}/Detail",
        )
        groups[group.uuid] = group
        for member in members:
            member.group_uuids.append(group.uuid)
    return groups
