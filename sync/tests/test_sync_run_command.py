"""`manage.py sync_run` against the XPM sandbox: the run done in process, its summary, and one
readable line and a non-zero exit when it cannot start or fails."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from clients.models import Client
from integrations.tests.factories import ConnectionFactory
from sync.models import Link, SyncRun, SyncRunStatus
from sync.tests.factories import SyncRunFactory

pytestmark = pytest.mark.django_db


class Terminal(StringIO):
    def isatty(self) -> bool:
        return True


def sync_run(*args: str, stdout: StringIO | None = None) -> str:
    stdout = stdout if stdout is not None else StringIO()
    call_command("sync_run", *args, stdout=stdout)
    return stdout.getvalue()


def test_a_preview_of_an_import_counts_what_it_would_create_and_creates_nothing(
    firm, xpm_connection
):
    output = sync_run(
        "--firm", "harbour", "--connection", str(xpm_connection.pk), "--kind", "import", "--dry-run"
    )

    run = SyncRun.objects.get()
    assert run.dry_run
    assert run.started_by is None
    assert run.created > 0
    assert "(preview: nothing was changed): Done" in output
    assert f"  Would be created: {run.created}\n" in output
    assert f"Details: /clients/sync-runs/{run.pk}/" in output
    assert not Client.objects.filter(firm=firm).exists()


def test_a_refresh_as_a_member_brings_in_what_changed_in_the_pm(firm, admin_user, xpm_connection):
    sync_run("--firm", "harbour", "--connection", str(xpm_connection.pk), "--kind", "import")
    # As if the PM's phone had been "09 000 0000" at the last sync and has changed since.
    link = Link.objects.filter(connection=xpm_connection).exclude(base__phone="").first()
    pm_phone = link.base["phone"]
    link.base = {**link.base, "phone": "09 000 0000"}
    link.save()
    Client.objects.filter(pk=link.client_id).update(phone="09 000 0000")

    output = sync_run(
        "--firm", "harbour", "--connection", str(xpm_connection.pk), "--user", admin_user.email
    )

    refresh = SyncRun.objects.latest("created_at", "id")
    assert refresh.started_by == admin_user
    assert refresh.status == SyncRunStatus.SUCCEEDED
    assert "  Updated: 1\n" in output
    assert Client.objects.get(pk=link.client_id).phone == pm_phone


def test_on_a_terminal_the_run_draws_a_progress_bar(xpm_connection):
    terminal = Terminal()

    sync_run(
        "--firm",
        "harbour",
        "--connection",
        str(xpm_connection.pk),
        "--kind",
        "import",
        "--dry-run",
        stdout=terminal,
    )

    assert "records" in terminal.getvalue().split("Import of")[0]
    assert "0 failed" in terminal.getvalue()


def test_without_a_terminal_only_the_summary_is_written(xpm_connection):
    output = sync_run(
        "--firm", "harbour", "--connection", str(xpm_connection.pk), "--kind", "import", "--dry-run"
    )

    assert output.startswith("Import of Xero Practice Manager")
    assert "\r" not in output


def test_a_provider_failure_fails_the_run_with_its_reason(xpm_sandbox, xpm_connection, monkeypatch):
    monkeypatch.setattr("integrations.connectors.xpm.api.XpmApi.ATTEMPTS", 1)
    xpm_sandbox.set_fault("server_error", path="/practicemanager/v3.1/client.api/paged-list")

    with pytest.raises(CommandError, match=r"^The run failed: .*XPM"):
        sync_run("--firm", "harbour", "--connection", str(xpm_connection.pk), "--kind", "import")

    assert SyncRun.objects.get().status == SyncRunStatus.FAILED


@pytest.mark.parametrize(
    ("arguments", "error"),
    [
        (["--firm", "nowhere"], "No firm with the slug 'nowhere'."),
        (["--firm", "summit"], "Summit Advisory Limited has no connection {pk}"),
        (
            ["--firm", "harbour", "--user", "nobody@example.com"],
            "nobody@example.com is not a member",
        ),
    ],
)
def test_what_names_nothing_of_the_firm_is_refused_in_one_line(
    firm, other_firm, outsider, arguments, error
):
    connection = ConnectionFactory(firm=firm)

    with pytest.raises(CommandError, match=error.format(pk=connection.pk)):
        sync_run(*arguments, "--connection", str(connection.pk))

    assert not SyncRun.objects.exists()


def test_a_member_of_another_firm_cannot_start_the_run(firm, outsider):
    connection = ConnectionFactory(firm=firm)

    with pytest.raises(CommandError, match="is not a member of Harbour Accounting Limited"):
        sync_run("--firm", "harbour", "--connection", str(connection.pk), "--user", outsider.email)


def test_a_run_already_under_way_is_refused(firm):
    connection = ConnectionFactory(firm=firm)
    running = SyncRunFactory(connection=connection, status=SyncRunStatus.RUNNING)

    with pytest.raises(CommandError, match="already under way"):
        sync_run("--firm", "harbour", "--connection", str(connection.pk))

    assert SyncRun.objects.get() == running


def test_a_run_a_worker_claimed_first_is_followed_to_its_end(firm, monkeypatch):
    connection = ConnectionFactory(firm=firm)

    def claimed_elsewhere(*, run_id, progress):
        SyncRun.objects.filter(pk=run_id).update(status=SyncRunStatus.RUNNING, total=3)
        return SyncRun.objects.get(pk=run_id)

    def worker_finishes(seconds):
        SyncRun.objects.filter(status=SyncRunStatus.RUNNING).update(
            status=SyncRunStatus.SUCCEEDED, processed=3, updated=2, unchanged=1
        )

    monkeypatch.setattr("sync.management.commands.sync_run.sync_run_execute", claimed_elsewhere)
    monkeypatch.setattr("sync.management.commands.sync_run.time.sleep", worker_finishes)

    output = sync_run("--firm", "harbour", "--connection", str(connection.pk))

    assert "Refresh of Xero Practice Manager: Harbour Accounting: Done, 3 of 3 records.\n" in output
    assert "  Updated: 2\n" in output
