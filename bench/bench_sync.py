"""Importing a 100,000-client XPM practice into Tandem, then refreshing it after 1% changed.

The XPM sandbox runs in a process of its own (XPM is a server of its own), on loopback with
rate limits off; Tandem connects to it through its own services in an SQLite database made for
the benchmark and runs the sync engine exactly as the worker does (`sync_run_start` then
`sync_run_execute`): every client created, linked, its directory entry and its run record
written.

Figures:
- `import_100k_s`, `import_100k_calls`, `import_100k_records_per_s`, `import_100k_peak_mb`
  (peak resident memory the import added to the process);
- `import_100k_s_floor`: the same pages only fetched and JSON-decoded (median of RUNS);
- `import_100k_s_dlt`: dlt's rest_api source loading the same pages into DuckDB with
  `write_disposition="merge"` and `primary_key="uuid"`, parquet files (its fastest loader;
  median of RUNS);
- `refresh_1pct_s`, `refresh_1pct_calls`: a refresh after 1,000 clients changed in XPM (changed
  through XPM's own `client.api/update`), as a share of the import in `refresh_1pct_share_*`;
- `import_100k_into_2k_clients_s`, `import_100k_into_2k_clients_skipped`: the same import
  into a firm that already has 2,000 clients of its own, 200 of them copied from XPM: every
  record is first looked for among them, and those alike are left for a person to Link (more
  than 200, because made-up people share names with some of XPM's 100,000);
- `import_100k_s_ratelimited`, `import_100k_calls_ratelimited`: the same import with the
  sandbox enforcing XPM's limits (60 calls a minute, 5,000 a day, 5 at once), and
  `import_100k_s_ratelimit_wait`, the least time the minute limit alone imposes on that many
  calls.
"""

import json
import resource
import statistics
import sys
import time

from bench.support import (
    BENCH_DATA_DIR,
    CALLBACK,
    XpmSandboxProcess,
    measured_in_own_process,
    sqlite_database_fresh,
    xpm_connect,
)

CLIENTS = 100_000
CHANGED = 1_000
EXISTING = 2_000
EXISTING_ALIKE = 200
SEED = 1
RUNS = 3


def run() -> dict[str, float]:
    return measured_in_own_process("bench.bench_sync", database_url=sqlite_database_fresh("sync"))


