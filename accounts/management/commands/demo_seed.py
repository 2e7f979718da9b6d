"""Seeds the demo practice: Harbour Accounting, its two people and a few hundred clients.

Everything goes through the services, so the demo data passes the same validation and leaves the
same audit trail as data a person enters. The seed is idempotent: once the demo firm exists, a
second run adds nothing. Names come from Faker with a fixed seed, so every machine shows the same
practice; appointments are placed around today so the schedule always has a past and a future.
"""

import random
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone
from faker import Faker

from accounts.models import Firm, Role, User
from accounts.services import firm_create, user_add
from clients.models import Client, ClientKind, RelationshipRole
from clients.services import client_archive, client_create, relationship_create
from documents.services import document_upload
from identity.models import Application
from integrations.connectors.xpm.mapping import XPM_FIELDS, kind_read
from sandbox.cms.server import DEFAULT_CLIENT_ID as CMS_DEMO_CLIENT_ID
from sandbox.cms.server import DEFAULT_CLIENT_SECRET as CMS_DEMO_CLIENT_SECRET
from sandbox.cms.server import DEFAULT_PORT
from sandbox.xpm.seed import practice_seed
from scheduling.models import AppointmentStatus
from scheduling.services import appointment_book, appointment_status_set
from tandem.errors import TandemError
from tandem.settings.env import env

DEMO_FIRM_NAME = "Harbour Accounting"
DEMO_FIRM_SLUG = "demo"
ADMIN_EMAIL = "admin@demo.tandem.example"
STAFF_EMAIL = "staff@demo.tandem.example"
SEED = 20240601

FAMILY_COUNT = 45
SOLE_INDIVIDUAL_COUNT = 45
COMPANY_COUNT = 80
TRUST_COUNT = 30
PARTNERSHIP_COUNT = 18
ARCHIVED_COUNT = 6
PAST_APPOINTMENT_COUNT = 80
UPCOMING_APPOINTMENT_COUNT = 30
DOCUMENT_CLIENT_COUNT = 8
# The practice the demo's XPM sandbox serves (`make run` starts it with its defaults), and how
# many of its clients the demo practice also keeps in Tandem.
XPM_SANDBOX_SEED = 1
XPM_SANDBOX_CLIENTS = 300
ALSO_IN_XPM_COUNT = 40
# The demo's reference CMS, on the port `make run` starts it on.
CMS_DEMO_NAME = "CareCloud CMS"
CMS_DEMO_PORT = env.int("TANDEM_CMS_SANDBOX_PORT", default=DEFAULT_PORT)

# Real places, so addresses look like the practice's own town and its neighbours.
PLACES = [
    ("Auckland", "Auckland", "1010"),
    ("Auckland", "Auckland", "1023"),
    ("North Shore", "Auckland", "0632"),
    ("Wellington", "Wellington", "6011"),
    ("Lower Hutt", "Wellington", "5010"),
    ("Christchurch", "Canterbury", "8011"),
    ("Hamilton", "Waikato", "3204"),
    ("Tauranga", "Bay of Plenty", "3110"),
    ("Dunedin", "Otago", "9016"),
    ("Queenstown", "Otago", "9300"),
    ("Napier", "Hawke's Bay", "4110"),
    ("Nelson", "Nelson", "7010"),
    ("Palmerston North", "Manawatū-Whanganui", "4410"),
    ("Whangārei", "Northland", "0110"),
    ("New Plymouth", "Taranaki", "4310"),
    ("Rotorua", "Bay of Plenty", "3010"),
    ("Invercargill", "Southland", "9810"),
]
TRADES = [
    "Plumbing", "Electrical", "Builders", "Joinery", "Landscaping", "Roofing", "Motors",
    "Transport", "Engineering", "Consulting", "Design", "Property", "Investments", "Orchards",
    "Vineyards", "Dairy", "Cafe", "Bakery", "Physiotherapy", "Dental", "Architects", "Marine",
]  # fmt: skip
NAME_WORDS = [
    "Harbourside", "Kōwhai", "Tōtara", "Southern Cross", "Pōhutukawa", "Summit", "Coastal",
    "Riverbank", "Kauri", "Bluestone", "Tui", "Silver Fern", "Red Peak", "Seaview", "Matai",
    "Greenstone", "Kahikatea", "Rimu", "Waitematā", "Aoraki", "Ironsand", "Driftwood",
]  # fmt: skip
LOCATIONS = ["Office, meeting room 1", "Office, meeting room 2", "Client's premises", "Video call"]
PAST_NOTES = ["Annual accounts review", "Tax planning", "GST query", "New client meeting", ""]
UPCOMING_NOTES = ["Year-end accounts", "Provisional tax", "Trust resolutions", "Budget review", ""]
DOCUMENTS = [
    ("Financial statements {year}.pdf", "Financial statements for the year ended 31 March"),
    ("Engagement letter.pdf", "Letter of engagement"),
    ("IR3 summary {year}.txt", "Income tax return summary"),
    ("Meeting notes.txt", "Notes from the annual review meeting"),
]


