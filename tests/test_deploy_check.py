"""`manage.py check --deploy` under production settings, in a fresh process as a server starts."""

import os
import subprocess
import sys

import pytest
from cryptography.fernet import Fernet
from django.conf import settings

PRODUCTION = {
    "TANDEM_ENV": "production",
    "TANDEM_SECRET_KEY": "x7Qk2-" + "production-secret-key-of-this-test-only-" + "9fJ3mZp0aR8wLc",
    "TANDEM_ENCRYPTION_KEYS": Fernet.generate_key().decode(),
    "TANDEM_ALLOWED_HOSTS": "tandem.example.com",
}


def manage(*arguments: str, **environment: str | None) -> subprocess.CompletedProcess:
    # The test run's own settings (DJANGO_ALLOW_ASYNC_UNSAFE for the browser tests, any
    # TANDEM_ variable of the machine) are not a deployment's.
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("TANDEM_", "DJANGO_"))
    }
    env.update({name: value for name, value in environment.items() if value is not None})
    return subprocess.run(
        [sys.executable, "manage.py", *arguments],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_production_settings_pass_the_deploy_check_without_a_warning():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_the_demo_settings_fail_it_so_the_check_above_is_real():
    result = manage("check", "--deploy", "--fail-level", "WARNING")

    assert result.returncode != 0
    for check in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert check in result.stderr


@pytest.mark.parametrize(
    ("changed", "message"),
    [
        ({"TANDEM_SECRET_KEY": None}, "Set TANDEM_SECRET_KEY"),
        ({"TANDEM_ENCRYPTION_KEYS": None}, "Set TANDEM_ENCRYPTION_KEYS"),
        ({"TANDEM_ALLOWED_HOSTS": None}, "Set TANDEM_ALLOWED_HOSTS"),
        ({"TANDEM_DEBUG": "true"}, "TANDEM_DEBUG must be off"),
        ({"TANDEM_ENV": "staging"}, "TANDEM_ENV is 'staging'"),
    ],
    ids=["demo secret key", "demo encryption key", "no hosts", "debug", "unknown env"],
)
def test_production_refuses_to_start_on_demo_secrets_or_debug(changed, message):
    result = manage("check", **{**PRODUCTION, **changed})

    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr
