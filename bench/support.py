"""What the benchmarks share: measuring in a process of their own, against a database made for
them, and connecting a firm to the XPM sandbox through Tandem's own services."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_DATA_DIR = ROOT / "var" / "bench"
CALLBACK = "http://127.0.0.1:8000/addons/xpm/callback/"


def sqlite_database_fresh(name: str) -> str:
    """The URL of an empty SQLite database under var/bench (any earlier one removed)."""
    BENCH_DATA_DIR.mkdir(parents=True, exist_ok=True)
    for leftover in BENCH_DATA_DIR.glob(f"{name}.sqlite3*"):
        leftover.unlink()
    return f"sqlite:///{BENCH_DATA_DIR / name}.sqlite3"


def measured_in_own_process(module: str, *, database_url: str) -> dict[str, float]:
    """Run `python -m module` with its settings pointed at `database_url`; the figures it
    prints last, as JSON."""
    env = {**os.environ, "DATABASE_URL": database_url, "DJANGO_SETTINGS_MODULE": "tandem.settings"}
    measured = subprocess.run(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", module],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        text=True,
        check=True,
    )
    return json.loads(measured.stdout.strip().splitlines()[-1])


def xpm_connect(sandbox, *, slug: str):
    """A new firm, its administrator, and its connection to the sandbox's practice, made as a
    person connecting XPM would (the sandbox consenting for them)."""
    import httpx

    from accounts.models import Firm, Membership, Role, User
    from integrations import services

    firm = Firm.objects.create(name=f"Bench Accounting {slug}", slug=slug)
    user = User.objects.create_user(email=f"{slug}@example.com", password=None)
    Membership.objects.create(user=user, firm=firm, role=Role.ADMIN)
    session: dict = {}
    query = httpx.URL(
        services.connection_authorise_start(
            session=session, firm=firm, acting_user=user, provider="xpm", redirect_uri=CALLBACK
        )
    ).params
    code = sandbox.consent_code(
        redirect_uri=CALLBACK, scope=query["scope"], code_challenge=query["code_challenge"]
    )
    return services.connection_authorise_complete(
        session=session,
        firm=firm,
        acting_user=user,
        provider="xpm",
        params={"code": code, "state": query["state"]},
    )