@dataclass(frozen=True)
class DemoLogin:
    role: str
    email: str
    password: str


def demo_logins() -> list[DemoLogin]:
    """The demo's sign-ins; the passwords can be changed through the environment."""
    return [
        DemoLogin(
            "Firm administrator",
            ADMIN_EMAIL,
            env.str("TANDEM_DEMO_ADMIN_PASSWORD", default="demo-admin-pass"),
        ),
        DemoLogin(
            "Staff",
            STAFF_EMAIL,
            env.str("TANDEM_DEMO_STAFF_PASSWORD", default="demo-staff-pass"),
        ),
    ]


class Command(BaseCommand):
    help = "Seed the demo firm (Harbour Accounting) with people, clients, appointments, documents."

    def handle(self, *args, **options):
        self._cms_application_ensure()
        if Firm.objects.filter(slug=DEMO_FIRM_SLUG).exists():
            self.stdout.write("The demo firm is already seeded; nothing to add.")
            return
        try:
            with transaction.atomic():
                counts = DemoPractice(seed=SEED).seed()
        except (TandemError, ValidationError) as error:
            message = getattr(error, "message", None) or "; ".join(error.messages)
            raise CommandError(f"Could not seed the demo firm: {message}") from error
        summary = ", ".join(f"{count} {name}" for name, count in counts.items())
        self.stdout.write(self.style.SUCCESS(f"Seeded {DEMO_FIRM_NAME}: {summary}."))

    def _cms_application_ensure(self) -> None:
        """The demo's reference CMS (`make run` starts it) registered as a supplier
        application, under the published demo id and secret the sandbox signs in with."""
        if Application.objects.filter(client_id=CMS_DEMO_CLIENT_ID).exists():
            return
        base = f"http://{env.str('TANDEM_HOST', default='127.0.0.1')}:{CMS_DEMO_PORT}"
        Application.objects.create(
            name=CMS_DEMO_NAME,
            client_id=CMS_DEMO_CLIENT_ID,
            client_secret=CMS_DEMO_CLIENT_SECRET,
            client_type=Application.CLIENT_CONFIDENTIAL,
            authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
            redirect_uris=f"{base}/oauth/callback",
            client_feed_url=f"{base}/feed",
            algorithm=Application.RS256_ALGORITHM,
        )
        self.stdout.write(f"Registered {CMS_DEMO_NAME} as a CMS application of Tandem.")


@dataclass
class Person:
    first_name: str
    last_name: str
    date_of_birth: date


