import base64
import io
import json

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command
from django.db import connection as db

from accounts.models import AuditEvent
from clients.models import Client
from clients.tests.factories import IndividualFactory
from integrations import crypto
from integrations.models import Credential
from integrations.tests.factories import CredentialFactory


def _stored_columns(credential: Credential) -> tuple[str, str]:
    with db.cursor() as cursor:
        cursor.execute(
            "SELECT access_token, refresh_token FROM integrations_credential "
            "WHERE connection_id = %s",
            [credential.pk],
        )
        return cursor.fetchone()


@pytest.mark.django_db
def test_tokens_are_stored_encrypted_and_read_back_in_plaintext():
    credential = CredentialFactory(access_token="secret-access", refresh_token="secret-refresh")

    stored_access, stored_refresh = _stored_columns(credential)
    assert "secret-access" not in stored_access
    assert "secret-refresh" not in stored_refresh
    reloaded = Credential.objects.get(pk=credential.pk)
    assert (reloaded.access_token, reloaded.refresh_token) == ("secret-access", "secret-refresh")


@pytest.mark.django_db
def test_rotating_keys_reencrypts_under_the_new_key_and_old_keys_can_go(settings, firm):
    old_key = settings.TANDEM_ENCRYPTION_KEYS[0]
    credential = CredentialFactory(access_token="secret-access")
    client = IndividualFactory(firm=firm, tax_number="123-456-789")
    event = AuditEvent.objects.create(
        firm=firm, action="client.update", changes={"tax_number": ["", "123-456-789"]}
    )
    stored_before = _stored_columns(credential)[0]
    new_key = Fernet.generate_key().decode()

    settings.TANDEM_ENCRYPTION_KEYS = [new_key, old_key]
    call_command("encryption_keys_rotate", stdout=io.StringIO())
    settings.TANDEM_ENCRYPTION_KEYS = [new_key]

    assert _stored_columns(credential)[0] != stored_before
    assert Credential.objects.get(pk=credential.pk).access_token == "secret-access"
    assert Client.objects.get(pk=client.pk).tax_number == "123-456-789"
    assert AuditEvent.objects.get(pk=event.pk).changes == {"tax_number": ["", "123-456-789"]}


def test_values_are_sealed_with_aes_gcm_and_tampering_is_detected():
    ciphertext = crypto.encrypt("123-456-789")
    sealed = bytearray(base64.urlsafe_b64decode(ciphertext.removeprefix("aesgcm1:")))
    sealed[-1] ^= 1
    tampered = "aesgcm1:" + base64.urlsafe_b64encode(bytes(sealed)).decode()

    assert ciphertext.startswith("aesgcm1:")
    assert "123-456-789" not in ciphertext
    assert crypto.encrypt("123-456-789") != ciphertext
    assert crypto.decrypt(ciphertext) == "123-456-789"
    with pytest.raises(ImproperlyConfigured, match="removed"):
        crypto.decrypt(tampered)


def test_values_stored_as_fernet_tokens_before_aes_gcm_are_still_read(settings):
    written_earlier = Fernet(settings.TANDEM_ENCRYPTION_KEYS[0]).encrypt(b"secret-access")

    assert crypto.decrypt(written_earlier.decode()) == "secret-access"


@pytest.mark.django_db
def test_a_credential_encrypted_under_a_removed_key_says_so(settings):
    credential = CredentialFactory()
    settings.TANDEM_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(ImproperlyConfigured, match="removed"):
        Credential.objects.get(pk=credential.pk)


def test_a_malformed_key_is_refused_with_the_setting_named(settings):
    settings.TANDEM_ENCRYPTION_KEYS = ["not-a-key"]

    with pytest.raises(ImproperlyConfigured, match="TANDEM_ENCRYPTION_KEYS"):
        crypto.encrypt("anything")


@pytest.mark.django_db
def test_tax_numbers_in_json_documents_are_stored_encrypted_and_read_back(firm):
    changes = {"tax_number": ["", "123-456-789"], "email": ["", "a@x.nz"]}
    event = AuditEvent.objects.create(
        firm=firm,
        action="client.update",
        target_type="clients.client",
        target_id="1",
        changes=changes,
    )

    with db.cursor() as cursor:
        cursor.execute("SELECT changes FROM accounts_auditevent WHERE id = %s", [event.pk])
        (stored,) = cursor.fetchone()
    assert "123-456-789" not in stored
    assert "a@x.nz" in stored
    assert AuditEvent.objects.get(pk=event.pk).changes == changes


@pytest.mark.parametrize(
    "document",
    [
        {"display_name": "Ngaio Ltd", "tax_number": "123-456-789", "archived": False, "n": 2},
        {"Client": {"Name": "Ngaio Ltd", "TaxNumber": "123-456-789"}, "Notes": ["tfn"]},
        [{"IRD_Number": "123-456-789"}, {"tfn": ["123-456-789", {"x": "123-456-789"}]}],
        {"TFN": "123-456-789", "items": [1, "two", None, {"irdnumber": "123-456-789"}]},
    ],
    ids=["flat", "nested", "list", "mixed"],
)
def test_every_tax_number_in_a_document_is_encrypted_whatever_its_shape(document):
    field = crypto.SecretKeysJSONField()
    before = repr(document)

    stored = field.get_prep_value(document)

    assert "123-456-789" not in repr(stored)
    assert repr(document) == before
    assert field.from_db_value(json.dumps(stored), None, db) == document


def test_a_document_without_tax_numbers_is_stored_as_it_is():
    document = {"display_name": "Ngaio Ltd", "notes": "tax number to follow", "tfn_known": False}

    assert crypto.SecretKeysJSONField().get_prep_value(document) == document
