"""Encryption at rest for third-party credentials and tax numbers.

Values are encrypted with AES-256-GCM under a key derived (HKDF-SHA256) from the first of
`settings.TANDEM_ENCRYPTION_KEYS`; every key decrypts, so a key is rotated by putting the new
one first and running `manage.py encryption_keys_rotate`. Values written before AES-GCM, as
Fernet tokens under the same keys, are still read. AES-GCM rather than Fernet because an import
encrypts a tax number three times a client, and Fernet's Python-side padding and HMAC made
that a tenth of a 100,000-client import; GCM is one call into OpenSSL, authenticated as well.
"""

import base64
import os
from functools import cache

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver

_GCM_PREFIX = "aesgcm1:"
_GCM_NONCE_BYTES = 12
_GCM_KEY_INFO = b"tandem encryption at rest: AES-256-GCM"


class _Keys:
    """The configured keys, as the AES-GCM keys derived from them and as Fernet keys."""

    def __init__(self, keys: tuple[str, ...]):
        if not keys:
            raise ImproperlyConfigured("TANDEM_ENCRYPTION_KEYS is empty: set at least one key.")
        try:
            self.fernet = MultiFernet([Fernet(key) for key in keys])
        except ValueError as error:
            raise ImproperlyConfigured(
                "TANDEM_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe "
                "base64-encoded bytes)."
            ) from error
        self.gcm = [AESGCM(_gcm_key(key)) for key in keys]


def _gcm_key(key: str) -> bytes:
    hkdf = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_GCM_KEY_INFO)
    return hkdf.derive(base64.urlsafe_b64decode(key))


# Kept until the setting changes: an import encrypts hundreds of thousands of values, and
# reading the setting each time was a fifth of the cost of encrypting one.
@cache
def _configured_keys() -> _Keys:
    return _Keys(tuple(settings.TANDEM_ENCRYPTION_KEYS))


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs) -> None:
    if setting == "TANDEM_ENCRYPTION_KEYS":
        _configured_keys.cache_clear()


def encrypt(plaintext: str) -> str:
    nonce = os.urandom(_GCM_NONCE_BYTES)
    sealed = _configured_keys().gcm[0].encrypt(nonce, plaintext.encode(), None)
    return _GCM_PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode()


def decrypt(ciphertext: str) -> str:
    if ciphertext.startswith(_GCM_PREFIX):
        sealed = base64.urlsafe_b64decode(ciphertext.removeprefix(_GCM_PREFIX))
        nonce, sealed = sealed[:_GCM_NONCE_BYTES], sealed[_GCM_NONCE_BYTES:]
        for gcm in _configured_keys().gcm:
            try:
                return gcm.decrypt(nonce, sealed, None).decode()
            except InvalidTag:
                continue
        raise _key_removed()
    try:
        return _configured_keys().fernet.decrypt(ciphertext.encode()).decode()
    except InvalidToken as error:
        raise _key_removed() from error


def _key_removed() -> ImproperlyConfigured:
    return ImproperlyConfigured(
        "A stored value cannot be decrypted with any key in TANDEM_ENCRYPTION_KEYS: was the "
        "key that encrypted it removed?"
    )


class EncryptedTextField(models.TextField):
    """A text column whose value is only ever stored encrypted; Python code sees plaintext.

    The ciphertext differs on every write (a random nonce), so the column cannot be filtered on.
    """

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)


# Keys under which a JSON document holds a tax number: Tandem's canonical name, and the names
# external systems send (kept in a failed record's `raw`), compared without case or "_".
SECRET_JSON_KEYS = frozenset({"taxnumber", "irdnumber", "tfn"})
_ENCRYPTED_PREFIX = "enc:"


class SecretKeysJSONField(models.JSONField):
    """A JSON column whose tax numbers are stored encrypted, wherever the document copies one:
    a link's base snapshot, a directory entry, a run's record of changes, an audit row.

    Every value under a key of SECRET_JSON_KEYS (at any depth, and each string inside it) is
    stored as "enc:" and its ciphertext; Python code reads the plaintext. Those values
    cannot be queried in the database; nothing does.
    """

    def get_prep_value(self, value):
        return super().get_prep_value(_secrets_apply(value, _encrypted))

    def from_db_value(self, value, expression, connection):
        value = super().from_db_value(value, expression, connection)
        return _secrets_apply(value, _decrypted)


def _secrets_apply(document, change):
    if isinstance(document, dict) and _FLAT_VALUES.issuperset(map(type, document.values())):
        # Almost every document is flat (a sync writes several for each of 100,000 records):
        # its keys are looked up a whole document at a time, and it is copied only to change it.
        secret = _secret_keys(document)
        if not secret:
            return document
        return {**document, **{key: _all_strings(document[key], change) for key in secret}}
    if isinstance(document, dict):
        return {
            key: (_all_strings if _names_secret(key) else _secrets_apply)(value, change)
            for key, value in document.items()
        }
    if isinstance(document, list):
        return [_secrets_apply(value, change) for value in document]
    return document


_FLAT_VALUES = frozenset({str, int, float, bool, type(None)})
# Keys met so far, by whether they name a tax number, up to a bound (a failed record's `raw`
# brings whatever keys the external system sent).
_SPELLINGS_KEPT = 4096
_secret_spellings: set[str] = set()
_plain_spellings: set[object] = set()


def _secret_keys(document: dict) -> set:
    keys = document.keys()
    secret = keys & _secret_spellings
    for key in keys - _plain_spellings - secret:
        if _names_secret(key):
            secret.add(key)
            if len(_secret_spellings) < _SPELLINGS_KEPT:
                _secret_spellings.add(key)
        elif len(_plain_spellings) < _SPELLINGS_KEPT:
            _plain_spellings.add(key)
    return secret


def _names_secret(key: object) -> bool:
    return isinstance(key, str) and key.replace("_", "").lower() in SECRET_JSON_KEYS


def _all_strings(value, change):
    if isinstance(value, str):
        return change(value)
    if isinstance(value, dict):
        return {key: _all_strings(item, change) for key, item in value.items()}
    if isinstance(value, list):
        return [_all_strings(item, change) for item in value]
    return value


def _encrypted(text: str) -> str:
    if not text or text.startswith(_ENCRYPTED_PREFIX):
        return text
    return _ENCRYPTED_PREFIX + encrypt(text)


def _decrypted(text: str) -> str:
    if not text.startswith(_ENCRYPTED_PREFIX):
        return text
    return decrypt(text.removeprefix(_ENCRYPTED_PREFIX))


def secret_json_encrypt_existing(app_label: str, model_name: str, *field_names: str):
    """A migration step that stores the tax numbers already in these JSON columns encrypted
    (reading accepts plaintext, so rows are rewritten only where a document holds one)."""

    def forwards(apps, schema_editor):
        model = apps.get_model(app_label, model_name)
        for row in model.objects.only("pk", *field_names).iterator(chunk_size=2000):
            values = {name: getattr(row, name) for name in field_names}
            if any(_holds_secret(value) for value in values.values()):
                model.objects.filter(pk=row.pk).update(**values)

    return forwards


def _holds_secret(document) -> bool:
    if isinstance(document, dict):
        return any(_names_secret(key) or _holds_secret(value) for key, value in document.items())
    if isinstance(document, list):
        return any(_holds_secret(value) for value in document)
    return False
