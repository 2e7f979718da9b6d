from django.apps import apps
from django.core.management.base import BaseCommand
from django.db import transaction

from integrations.crypto import EncryptedTextField, SecretKeysJSONField
from tandem.bulk import objects_update

BATCH = 1000


class Command(BaseCommand):
    help = (
        "Re-encrypt every encrypted value (third-party credentials, tax numbers and the "
        "documents that copy them) under the first key of TANDEM_ENCRYPTION_KEYS, after which "
        "older keys can be removed from the list."
    )

    def handle(self, *args, **options):
        for model, names in _encrypted_columns():
            count = 0
            manager = model._base_manager
            # Reading decrypts with whichever key fits; writing encrypts with the first one.
            with transaction.atomic():
                rows = manager.select_for_update().only("pk", *names).order_by("pk")
                batch = []
                for row in rows.iterator(chunk_size=BATCH):
                    batch.append(row)
                    if len(batch) == BATCH:
                        objects_update(batch, names)
                        count += len(batch)
                        batch = []
                objects_update(batch, names)
                count += len(batch)
            self.stdout.write(f"{model._meta.label}: re-encrypted {count} row(s).")


def _encrypted_columns():
    for model in apps.get_models():
        names = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField | SecretKeysJSONField)
        ]
        if names:
            yield model, names
