"""The set-up scripts behind `make run`, `make test` and `make bench`."""

import os
import socket
import subprocess
import sys
from pathlib import Path

from bench.__main__ import split_peer, table

ROOT = Path(__file__).resolve().parent.parent


def test_pytest_collecting_nothing_is_a_note_not_a_failure():
    result = subprocess.run(
        [ROOT / "scripts" / "pytest_allow_empty", "bash", "-c", "exit 5"],
        capture_output=True,
        text=True,
        check=False,
    )

    assert result.returncode == 0
    assert "collected no tests" in result.stdout


def test_a_failing_pytest_still_fails():
    result = subprocess.run(
        [ROOT / "scripts" / "pytest_allow_empty", "bash", "-c", "exit 1"],
        capture_output=True,
        check=False,
    )

    assert result.returncode == 1


def test_run_demo_says_which_port_is_busy_and_starts_nothing():
    with socket.socket() as taken, socket.socket() as free:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        free.bind(("127.0.0.1", 0))
        busy_port, free_port = taken.getsockname()[1], free.getsockname()[1]
        free.close()
        result = subprocess.run(
            [sys.executable, ROOT / "scripts" / "run_demo"],
            env={
                **os.environ,
                "TANDEM_PORT": str(busy_port),
                "TANDEM_XPM_SANDBOX_PORT": str(free_port),
            },
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )

    assert result.returncode == 1
    assert f"Port {busy_port} on 127.0.0.1 is busy, so the portal cannot start" in result.stderr
    assert "Tandem is running" not in result.stdout


def test_a_peer_figure_is_ours_with_the_peer_name_appended():
    figures = {
        "clients_list_p50_ms_sqlite": 50.0,
        "clients_list_p50_ms_sqlite_django_admin": 95.0,
        "connect_rank_p50_ms": 1.0,
        "connect_rank_p50_ms_rapidfuzz": 100.0,
    }

    assert split_peer("clients_list_p50_ms_sqlite", figures) == (
        "clients_list_p50_ms_sqlite",
        "tandem",
    )
    assert split_peer("clients_list_p50_ms_sqlite_django_admin", figures) == (
        "clients_list_p50_ms_sqlite",
        "django_admin",
    )
    assert split_peer("connect_rank_p50_ms_rapidfuzz", figures) == (
        "connect_rank_p50_ms",
        "rapidfuzz",
    )


def test_the_table_puts_each_peer_beside_ours():
    lines = table(
        {
            "clients_list_p50_ms_sqlite": 50.0,
            "clients_list_p50_ms_sqlite_django_admin": 95.5,
            "clients_search_p50_ms_sqlite": 105.0,
        }
    ).splitlines()

    assert lines[0].split() == ["figure", "tandem", "django_admin"]
    assert lines[1].split() == ["clients_list_p50_ms_sqlite", "50.00", "95.50"]
    assert lines[2].split() == ["clients_search_p50_ms_sqlite", "105.00", "-"]
