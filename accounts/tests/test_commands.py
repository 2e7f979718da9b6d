import io

import pytest
from django.core.management import ManagementUtility, call_command
from django.core.management.base import CommandError

from accounts.models import Firm, User

PASSWORD = "tussock-lighthouse-42"
ARGUMENTS = [
    "--name",
    "Kauri Partners",
    "--slug",
    "kauri",
    "--admin-email",
    "ana@kauri.example.com",
]


@pytest.fixture(autouse=True)
def _no_password_in_environment(monkeypatch):
    monkeypatch.delenv("TANDEM_ADMIN_PASSWORD", raising=False)


@pytest.fixture
def non_interactive(monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(""))


def _firm_create(*arguments: str) -> str:
    out = io.StringIO()
    call_command("firm_create", *ARGUMENTS, *arguments, stdout=out)
    return out.getvalue()


def test_takes_the_password_from_the_flag(db):
    output = _firm_create("--admin-password", PASSWORD)

    assert Firm.objects.get().slug == "kauri"
    assert User.objects.get(email="ana@kauri.example.com").check_password(PASSWORD)
    assert "Created firm “Kauri Partners” (kauri)" in output
    assert "ana@kauri.example.com" in output


def test_takes_the_password_from_the_environment(db, monkeypatch, non_interactive):
    monkeypatch.setenv("TANDEM_ADMIN_PASSWORD", PASSWORD)

    _firm_create()

    assert User.objects.get(email="ana@kauri.example.com").check_password(PASSWORD)


def test_asks_for_the_password_twice_in_a_terminal(db, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter([PASSWORD, PASSWORD])
    monkeypatch.setattr(
        "accounts.management.commands.firm_create.getpass", lambda prompt: next(answers)
    )

    _firm_create()

    assert User.objects.get(email="ana@kauri.example.com").check_password(PASSWORD)


def test_refuses_two_different_passwords_typed(db, monkeypatch):
    monkeypatch.setattr("sys.stdin.isatty", lambda: True)
    answers = iter([PASSWORD, PASSWORD + "!"])
    monkeypatch.setattr(
        "accounts.management.commands.firm_create.getpass", lambda prompt: next(answers)
    )

    with pytest.raises(CommandError, match="not the same"):
        _firm_create()
    assert not Firm.objects.exists()


def test_without_a_password_or_terminal_exits_with_one_readable_line(
    db, capsys, monkeypatch, non_interactive
):
    # The command line closes the database connections as it exits; the test still needs its own.
    monkeypatch.setattr("django.core.management.base.connections.close_all", lambda: None)
    utility = ManagementUtility(["manage.py", "firm_create", *ARGUMENTS])

    with pytest.raises(SystemExit) as exited:
        utility.execute()

    assert exited.value.code == 1
    assert capsys.readouterr().err.strip().splitlines() == [
        "CommandError: No password for the administrator: pass --admin-password or set "
        "TANDEM_ADMIN_PASSWORD."
    ]
    assert not Firm.objects.exists()


def test_reports_bad_input_in_the_services_words(firm):
    with pytest.raises(CommandError, match="The slug “harbour” is already used by another firm"):
        call_command(
            "firm_create",
            *["--name", "Other", "--slug", "harbour", "--admin-email", "x@example.com"],
            "--admin-password",
            PASSWORD,
        )
