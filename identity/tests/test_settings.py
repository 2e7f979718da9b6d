"""Where the OIDC signing key comes from: the environment, a file, or a demo key made once."""

import pytest
from django.core.exceptions import ImproperlyConfigured

from tandem.settings import identity as identity_settings

PEM = "-----BEGIN PRIVATE KEY-----\nMIIB\n-----END PRIVATE KEY-----\n"


@pytest.fixture
def no_key_variables(monkeypatch, tmp_path):
    monkeypatch.delenv("TANDEM_OIDC_RSA_PRIVATE_KEY", raising=False)
    monkeypatch.delenv("TANDEM_OIDC_KEY_FILE", raising=False)
    monkeypatch.setattr(identity_settings, "VAR_DIR", tmp_path / "var")
    return tmp_path


def test_key_from_the_environment_wins(no_key_variables, monkeypatch):
    monkeypatch.setenv("TANDEM_OIDC_RSA_PRIVATE_KEY", PEM)
    monkeypatch.setenv("TANDEM_OIDC_KEY_FILE", str(no_key_variables / "elsewhere.pem"))

    assert identity_settings._oidc_private_key() == PEM


def test_key_from_a_file(no_key_variables, monkeypatch):
    key_file = no_key_variables / "tandem.pem"
    key_file.write_text(PEM)
    monkeypatch.setenv("TANDEM_OIDC_KEY_FILE", str(key_file))

    assert identity_settings._oidc_private_key() == PEM


def test_a_named_key_file_that_is_missing_stops_start_up(no_key_variables, monkeypatch):
    monkeypatch.setenv("TANDEM_OIDC_KEY_FILE", str(no_key_variables / "missing.pem"))

    with pytest.raises(ImproperlyConfigured, match="names no file"):
        identity_settings._oidc_private_key()


def test_demo_key_is_made_once_readable_by_its_owner_only(no_key_variables):
    first = identity_settings._oidc_private_key()
    second = identity_settings._oidc_private_key()

    demo_key = no_key_variables / "var" / "oidc.pem"
    assert first == second == demo_key.read_text()
    assert first.startswith("-----BEGIN PRIVATE KEY-----")
    assert demo_key.stat().st_mode & 0o777 == 0o600
    assert [path.name for path in demo_key.parent.iterdir()] == ["oidc.pem"]


def test_a_demo_key_written_first_by_another_process_is_kept(no_key_variables):
    demo_key = no_key_variables / "var" / "oidc.pem"
    demo_key.parent.mkdir()
    demo_key.write_text(PEM)

    identity_settings._generate_demo_key(demo_key)

    assert demo_key.read_text() == PEM
    assert [path.name for path in demo_key.parent.iterdir()] == ["oidc.pem"]
