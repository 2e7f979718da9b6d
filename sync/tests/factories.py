import factory
from django.db.models import F
from django.utils import timezone

from integrations.models import Directory, DirectoryEntry
from integrations.tests.factories import ConnectionFactory
from sync.models import Link


class DirectoryEntryFactory(factory.django.DjangoModelFactory):
    """A PM record as a refresh saved it; the directory counts as just refreshed."""

    class Meta:
        model = DirectoryEntry
        skip_postgeneration_save = True

    connection = factory.SubFactory(ConnectionFactory)
    external_id = factory.Faker("uuid4")
    kind = "company"
    display_name = factory.Faker("company")
    sort_name = factory.LazyAttribute(lambda o: o.display_name.casefold())
    fields = factory.LazyAttribute(lambda o: {"display_name": o.display_name})
    refreshed_at = factory.LazyFunction(timezone.now)

    @factory.post_generation
    def fresh_directory(entry, create, extracted, **kwargs):
        if create:
            Directory.objects.update_or_create(
                connection=entry.connection,
                defaults={"refreshed_at": timezone.now(), "refreshed_through": timezone.now()},
            )
            # A new version, as a refresh gives, so cached search indexes include the entry.
            Directory.objects.filter(connection=entry.connection).update(version=F("version") + 1)


class LinkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Link

    connection = factory.SubFactory(ConnectionFactory)
    firm = factory.SelfAttribute("connection.firm")
    external_id = factory.Faker("uuid4")
    external_name = factory.Faker("company")
