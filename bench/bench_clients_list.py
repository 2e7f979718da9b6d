"""The Clients list with 100,000 clients in one firm: the first page, a deep page and searches.

Each figure is the median (p50) or 95th percentile (p95) of 50 requests (20 for a peer) through
Django's test client by a signed-in member: middleware, selector, paginator and templates, all
but the socket. It runs on SQLite and on PostgreSQL, each in a database made for the benchmark
(never the demo database), in a subprocess per database so that each has its own settings.
A second firm with its own clients makes the firm scoping real.

Peers, on the same data, machine and database (their figures end in `_<peer>`):
- `django_admin`: Django's admin changelist of the same table (50 a page, searching the same
  columns), the page a stock Django project would give;
- `raw_sql`: the page's two queries (count and slice) through the database cursor, with no
  request, ORM or template work: the floor no page can go below.

Diagnostics go to stderr: the slowest query of each page, with its plan.
"""

import json
import os
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATA_DIR = ROOT / "var" / "bench"
POSTGRES_DATABASE = "tandem_bench_clients_list"
CLIENTS = 100_000
OTHER_FIRM_CLIENTS = 10_000
REQUESTS = 50
PEER_REQUESTS = 20  # fewer: the admin's deep page takes seconds, and peers are for scale
WARM_UP_REQUESTS = 3
PAGE_SIZE = 50
DEEP_PAGE = 1_500
SEED = 100_000
# What people type: a surname, two partial words, a company word, a code, an email fragment,
# a phone number, and a word that matches nothing (the whole firm is read to say so).
SEARCHES = [
    "smith",
    "jo wil",
    "holdings",
    "plumbing limited",
    "family trust",
    "c012345",
    "@example.net",
    "021 555",
    "nobody-has-this-name",
]


def run() -> dict[str, float]:
    figures: dict[str, float] = {}
    BENCH_DATA_DIR.mkdir(parents=True, exist_ok=True)
    sqlite_path = BENCH_DATA_DIR / "clients_list.sqlite3"
    for leftover in BENCH_DATA_DIR.glob("clients_list.sqlite3*"):
        leftover.unlink()
    figures |= _measure_in_subprocess("sqlite", f"sqlite:///{sqlite_path}")

    server_url = os.environ.get("BENCH_POSTGRES_URL")
    if server_url:
        figures |= _measure_in_subprocess("postgres", _postgres_database_fresh(server_url))
    else:
        print("BENCH_POSTGRES_URL is not set: PostgreSQL skipped (`make bench` sets it).")
    return figures


def _measure_in_subprocess(database: str, database_url: str) -> dict[str, float]:
    print(f"-- {database}: {CLIENTS:,} clients", flush=True)
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tandem.settings"}
    measured = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bench.bench_clients_list", database],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(measured.stdout.splitlines()[-1])


def _postgres_database_fresh(server_url: str) -> str:
    import psycopg
    from psycopg import sql

    with psycopg.connect(server_url, autocommit=True) as connection:
        name = sql.Identifier(POSTGRES_DATABASE)
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(name))
        connection.execute(sql.SQL("CREATE DATABASE {}").format(name))
    parts = urlsplit(server_url)
    return urlunsplit(parts._replace(path=f"/{POSTGRES_DATABASE}"))


# Everything below runs in the subprocess, with DATABASE_URL pointing at the bench database.


def _measure(database: str) -> dict[str, float]:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client as HttpClient

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    firm, user = _populate()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            # What autovacuum does soon after a bulk load: statistics, and the visibility map
            # that lets a count read the index alone.
            cursor.execute("VACUUM ANALYZE")
    _log(f"loaded {CLIENTS + OTHER_FIRM_CLIENTS:,} clients in {time.monotonic() - started:.1f} s")

    _admin_register()
    http = HttpClient(HTTP_HOST="127.0.0.1")
    http.force_login(user)
    searches = iter(SEARCHES * REQUESTS)

    def page(path: str, **params) -> Callable[[], None]:
        def request() -> None:
            response = http.get(path, params)
            if response.status_code != 200:
                raise RuntimeError(f"{path} {params} answered {response.status_code}")

        return request

    def search(path: str, parameter: str) -> Callable[[], None]:
        def request() -> None:
            page(path, **{parameter: next(searches)})()

        return request

    scenarios = {
        "clients_list": {
            "": page("/clients/"),
            "django_admin": page("/admin/clients/client/"),
            "raw_sql": lambda: _raw_page(firm.pk, 0, ""),
        },
        "clients_list_deep": {
            "": page("/clients/", page=DEEP_PAGE),
            "django_admin": page("/admin/clients/client/", p=DEEP_PAGE),
            "raw_sql": lambda: _raw_page(firm.pk, (DEEP_PAGE - 1) * PAGE_SIZE, ""),
        },
        "clients_search": {
            "": search("/clients/", "q"),
            "django_admin": search("/admin/clients/client/", "q"),
            "raw_sql": lambda: _raw_page(firm.pk, 0, next(searches)),
        },
    }
    figures = {}
    for scenario, measured in scenarios.items():
        for peer, request in measured.items():
            suffix = f"_{peer}" if peer else ""
            p50, p95 = _timings(request, REQUESTS if not peer else PEER_REQUESTS)
            figures[f"{scenario}_p50_ms_{database}{suffix}"] = p50
            figures[f"{scenario}_p95_ms_{database}{suffix}"] = p95
        _slowest_query_explain(measured[""])
    return figures


