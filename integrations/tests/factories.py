from datetime import timedelta

import factory
from django.utils import timezone

from accounts.tests.factories import FirmFactory
from integrations.models import Connection, ConnectionStatus, Credential


class ConnectionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Connection

    firm = factory.SubFactory(FirmFactory)
    provider = "xpm"
    external_account_id = factory.Faker("uuid4")
    external_account_name = "Harbour Accounting"
    provider_connection_id = factory.Faker("uuid4")
    status = ConnectionStatus.ACTIVE


class CredentialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Credential

    connection = factory.SubFactory(ConnectionFactory)
    access_token = factory.Sequence(lambda n: f"access-token-{n}")
    refresh_token = factory.Sequence(lambda n: f"refresh-token-{n}")
    access_token_expires_at = factory.LazyFunction(lambda: timezone.now() + timedelta(minutes=30))
