"""The agent's commands end to end: a live Tandem on loopback, the real CLI, sandbox exports."""

import io
import re
import stat
import threading
import time

import pytest
from tandem_agent.cli import main
from tandem_agent.client import TandemApi
from tandem_agent.export import export_read
from tandem_agent.push import push

from accounts.models import AuditEvent
from integrations.models import Connection, DirectoryEntry
from sandbox.aps import aps_exports, export_write
from tests.agent.conftest import approve_as, csv_write, row, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def run(state_dir, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["--state-dir", str(state_dir), *args], out=out)
    return code, out.getvalue()


def received(connection) -> list[dict]:
    """What each batch Tandem received did, oldest first."""
    events = AuditEvent.objects.filter(action="aps.clients_receive", target_id=str(connection.pk))
    return [event.changes for event in events.order_by("id")]


def live_codes(connection) -> set[str]:
    entries = DirectoryEntry.objects.filter(connection=connection, archived=False)
    return set(entries.values_list("external_id", flat=True))


@pytest.fixture
def exports(tmp_path):
    exports = aps_exports(clients=60, seed=7)
    first, later = tmp_path / "clients.csv", tmp_path / "clients-later.csv"
    export_write(exports.first, first)
    export_write(exports.later, later)
    return exports, first, later


def test_device_sign_in_acts_for_the_approving_administrator_and_keeps_its_token_private(
    tandem_url, aps_connection, as_admin, state_dir, firm, admin_user
):
    credentials = sign_in(tandem_url, approve_as(as_admin))
    credentials.save(state_dir)
    api = TandemApi(credentials, state_dir=state_dir)

    who = api.connection()

    assert who == {"firm": firm.name, "account": "APS database", "user": admin_user.email}
    credentials = state_dir / "credentials.json"
    assert stat.S_IMODE(credentials.stat().st_mode) == 0o600
    aps_connection.refresh_from_db()
    assert aps_connection.agent_contact_at is not None


def test_login_command_prints_the_code_and_waits_for_approval(
    tandem_url, aps_connection, as_admin, state_dir
):
    out = io.StringIO()
    result: dict = {}
    thread = threading.Thread(
        target=lambda: result.setdefault(
            "code",
            main(["--state-dir", str(state_dir), "login", "--server", tandem_url], out=out),
        )
    )
    thread.start()
    wait_for(lambda: "enters the code" in out.getvalue())
    user_code = re.search(r"enters the code (\w+)", out.getvalue())[1]
    as_admin.post("/agent/device/", {"user_code": user_code, "approve": ""})
    thread.join(30)

    assert result["code"] == 0
    assert "/agent/device/" in out.getvalue()
    assert "Signed in: sending Harbour Accounting Limited's APS database" in out.getvalue()


def test_first_push_sends_every_client(api, state_dir, exports, aps_connection):
    export, first, _ = exports

    code, out = run(state_dir, "push", str(first), "--batch-size", "25")

    assert code == 0, out
    assert "Sent 60 new and 0 changed clients (60 accepted, 0 refused)" in out
    assert live_codes(aps_connection) == {r["Client Code"] for r in export.first}
    assert [batch["created"] for batch in received(aps_connection)] == [25, 25, 10]


def test_a_rerun_of_the_same_export_sends_nothing(api, state_dir, exports, aps_connection):
    _, first, _ = exports
    run(state_dir, "push", str(first))
    batches = len(received(aps_connection))

    code, out = run(state_dir, "push", str(first))

    assert code == 0
    assert "Sent 0 new and 0 changed clients" in out
    assert "60 unchanged" in out
    assert len(received(aps_connection)) == batches


def test_a_rerun_after_edits_sends_only_those_and_archives_the_removed(
    api, state_dir, exports, aps_connection
):
    export, first, later = exports
    run(state_dir, "push", str(first))
    before = len(received(aps_connection))

    code, out = run(state_dir, "push", str(later))

    assert code == 0, out
    assert f"Sent {len(export.added)} new and {len(export.edited)} changed clients" in out, out
    (batch,) = received(aps_connection)[before:]
    assert batch == {
        "created": len(export.added),
        "updated": len(export.edited),
        "unchanged": 0,
        "refused": 0,
    }
    assert live_codes(aps_connection) == {r["Client Code"] for r in export.later}
    archived = DirectoryEntry.objects.filter(connection=aps_connection, archived=True)
    assert set(archived.values_list("external_id", flat=True)) == export.removed
    assert f"Gone from the export (archived in Tandem): {len(export.removed)}" in out
    listed = out.splitlines()
    assert all(f"  {code}" in listed for code in export.removed)


