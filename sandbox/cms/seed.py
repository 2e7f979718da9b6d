"""Deterministic CMS data: three care providers in NZ and AU and the people they support.

A care provider's clients are mostly individuals (older people, people with disabilities),
with a few family trusts and companies that hold care funding, and the odd partnership.
Faker fills small pools once; records combine them with one seeded `random.Random`, so the
data is a pure function of (seed, clients per account).
"""

import random
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from faker import Faker

from sandbox.cms.store import Account, Client, User

TANDEM_DEMO_ADMIN_EMAIL = "admin@demo.tandem.example"
CARER_EMAIL = "carer@cms.example"
SANDBOX_PASSWORD = "cms-sandbox"  # noqa: S105 - the documented demo sign-in

# Updated dates spread back from this instant, so "changed since" answers never depend on the
# day the sandbox starts; anything a test changes is later.
UPDATED_ANCHOR = datetime(2025, 6, 30, 12, 0, tzinfo=UTC)
UPDATED_SPREAD = timedelta(days=2 * 365)
# This many clients of each account share one updated_at (a bulk import), so paging is
# exercised on ties; one in twenty is archived.
IMPORT_BATCH = 8
ACCOUNT_NAMESPACE = uuid.UUID("0b6a1d3e-8c2f-4a57-9e41-7d5c2b9a6f10")


@dataclass(frozen=True)
class Region:
    locale: str
    country: str
    regions: tuple[str, ...]
    # "#" is a digit
    phone_formats: tuple[str, ...]
    mobile_formats: tuple[str, ...]
    tax_format: str
    company_format: str


NZ = Region(
    locale="en_NZ",
    country="New Zealand",
    regions=("Auckland", "Wellington", "Canterbury", "Waikato", "Otago", "Bay of Plenty"),
    phone_formats=("09 ### ####", "04 ### ####", "03 ### ####", "07 ### ####"),
    mobile_formats=("021 ### ####", "022 ### ####", "027 ### ####"),
    tax_format="###-###-###",
    company_format="94290########",
)
AU = Region(
    locale="en_AU",
    country="Australia",
    regions=("NSW", "VIC", "QLD", "WA", "SA", "TAS"),
    phone_formats=("02 #### ####", "03 #### ####", "07 #### ####", "08 #### ####"),
    mobile_formats=("04## ### ###",),
    tax_format="### ### ###",
    company_format="## ### ### ###",
)

ACCOUNTS = (
    ("Kauri Home Care", "KHC", NZ),
    ("Southern Cross Support Services", "SCS", AU),
    ("Harbourside Disability Support", "HDS", NZ),
)
# email -> (name, the accounts by index it administers)
USERS = {
    TANDEM_DEMO_ADMIN_EMAIL: ("Demo Admin", (0, 1)),
    CARER_EMAIL: ("Mere Tipene", (2,)),
}
COMPANY_WORDS = ("Care Holdings", "Support Services", "Wellbeing", "Living", "Home Help")
EMAIL_DOMAINS = ("example.com", "example.net", "example.org")


@dataclass
class Seed:
    users: list[User]
    accounts: list[Account]
    clients: dict[str, list[Client]]


def account_id_for(seed: int, index: int) -> str:
    return str(uuid.uuid5(ACCOUNT_NAMESPACE, f"{seed}:{index}"))