def _measure() -> dict[str, float]:
    import django

    django.setup()

    from django.core.management import call_command
    from django.test.utils import override_settings

    from integrations.connectors.xpm import XpmConnector
    from integrations.models import Credential

    call_command("migrate", verbosity=0)
    started = time.monotonic()
    figures: dict[str, float] = {}

    with (
        XpmSandboxProcess(
            clients=CLIENTS, seed=SEED, rate_limits=False, redirect_uris=[CALLBACK]
        ) as sandbox,
        override_settings(
            XERO_AUTHORIZE_URL=sandbox.authorize_url,
            XERO_TOKEN_URL=sandbox.token_url,
            XERO_CONNECTIONS_URL=sandbox.connections_url,
            XPM_API_BASE=sandbox.api_base,
        ),
    ):
        _log(f"seeded {CLIENTS:,} clients in {time.monotonic() - started:.0f} s")
        expected = sandbox.live_clients
        connection = xpm_connect(sandbox, slug="bench")
        page_url = f"{sandbox.api_base}v3.1/client.api/paged-list?pageSize={XpmConnector.PAGE_SIZE}"
        token = Credential.objects.get(pk=connection.pk).access_token
        tenant = connection.external_account_id

        floor = []
        for _ in range(RUNS):
            began = time.perf_counter()
            listed = _httpx_listing(page_url, token, tenant)
            floor.append(time.perf_counter() - began)
            if listed != expected:
                raise SystemExit(f"the httpx floor listed {listed} of {expected} clients")
        figures["import_100k_s_floor"] = round(statistics.median(floor), 3)
        _log(f"floor: {figures['import_100k_s_floor']} s")

        dlt_seconds = [_dlt_load(sandbox.api_base, token, tenant, expected) for _ in range(RUNS)]
        figures["import_100k_s_dlt"] = round(statistics.median(dlt_seconds), 3)
        _log(f"dlt: {figures['import_100k_s_dlt']} s")

        imported, seconds, peak_mb = _sync(connection, kind="import")
        if imported.created != expected or imported.failed:
            raise SystemExit(f"imported {imported.created} of {expected}: {imported.message}")
        figures["import_100k_s"] = round(seconds, 3)
        figures["import_100k_calls"] = float(imported.api_calls)
        figures["import_100k_records_per_s"] = round(expected / seconds)
        figures["import_100k_peak_mb"] = round(peak_mb, 1)
        _log(f"import: {seconds:.2f} s, {imported.api_calls} calls, {peak_mb:.0f} MB")

        _sync(connection, kind="refresh")  # the first refresh lists everything: the baseline
        _pm_change(sandbox, connection, count=CHANGED)
        refreshed, seconds, _ = _sync(connection, kind="refresh")
        if refreshed.updated != CHANGED:
            raise SystemExit(f"the refresh updated {refreshed.updated} of {CHANGED} changed")
        figures["refresh_1pct_s"] = round(seconds, 3)
        figures["refresh_1pct_calls"] = float(refreshed.api_calls)
        figures["refresh_1pct_share_of_import_s"] = round(seconds / figures["import_100k_s"], 4)
        figures["refresh_1pct_share_of_import_calls"] = round(
            refreshed.api_calls / imported.api_calls, 4
        )
        _log(f"refresh of 1%: {seconds:.2f} s, {refreshed.api_calls} calls")

        existing_connection = xpm_connect(sandbox, slug="bench-existing")
        _own_clients_add(existing_connection.firm, alike_from=connection.firm)
        with_existing, seconds, _ = _sync(existing_connection, kind="import")
        if (
            with_existing.created + with_existing.skipped != expected
            or with_existing.skipped < EXISTING_ALIKE
        ):
            raise SystemExit(
                f"into {EXISTING:,} clients: created {with_existing.created}, skipped "
                f"{with_existing.skipped} of {expected}: {with_existing.message}"
            )
        figures["import_100k_into_2k_clients_s"] = round(seconds, 3)
        figures["import_100k_into_2k_clients_skipped"] = float(with_existing.skipped)
        _log(f"import into {EXISTING:,} clients: {seconds:.2f} s, {with_existing.skipped} left")

        sandbox.rate_limits_switch(on=True)
        limited_connection = xpm_connect(sandbox, slug="bench-limited")
        limited, seconds, _ = _sync(limited_connection, kind="import")
        if limited.created != expected:
            raise SystemExit(f"rate limited: imported {limited.created}: {limited.message}")
        figures["import_100k_s_ratelimited"] = round(seconds, 3)
        figures["import_100k_calls_ratelimited"] = float(limited.api_calls)
        # What the minute limit alone imposes on that many calls: each further 60 wait for
        # the minute in which the first of their 60 predecessors was made to pass.
        figures["import_100k_s_ratelimit_wait"] = float(60 * ((limited.api_calls - 1) // 60))
        _log(f"rate limited import: {seconds:.1f} s, {limited.api_calls} calls")
    return figures


def _sync(connection, *, kind: str):
    """(the finished run, seconds, peak MB the run added to the process's resident memory)."""
    from sync.runs import sync_run_execute, sync_run_start

    _peak_reset()
    resident_before = _resident_mb()
    began = time.perf_counter()
    started = sync_run_start(connection=connection, acting_user=None, kind=kind)
    finished = sync_run_execute(run_id=started.pk)
    seconds = time.perf_counter() - began
    if finished.status != "succeeded":
        raise SystemExit(f"the {kind} failed: {finished.message}")
    return finished, seconds, _peak_mb() - resident_before


def _own_clients_add(firm, *, alike_from) -> None:
    """EXISTING clients of the firm's own: EXISTING_ALIKE copied from `alike_from`'s imported
    clients (as a practice has typed in some of its XPM clients), the rest made up."""
    from faker import Faker

    from clients.models import Client

    copied = (
        Client.objects.filter(firm=alike_from)
        .order_by("id")
        .values("kind", "display_name", "first_name", "last_name", "email", "date_of_birth")
    )[: EXISTING_ALIKE * 10 : 10]
    fake = Faker("en_NZ")
    fake.seed_instance(SEED)
    made_up = []
    for number in range(EXISTING - EXISTING_ALIKE):
        first, last = fake.first_name(), fake.last_name()
        made_up.append(
            Client(
                firm=firm,
                kind="individual",
                first_name=first,
                last_name=last,
                display_name=f"{first} {last}",
                email=f"{first}.{last}.{number}@own.example".lower(),
            )
        )
    copies = [Client(firm=firm, **values) for values in copied]
    Client.objects.bulk_create([*copies, *made_up])


def _pm_change(sandbox, connection, *, count: int) -> None:
    """Change `count` clients in XPM through its API, as a person in XPM would."""
    from integrations.connectors.xpm import XpmConnector
    from sync.models import Link

    external_ids = list(
        Link.objects.filter(connection=connection)
        .order_by("id")
        .values_list("external_id", flat=True)[: count * 10 : 10]
    )
    # XPM compares modified times to the second: the changes land after the baseline refresh.
    time.sleep(1.1)
    with XpmConnector(connection) as connector:
        for number, external_id in enumerate(external_ids):
            connector.update_client(external_id, {"email": f"changed{number}@bench.example"})


def _httpx_listing(url: str, access_token: str, tenant_id: str) -> int:
    import httpx

    headers = {"Authorization": f"Bearer {access_token}", "Xero-Tenant-Id": tenant_id}
    listed = 0
    with httpx.Client(headers=headers) as http:
        while url:
            body = http.get(url).json()
            listed += len(body["clients"])
            url = body["pagination"]["links"].get("next")
    return listed


def _dlt_load(api_base: str, access_token: str, tenant_id: str, expected: int) -> float:
    import shutil

    import dlt
    from dlt.sources.rest_api import rest_api_source

    work = BENCH_DATA_DIR / "dlt"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    source = rest_api_source(
        {
            "client": {
                "base_url": api_base,
                "auth": {"type": "bearer", "token": access_token},
                "headers": {"Xero-Tenant-Id": tenant_id},
                "paginator": {"type": "json_link", "next_url_path": "pagination.links.next"},
            },
            "resource_defaults": {"primary_key": "uuid", "write_disposition": "merge"},
            "resources": [
                {
                    "name": "clients",
                    "endpoint": {
                        "path": "v3.1/client.api/paged-list",
                        "params": {"pageSize": 1000},
                        "data_selector": "clients",
                    },
                }
            ],
        }
    )
    pipeline = dlt.pipeline(
        pipeline_name="bench_xpm",
        pipelines_dir=str(work / "pipelines"),
        destination=dlt.destinations.duckdb(str(work / "peer.duckdb")),
        dataset_name="xpm",
    )
    began = time.perf_counter()
    pipeline.run(source, loader_file_format="parquet")
    seconds = time.perf_counter() - began
    with pipeline.sql_client() as client:
        loaded = client.execute_sql("select count(*) from clients")[0][0]
    if loaded != expected:
        raise SystemExit(f"dlt loaded {loaded} of {expected} clients")
    return seconds


def _peak_reset() -> None:
    """Reset the kernel's peak resident size of this process (Linux), so the next reading is
    the peak of what follows."""
    with open("/proc/self/clear_refs", "w") as clear_refs:
        clear_refs.write("5")


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _resident_mb() -> float:
    return _status_kb("VmRSS") / 1024


def _peak_mb() -> float:
    return _status_kb("VmHWM") / 1024


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


if __name__ == "__main__":
    print(json.dumps(_measure()))
