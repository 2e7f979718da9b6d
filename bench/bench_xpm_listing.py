"""Listing every client of a 100,000-client XPM practice through the XPM connector.

The XPM sandbox runs on loopback with rate limits off; Tandem connects to it through its own
services (OAuth code exchange, tenant from the connections endpoint) in a database made for the
benchmark, then lists every client with `XpmConnector.iter_pages`: paged-list at the largest
page size XPM allows, each record mapped to canonical fields and validated.

Figures (each the median of RUNS listings):
- `xpm_list_100k_calls`: API calls one full listing takes (Xero allows a tenant 5,000 a day);
- `xpm_list_100k_s`: seconds for one full listing through the connector;
- `xpm_list_100k_s_floor`: the same pages fetched and JSON-decoded by a bare httpx loop, with
  no mapping or validation: the floor the connector cannot go below.

The sandbox serves each page from bytes serialised at start, over one kept-alive connection
with TCP_NODELAY, so the floor is the client's work: about half of it decoding JSON (both
loops use the same decoder, httpx's `Response.json`), the rest HTTP. What the connector adds
is mapping and validating each record (see `integrations/tests/test_mapping_regression.py`
for the answers that must not change while it is made quicker).
"""

import json
import statistics
import sys
import time

from bench.support import CALLBACK, measured_in_own_process, sqlite_database_fresh, xpm_connect

CLIENTS = 100_000
SEED = 1
RUNS = 3


def run() -> dict[str, float]:
    return measured_in_own_process(
        "bench.bench_xpm_listing", database_url=sqlite_database_fresh("xpm_listing")
    )


def _measure() -> dict[str, float]:
    import django

    django.setup()

    import httpx
    from django.core.management import call_command
    from django.test.utils import override_settings

    from integrations.connectors.xpm import XpmConnector
    from integrations.models import Credential
    from sandbox.xpm import XpmSandbox

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    sandbox = XpmSandbox(clients=CLIENTS, seed=SEED, rate_limits=False, redirect_uris=[CALLBACK])
    _log(f"seeded {CLIENTS:,} clients in {time.monotonic() - started:.0f} s")
    expected = sum(1 for c in sandbox.store.clients if not c.is_archived and not c.is_deleted)

    with (
        sandbox,
        override_settings(
            XERO_AUTHORIZE_URL=sandbox.authorize_url,
            XERO_TOKEN_URL=sandbox.token_url,
            XERO_CONNECTIONS_URL=sandbox.connections_url,
            XPM_API_BASE=sandbox.api_base,
        ),
    ):
        connection = xpm_connect(sandbox, slug="bench")

        seconds, calls = [], []
        for _ in range(RUNS):
            sandbox.reset_stats()
            started = time.perf_counter()
            with XpmConnector(connection) as connector:
                listed = problems = 0
                for page in connector.iter_pages():
                    listed += len(page.records)
                    problems += len(page.problems)
            seconds.append(time.perf_counter() - started)
            calls.append(sandbox.stats["api_calls"])
            if listed != expected or problems:
                raise SystemExit(f"listed {listed} of {expected} clients, {problems} problems")

        access_token = Credential.objects.get(pk=connection.pk).access_token
        floor = []
        for _ in range(RUNS):
            started = time.perf_counter()
            floor_listed = _httpx_listing(
                httpx,
                f"{sandbox.api_base}v3.1/client.api/paged-list?pageSize={XpmConnector.PAGE_SIZE}",
                access_token,
                connection.external_account_id,
            )
            floor.append(time.perf_counter() - started)
            if floor_listed != expected:
                raise SystemExit(f"the httpx floor listed {floor_listed} of {expected} clients")

    return {
        "xpm_list_100k_calls": float(statistics.median(calls)),
        "xpm_list_100k_s": round(statistics.median(seconds), 3),
        "xpm_list_100k_s_floor": round(statistics.median(floor), 3),
    }


def _httpx_listing(httpx, url: str, access_token: str, tenant_id: str) -> int:
    headers = {"Authorization": f"Bearer {access_token}", "Xero-Tenant-Id": tenant_id}
    listed = 0
    with httpx.Client(headers=headers) as http:
        while url:
            body = http.get(url).json()
            listed += len(body["clients"])
            url = body["pagination"]["links"].get("next")
    return listed


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    print(json.dumps(_measure()))