def _timings(request: Callable[[], None], count: int) -> tuple[float, float]:
    for _ in range(WARM_UP_REQUESTS):
        request()
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        request()
        samples.append((time.perf_counter() - started) * 1000)
    percentiles = statistics.quantiles(samples, n=100, method="inclusive")
    return round(statistics.median(samples), 2), round(percentiles[94], 2)


def _populate():
    from django.db import transaction
    from faker import Faker

    from accounts.management.commands.demo_seed import NAME_WORDS, PLACES, TRADES
    from accounts.models import Firm, Membership, Role, User
    from clients.models import Client, ClientKind

    rng = random.Random(SEED)
    fake = Faker(["en_NZ", "en_AU"])
    fake.seed_instance(SEED)
    first_names = sorted({fake.first_name() for _ in range(3_000)})
    last_names = sorted({fake.last_name() for _ in range(3_000)})
    cities = [place[0] for place in PLACES]

    def client(firm: Firm, number: int) -> Client:
        last = rng.choice(last_names)
        roll = rng.random()
        if roll < 0.6:
            first = rng.choice(first_names)
            middle = rng.choice(first_names) if rng.random() < 0.3 else ""
            return Client(
                firm=firm,
                kind=ClientKind.INDIVIDUAL,
                first_name=first,
                middle_name=middle,
                last_name=last,
                display_name=" ".join(part for part in (first, middle, last) if part),
                code=f"C{number:06d}",
                email=f"{first}.{last}{number}@example.net".lower().replace(" ", ""),
                mobile=f"+642{rng.choice('127')}{rng.randrange(10**6, 10**7)}",
            )
        if roll < 0.85:
            kind = ClientKind.COMPANY
            stem = rng.choice([last, rng.choice(NAME_WORDS), rng.choice(cities)])
            name = f"{stem} {rng.choice([*TRADES, 'Holdings'])} {rng.choice(['Limited', 'Ltd'])}"
        elif roll < 0.95:
            kind = ClientKind.TRUST
            name = f"{last} {rng.choice(['Family Trust', 'Trust', 'Investment Trust'])}"
        else:
            kind = ClientKind.PARTNERSHIP
            name = f"{last} & {rng.choice(last_names)}"
        return Client(
            firm=firm,
            kind=kind,
            display_name=name,
            code=f"C{number:06d}",
            email=f"office{number}@example.com",
            phone=f"+64{rng.choice('34679')}{rng.randrange(10**6, 10**7)}",
        )

    with transaction.atomic():
        firm = Firm.objects.create(name="Bench Practice", slug="bench")
        other_firm = Firm.objects.create(name="Other Practice", slug="bench-other")
        user = User.objects.create_user(
            email="bench@bench.tandem.example", is_staff=True, is_superuser=True
        )
        Membership.objects.create(user=user, firm=firm, role=Role.ADMIN)
        for owner, count in ((firm, CLIENTS), (other_firm, OTHER_FIRM_CLIENTS)):
            Client.objects.bulk_create(
                (client(owner, number) for number in range(count)), batch_size=2_000
            )
    return firm, user


def _admin_register() -> None:
    """The stock admin changelist as a peer: 50 a page, searching the columns Tandem searches."""
    from django.contrib import admin

    from clients.models import Client

    class ClientAdmin(admin.ModelAdmin):
        list_display = ("display_name", "kind", "code", "email", "phone", "mobile")
        search_fields = ("display_name", "code", "email", "phone", "mobile")
        ordering = ("sort_name", "id")
        list_per_page = PAGE_SIZE

    if admin.site.is_registered(Client):
        admin.site.unregister(Client)
    admin.site.register(Client, ClientAdmin)


def _raw_page(firm_id: int, offset: int, search: str) -> None:
    from django.db import connection

    from clients.models import Client

    table = Client._meta.db_table
    words = search.lower().split()
    where = " AND ".join(
        ["firm_id = %s", "archived_at IS NULL", *["search_text LIKE %s"] * len(words)]
    )
    params = [firm_id, *(f"%{word}%" for word in words)]
    columns = "id, kind, display_name, code, email, phone, mobile, updated_at, archived_at"
    # Only constants and placeholders go into the SQL text; the search words are parameters.
    count = f"SELECT COUNT(*) FROM {table} WHERE {where}"  # noqa: S608
    rows = (
        f"SELECT {columns} FROM {table} WHERE {where}"  # noqa: S608
        " ORDER BY sort_name, id LIMIT %s OFFSET %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(count, params)
        cursor.fetchone()
        cursor.execute(rows, [*params, PAGE_SIZE, offset])
        cursor.fetchall()


def _slowest_query_explain(request: Callable[[], None]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        request()
    slowest = max(captured.captured_queries, key=lambda query: float(query["time"]))
    total = sum(float(query["time"]) for query in captured.captured_queries) * 1000
    _log(
        f"{len(captured)} queries, {total:.1f} ms in the database; slowest "
        f"({float(slowest['time']) * 1000:.1f} ms): {slowest['sql']}"
    )
    explain = "EXPLAIN QUERY PLAN " if connection.vendor == "sqlite" else "EXPLAIN ANALYZE "
    with connection.cursor() as cursor:
        cursor.execute(explain + slowest["sql"])
        for row in cursor.fetchall():
            _log("    " + " ".join(str(column) for column in row))


def _log(message: str) -> None:
    print(f"   {message}", file=sys.stderr, flush=True)


if __name__ == "__main__":
    print(json.dumps(_measure(sys.argv[1])))
