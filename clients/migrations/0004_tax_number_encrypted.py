"""Tax numbers encrypted at rest: the column becomes text and every stored value is encrypted.

The values are read and written around the field (cast to plain text) where the field's own
conversion would be wrong: existing rows are plaintext going forward, ciphertext going back.
"""

from django.db import migrations, models
from django.db.models.functions import Cast

import clients.models
from integrations.crypto import decrypt

BATCH = 1000


def _stored_values(Client):
    return Client.objects.order_by("pk").values_list(
        "pk", Cast("tax_number", output_field=models.TextField())
    )


def tax_numbers_encrypt(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    # Blank numbers too: the field decrypts whatever the column holds.
    rows = [Client(pk=pk, tax_number=plaintext) for pk, plaintext in _stored_values(Client)]
    Client.objects.bulk_update(rows, ["tax_number"], batch_size=BATCH)


def tax_numbers_decrypt(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    for pk, ciphertext in _stored_values(Client).iterator(chunk_size=BATCH):
        Client.objects.filter(pk=pk).update(
            tax_number=models.Value(decrypt(ciphertext), output_field=models.TextField())
        )


class Migration(migrations.Migration):
    dependencies = [
        ("clients", "0003_client_merge"),
    ]

    operations = [
        migrations.AlterField(
            model_name="client",
            name="tax_number",
            field=clients.models.EncryptedCharField(blank=True, max_length=40),
        ),
        migrations.RunPython(tax_numbers_encrypt, tax_numbers_decrypt),
    ]