class DemoPractice:
    """Builds the demo practice, one service call at a time, from a seeded random source."""

    def __init__(self, *, seed: int):
        self.random = random.Random(seed)
        self.fake = Faker(["en_NZ", "en_AU"])
        self.fake.seed_instance(seed)
        self.codes: set[str] = set()
        self.company_names: set[str] = set()

    def seed(self) -> dict[str, int]:
        admin_login, staff_login = demo_logins()
        self.firm = firm_create(
            name=DEMO_FIRM_NAME,
            slug=DEMO_FIRM_SLUG,
            admin_email=admin_login.email,
            admin_password=admin_login.password,
            admin_first_name="Aroha",
            admin_last_name="Ngata",
        )
        self.admin = User.objects.get(email=admin_login.email)
        self.staff = user_add(
            firm=self.firm,
            acting_user=self.admin,
            email=staff_login.email,
            first_name="Liam",
            last_name="Chen",
            role=Role.STAFF,
            password=staff_login.password,
        )
        families = [self._family() for _ in range(FAMILY_COUNT)]
        loners = [self._individual(self._person()) for _ in range(SOLE_INDIVIDUAL_COUNT)]
        relationships = 0
        for _ in range(COMPANY_COUNT):
            relationships += self._company(self.random.choice(families), loners)
        for family in self.random.sample(families, TRUST_COUNT):
            relationships += self._trust(family, loners)
        for _ in range(PARTNERSHIP_COUNT):
            relationships += self._partnership(self.random.sample(families, 2), loners)
        for client in self.random.sample(loners, ARCHIVED_COUNT):
            client_archive(client=client, acting_user=self.admin)
        self._clients_also_in_xpm()
        appointments = self._appointments()
        documents = self._documents()
        return {
            "clients": Client.objects.filter(firm=self.firm).count(),
            "relationships": relationships,
            "appointments": appointments,
            "documents": documents,
        }

    # People and clients

    def _person(self, last_name: str | None = None, *, age: tuple[int, int] = (22, 80)) -> Person:
        today = timezone.localdate()
        born = today - timedelta(days=self.random.randint(age[0] * 365, age[1] * 365))
        return Person(self.fake.first_name(), last_name or self.fake.last_name(), born)

    def _family(self) -> list[Client]:
        last_name = self.fake.last_name()
        parents = [self._person(last_name, age=(35, 75)) for _ in range(2)]
        children = [self._person(last_name, age=(18, 34)) for _ in range(self.random.randint(0, 2))]
        address = self._address()
        return [self._individual(person, address=address) for person in parents + children]

    def _individual(self, person: Person, *, address: dict[str, str] | None = None) -> Client:
        handle = ".".join(
            "".join(filter(str.isalnum, _ascii(name).lower()))
            for name in (person.first_name, person.last_name)
        )
        return client_create(
            firm=self.firm,
            acting_user=self.admin,
            kind=ClientKind.INDIVIDUAL,
            first_name=person.first_name,
            last_name=person.last_name,
            date_of_birth=person.date_of_birth,
            code=self._code(person.last_name),
            email=f"{handle}{self.random.randint(1, 99)}@example.net",
            mobile=f"02{self.random.choice('127')} {self._digits(3)} {self._digits(4)}",
            tax_number=self._tax_number(),
            **(address or self._address()),
        )

    def _clients_also_in_xpm(self) -> None:
        """Clients the practice keeps in XPM too, as staff typed them into Tandem: the same
        people and companies with the small differences real records have (Ltd for Limited, no
        middle name, no email), so Connect Now and Suggested links have true matches to find."""
        store = practice_seed(seed=XPM_SANDBOX_SEED, clients=XPM_SANDBOX_CLIENTS)
        near = {uuid for copy in store.near_duplicates for uuid in (copy.uuid, copy.original_uuid)}
        records = [
            client
            for client in store.clients_live()
            if not client.is_archived and client.uuid not in near
        ]
        for number, record in enumerate(self.random.sample(records, ALSO_IN_XPM_COUNT)):
            kind = kind_read(record.fields)
            fields, errors = XPM_FIELDS.to_canonical(record.fields, kind=kind)
            if errors or kind is None:
                continue
            if number % 3 == 1:
                fields["display_name"] = _legal_suffix_swapped(fields["display_name"])
                fields["middle_name"] = ""
            if number % 4 == 2:
                fields["email"] = ""
            fields["code"] = self._code(fields["display_name"])
            client_create(firm=self.firm, acting_user=self.admin, kind=kind, **fields)

    def _company(self, family: list[Client], loners: list[Client]) -> int:
        name = self._company_name(family[0].last_name)
        company = self._entity(ClientKind.COMPANY, name, company_number=self._digits(7))
        directors = family[: self.random.randint(1, 2)]
        shareholders = [*directors, *self.random.sample(loners, self.random.randint(0, 1))]
        return self._link(company, RelationshipRole.DIRECTOR, directors) + self._link(
            company, RelationshipRole.SHAREHOLDER, shareholders
        )

    def _trust(self, family: list[Client], loners: list[Client]) -> int:
        last_name = family[0].last_name
        name = self.random.choice([f"{last_name} Family Trust", f"{last_name} Trust"])
        trust = self._entity(ClientKind.TRUST, name)
        # An independent trustee beside the parents, as the practice usually recommends.
        trustees = [*family[:2], self.random.choice(loners)]
        return self._link(trust, RelationshipRole.TRUSTEE, trustees) + self._link(
            trust, RelationshipRole.BENEFICIARY, family
        )

    def _partnership(self, families: list[list[Client]], loners: list[Client]) -> int:
        first, second = (family[0] for family in families)
        name = self.random.choice(
            [
                f"{first.last_name} & {second.last_name}",
                f"{first.last_name} & {second.last_name} Partnership",
                f"{first.last_name} {self.random.choice(['Farming', 'Orchard'])} Partnership",
            ]
        )
        partnership = self._entity(ClientKind.PARTNERSHIP, name)
        partners = [first, second, *self.random.sample(loners, self.random.randint(0, 1))]
        return self._link(partnership, RelationshipRole.PARTNER, partners)

    def _entity(self, kind: str, name: str, **fields) -> Client:
        slug = "".join(c for c in _ascii(name).lower() if c.isalnum() or c == " ").split()
        return client_create(
            firm=self.firm,
            acting_user=self.admin,
            kind=kind,
            display_name=name,
            code=self._code(name),
            email=f"office@{'-'.join(slug[:2])}.example.com",
            phone=f"0{self.random.choice('34679')} {self._digits(3)} {self._digits(4)}",
            tax_number=self._tax_number(),
            **self._address(),
            **fields,
        )

    def _link(self, entity: Client, role: str, individuals: list[Client]) -> int:
        for individual in individuals:
            relationship_create(
                entity=entity, individual=individual, role=role, acting_user=self.admin
            )
        return len(individuals)

    def _company_name(self, last_name: str) -> str:
        while (name := self._company_name_candidate(last_name)) in self.company_names:
            pass
        self.company_names.add(name)
        return name

    def _company_name_candidate(self, last_name: str) -> str:
        trade = self.random.choice(TRADES)
        word = self.random.choice(NAME_WORDS)
        city = self.random.choice(PLACES)[0]
        suffix = self.random.choice(["Limited", "Limited", "Ltd"])
        pattern = self.random.choice(
            [
                f"{last_name} {trade}",
                f"{word} {trade}",
                f"{city} {trade}",
                f"{last_name} Holdings",
                f"{word} Group",
            ]
        )
        return f"{pattern} {suffix}"

    def _address(self) -> dict[str, str]:
        city, region, post_code = self.random.choice(PLACES)
        return {
            "physical_line1": f"{self.random.randint(1, 299)} {self.fake.street_name()}",
            "physical_city": city,
            "physical_region": region,
            "physical_post_code": post_code,
            "physical_country": "New Zealand",
        }

    def _code(self, name: str) -> str:
        letters = "".join(c for c in _ascii(name).upper() if c.isalpha())[:4]
        number = 1
        while f"{letters}{number:03d}" in self.codes:
            number += 1
        code = f"{letters}{number:03d}"
        self.codes.add(code)
        return code

    def _digits(self, count: int) -> str:
        return "".join(self.random.choice("0123456789") for _ in range(count))

    def _tax_number(self) -> str:
        return f"{self.random.randint(100, 140)}-{self._digits(3)}-{self._digits(3)}"

    # Appointments and documents

    def _appointments(self) -> int:
        clients = list(Client.objects.filter(firm=self.firm, archived_at__isnull=True))
        today = timezone.localdate()
        past = self._slots(today - timedelta(days=90), today - timedelta(days=1))
        upcoming = self._slots(today + timedelta(days=1), today + timedelta(days=30))
        outcomes = [AppointmentStatus.COMPLETED] * 7 + [
            AppointmentStatus.NO_SHOW,
            AppointmentStatus.CANCELLED,
            AppointmentStatus.CANCELLED,
        ]
        for staff, starts_at in self.random.sample(past, PAST_APPOINTMENT_COUNT):
            booking = self._book(self.random.choice(clients), staff, starts_at, PAST_NOTES)
            appointment_status_set(
                appointment=booking.appointment,
                status=self.random.choice(outcomes),
                acting_user=self.admin,
            )
        chosen = self.random.sample(upcoming, UPCOMING_APPOINTMENT_COUNT)
        for staff, starts_at in chosen:
            self._book(self.random.choice(clients), staff, starts_at, UPCOMING_NOTES)
        # Two double-bookings, as happen in a busy week: a quick call inside a meeting.
        for staff, starts_at in chosen[:2]:
            self._book(
                self.random.choice(clients),
                staff,
                starts_at + timedelta(minutes=15),
                ["Quick call squeezed in"],
            )
        return PAST_APPOINTMENT_COUNT + UPCOMING_APPOINTMENT_COUNT + 2

    def _slots(self, first: date, last: date) -> list[tuple[User, datetime]]:
        """Every working hour on weekdays between `first` and `last`, for both people."""
        slots = []
        day = first
        while day <= last:
            if day.weekday() < 5:
                for hour in (9, 10, 11, 13, 14, 15, 16):
                    starts_at = timezone.make_aware(datetime.combine(day, time(hour)))
                    slots += [(self.admin, starts_at), (self.staff, starts_at)]
            day += timedelta(days=1)
        return slots

    def _book(self, client: Client, staff: User, starts_at: datetime, notes: list[str]):
        return appointment_book(
            firm=self.firm,
            client=client,
            staff=staff,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=self.random.choice([30, 45, 60])),
            location=self.random.choice(LOCATIONS),
            notes=self.random.choice(notes),
            acting_user=self.admin,
        )

    def _documents(self) -> int:
        entities = Client.objects.filter(firm=self.firm).exclude(kind=ClientKind.INDIVIDUAL)
        count = 0
        year = timezone.localdate().year - 1
        for client in self.random.sample(list(entities.order_by("pk")), DOCUMENT_CLIENT_COUNT):
            for name, title in self.random.sample(DOCUMENTS, self.random.randint(1, 2)):
                file_name = name.format(year=year)
                lines = [title, str(client), f"Prepared by {DEMO_FIRM_NAME}", str(year)]
                content = _pdf(lines) if file_name.endswith(".pdf") else "\n".join(lines).encode()
                document_upload(
                    firm=self.firm,
                    client=client,
                    uploaded_file=SimpleUploadedFile(file_name, content),
                    acting_user=self.admin,
                )
                count += 1
        return count


def _pdf(lines: list[str]) -> bytes:
    """A one-page PDF showing `lines`: enough to open in any viewer, no library needed."""
    text = "".join(f"({_pdf_escape(line)}) Tj 0 -22 Td " for line in lines)
    stream = f"BT /F1 14 Tf 72 760 Td {text}ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
        b"/Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length %d >>\nstream\n%s\nendstream" % (len(stream), stream),
    ]
    document = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(document))
        document += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    xref_offset = len(document)
    document += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    document += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    document += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref_offset,
    )
    return bytes(document)


def _pdf_escape(line: str) -> str:
    return line.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _ascii(text: str) -> str:
    """`text` without diacritics or other non-ASCII letters: "Kōwhai" -> "Kowhai"."""
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()


def _legal_suffix_swapped(name: str) -> str:
    if name.endswith(" Limited"):
        return name.removesuffix(" Limited") + " Ltd"
    if name.endswith(" Ltd"):
        return name.removesuffix(" Ltd") + " Limited"
    return name
