from django.core.management.base import BaseCommand
from django.db import transaction

from integrations.models import Credential


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored credential under the first key of TANDEM_ENCRYPTION_KEYS, after "
        "which older keys can be removed from the list."
    )

    def handle(self, *args, **options):
        count = 0
        with transaction.atomic():
            # Reading decrypts with whichever key fits; saving encrypts with the first one.
            for credential in Credential.objects.select_for_update():
                credential.save(update_fields=["access_token", "refresh_token"])
                count += 1
        self.stdout.write(f"Re-encrypted {count} credential(s) under the current key.")