def cms_seed(*, seed: int = 1, clients_per_account: int = 40) -> Seed:
    accounts = [
        Account(id=account_id_for(seed, index), name=name)
        for index, (name, _, _) in enumerate(ACCOUNTS)
    ]
    users = [
        User(
            email=email,
            password=SANDBOX_PASSWORD,
            name=name,
            account_ids=tuple(accounts[index].id for index in indexes),
        )
        for email, (name, indexes) in USERS.items()
    ]
    clients = {}
    for index, (account, (_, code_prefix, region)) in enumerate(
        zip(accounts, ACCOUNTS, strict=True)
    ):
        rng = random.Random(f"{seed}:{index}")
        faker = Faker(region.locale)
        faker.seed_instance(seed * 1000 + index)
        clients[account.id] = [
            _client(rng, faker, region, code=f"{code_prefix}-{number:04d}")
            for number in range(1, clients_per_account + 1)
        ]
        imported_at = UPDATED_ANCHOR - UPDATED_SPREAD * rng.random()
        for client in rng.sample(clients[account.id], min(IMPORT_BATCH, clients_per_account)):
            client.updated_at = imported_at
        for client in rng.sample(clients[account.id], -(-clients_per_account * 5 // 100)):
            client.archived = True
    return Seed(users=users, accounts=accounts, clients=clients)


def _client(rng: random.Random, faker: Faker, region: Region, *, code: str) -> Client:
    roll = rng.random()
    kind = (
        "individual"
        if roll < 0.75
        else "trust"
        if roll < 0.87
        else "company"
        if roll < 0.96
        else "partnership"
    )
    first, last = faker.first_name(), faker.last_name()
    fields = {"code": code}
    date_of_birth = None
    if kind == "individual":
        middle = faker.first_name() if rng.random() < 0.4 else ""
        fields |= {
            "display_name": f"{first} {last}",
            "first_name": first,
            "middle_name": middle,
            "last_name": last,
            "email": _email(rng, f"{first}.{last}"),
            "mobile": _digits(rng, rng.choice(region.mobile_formats)),
            "tax_number": _digits(rng, region.tax_format) if rng.random() < 0.6 else "",
        }
        # Older people and people with disabilities, from children to the very old.
        date_of_birth = (date(1928, 1, 1) + timedelta(days=rng.randrange(80 * 365))).isoformat()
    else:
        name = {
            "trust": f"The {last} Family Trust",
            "company": f"{last} {rng.choice(COMPANY_WORDS)} {_legal_suffix(rng, region)}",
            "partnership": f"{last} & {faker.last_name()}",
        }[kind]
        fields |= {
            "display_name": name,
            "email": _email(rng, last),
            "phone": _digits(rng, rng.choice(region.phone_formats)),
            "tax_number": _digits(rng, region.tax_format),
            "company_number": _digits(rng, region.company_format) if kind == "company" else "",
            "website": f"https://{last.lower()}.example.com" if kind == "company" else "",
        }
    fields |= _address(rng, faker, region, "physical")
    if rng.random() < 0.3:
        fields |= {
            "postal_line1": f"PO Box {rng.randrange(1, 9999)}",
            "postal_city": fields["physical_city"],
            "postal_region": fields["physical_region"],
            "postal_post_code": fields["physical_post_code"],
            "postal_country": region.country,
        }
    return Client(
        id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        kind=kind,
        fields=fields,
        date_of_birth=date_of_birth,
        archived=False,
        updated_at=UPDATED_ANCHOR - UPDATED_SPREAD * rng.random() ** 2,
    )


def _address(rng: random.Random, faker: Faker, region: Region, prefix: str) -> dict[str, str]:
    return {
        f"{prefix}_line1": f"{rng.randrange(1, 400)} {faker.street_name()}",
        f"{prefix}_line2": f"Unit {rng.randrange(1, 30)}" if rng.random() < 0.15 else "",
        f"{prefix}_city": faker.city(),
        f"{prefix}_region": rng.choice(region.regions),
        f"{prefix}_post_code": f"{rng.randrange(200, 9999):04d}",
        f"{prefix}_country": region.country,
    }


def _legal_suffix(rng: random.Random, region: Region) -> str:
    choices = ("Limited", "Ltd") if region is NZ else ("Pty Ltd", "Pty Limited")
    return rng.choice(choices)


def _email(rng: random.Random, local: str) -> str:
    cleaned = "".join(ch for ch in local.lower() if ch.isalnum() or ch == ".")
    return f"{cleaned}@{rng.choice(EMAIL_DOMAINS)}"


def _digits(rng: random.Random, pattern: str) -> str:
    return "".join(str(rng.randrange(10)) if ch == "#" else ch for ch in pattern)
