"""The contract kit, run as a supplier runs it, against the reference CMS: it passes, and it
catches a feed that breaks the contract."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from sandbox.cms import DEFAULT_CLIENT_ID
from sandbox.cms.tests.conftest import ISSUER, TANDEM_SUB

KIT = Path(__file__).resolve().parents[1] / "contract_kit"
REPOSITORY = KIT.parents[2]


def kit_run(cms, key_file: Path, account, other_account, *selection: str):
    """The kit run on its own, as outside Tandem's repository: no project configuration,
    conftest or plugins."""
    mint = (
        f"{sys.executable} -m sandbox.cms.feed_token --key-file {key_file} --issuer {ISSUER} "
        f"--audience {DEFAULT_CLIENT_ID} --subject {TANDEM_SUB}"
    )
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            str(KIT),
            "-q",
            "-c",
            os.devnull,
            "--rootdir",
            str(KIT),
            "--confcutdir",
            str(KIT),
            "--feed-url",
            cms.feed_url,
            "--token-command",
            f"{mint} --account-id {account.id}",
            "--forbidden-token-command",
            f"{mint} --account-id {other_account.id}",
            *selection,
        ],
        cwd=REPOSITORY,
        env=os.environ | {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"},
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )


def test_the_reference_cms_keeps_the_contract(cms, account, signing_key_pem):
    done = kit_run(cms, signing_key_pem, account, cms.accounts[1])

    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout
    assert "skipped" not in done.stdout


@pytest.mark.parametrize(
    ("fault", "failing_test"),
    [
        ("garbage_record", "test_a_page_matches_the_contract"),
        ("cut_short_page", "test_small_pages_list_every_client_once_and_are_full_but_the_last"),
    ],
)
def test_the_kit_catches_a_broken_feed(cms, account, signing_key_pem, fault, failing_test):
    cms.set_fault(fault)

    done = kit_run(cms, signing_key_pem, account, cms.accounts[1], "-k", failing_test)

    assert done.returncode == 1, done.stdout[-4000:]
    failed = [line for line in done.stdout.splitlines() if line.startswith("FAILED")]
    assert len(failed) == 1, done.stdout[-4000:]
    # pytest may add " - " and the reason after the test's id, depending on the terminal.
    assert failed[0].split(" - ", 1)[0].endswith(f"test_client_feed.py::{failing_test}")