def test_dry_run_says_what_it_would_send_and_sends_nothing(api, state_dir, exports, aps_connection):
    _, first, _ = exports

    code, out = run(state_dir, "push", str(first), "--dry-run")

    assert code == 0
    assert "Would send 60 new and 0 changed clients; 0 unchanged." in out
    assert received(aps_connection) == []


def test_an_interrupted_push_resumes_with_what_was_not_acknowledged(
    api, state_dir, exports, aps_connection
):
    _, first, _ = exports
    export = export_read(first)

    def interrupt(_count: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        push(
            export,
            api=api,
            state_dir=state_dir,
            batch_size=20,
            out=io.StringIO(),
            batch_sent=interrupt,
        )
    code, out = run(state_dir, "push", str(first), "--batch-size", "20")

    assert code == 0
    assert "Sent 40 new and 0 changed clients" in out
    assert "20 unchanged" in out
    assert [batch["created"] for batch in received(aps_connection)] == [20, 20, 20]
    assert len(live_codes(aps_connection)) == 60


def test_malformed_rows_are_reported_and_skipped_and_the_rest_sent(
    api, state_dir, tmp_path, aps_connection
):
    export = csv_write(
        tmp_path / "clients.csv",
        [
            row("GOOD01", "Kauri Builders Limited", Email="office@kauri.example.co.nz"),
            row("BAD01", "Rimu Trust", kind="Charity"),
            row("BAD02", "Ann Lee", kind="Individual", Date_of_Birth="31/02/1980"),
            row("", "No Code Limited"),
            row("GOOD01", "Kauri Builders Limited"),
            row("REF01", "Totara Limited", Email="not an email"),
            row(
                "GOOD02", "Matai Partners", kind="Partnership", Contacts="ANN01: Ann Lee (Partner)"
            ),
        ],
    )

    code, out = run(state_dir, "push", str(export))

    assert code == 2
    assert "Row 3: client type “Charity” is not one of" in out
    assert "Row 4: date of birth “31/02/1980” is not a date (DD/MM/YYYY)" in out
    assert "Row 5: no client code" in out
    assert "Row 6: client code GOOD01 is also on row 2" in out
    assert "Client REF01: Tandem refused it: Email: 'not an email' is not a valid email" in out
    assert live_codes(aps_connection) == {"GOOD01", "GOOD02"}
    partners = DirectoryEntry.objects.get(connection=aps_connection, external_id="GOOD02")
    assert partners.details == {
        "contacts": [{"code": "ANN01", "name": "Ann Lee", "role": "Partner"}]
    }


def test_a_row_unreadable_this_time_is_not_reported_gone(api, state_dir, tmp_path, aps_connection):
    path = tmp_path / "clients.csv"
    csv_write(path, [row("A1", "Alpha Limited"), row("B1", "Beta Limited")])
    run(state_dir, "push", str(path))
    csv_write(path, [row("A1", "Alpha Limited"), row("B1", "Beta Limited", kind="Club")])

    _, out = run(state_dir, "push", str(path))

    assert "Gone from the export" not in out
    assert live_codes(aps_connection) == {"A1", "B1"}


def test_an_empty_export_never_archives_everything(api, state_dir, tmp_path, aps_connection):
    path = tmp_path / "clients.csv"
    csv_write(path, [row("A1", "Alpha Limited")])
    run(state_dir, "push", str(path))
    csv_write(path, [])

    code, out = run(state_dir, "push", str(path))

    assert code == 1
    assert "not telling Tandem they are all gone" in out
    assert live_codes(aps_connection) == {"A1"}


def test_a_disconnected_add_on_refuses_the_agent(api, state_dir, tmp_path, aps_connection):
    Connection.objects.filter(pk=aps_connection.pk).update(status="disconnected")
    path = csv_write(tmp_path / "clients.csv", [row("A1", "Alpha Limited")])

    code, out = run(state_dir, "push", str(path))

    assert code == 1
    assert "APS is not activated for Harbour Accounting Limited" in out


def test_watch_pushes_at_start_and_again_when_the_export_changes(
    api, state_dir, tmp_path, aps_connection
):
    path = csv_write(tmp_path / "clients.csv", [row("A1", "Alpha Limited")])
    out, stop = io.StringIO(), threading.Event()
    watcher = threading.Thread(
        target=main,
        args=(["--state-dir", str(state_dir), "watch", str(path)],),
        kwargs={"out": out, "stop": stop},
    )
    watcher.start()
    try:
        wait_for(lambda: "Sent 1 new" in out.getvalue())
        csv_write(path, [row("A1", "Alpha Limited"), row("B1", "Beta Limited")])
        wait_for(lambda: out.getvalue().count("Sent 1 new") == 2)
    finally:
        stop.set()
        watcher.join(10)

    assert live_codes(aps_connection) == {"A1", "B1"}


def wait_for(condition, seconds: float = 20) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        time.sleep(0.05)
