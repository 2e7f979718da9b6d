"""Encryption at rest for third-party credentials (Fernet: AES-128-CBC with HMAC-SHA256).

Keys come from `settings.TANDEM_ENCRYPTION_KEYS`: the first encrypts, every key decrypts, so a
key is rotated by putting the new one first and running `manage.py encryption_keys_rotate`.
"""

from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    if not keys:
        raise ImproperlyConfigured("TANDEM_ENCRYPTION_KEYS is empty: set at least one key.")
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "TANDEM_ENCRYPTION_KEYS holds a value that is not a Fernet key (32 url-safe "
            "base64-encoded bytes)."
        ) from error


def fernet() -> MultiFernet:
    return _fernet(tuple(settings.TANDEM_ENCRYPTION_KEYS))


@receiver(setting_changed)
def _forget_keys(*, setting: str, **kwargs) -> None:
    if setting == "TANDEM_ENCRYPTION_KEYS":
        _fernet.cache_clear()


def encrypt(plaintext: str) -> str:
    return fernet().encrypt(plaintext.encode()).decode()


def decrypt(ciphertext: str) -> str:
    try:
        return fernet().decrypt(ciphertext.encode()).decode()
    except InvalidToken as error:
        raise ImproperlyConfigured(
            "A stored credential cannot be decrypted with any key in TANDEM_ENCRYPTION_KEYS: "
            "was the key that encrypted it removed?"
        ) from error


class EncryptedTextField(models.TextField):
    """A text column whose value is only ever stored encrypted; Python code sees plaintext.

    Fernet output differs on every write, so the column cannot be filtered on.
    """

    def from_db_value(self, value, expression, connection):
        return None if value is None else decrypt(value)

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return None if value is None else encrypt(value)
