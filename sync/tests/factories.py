from datetime import timedelta

import factory
from django.db.models import F
from django.utils import timezone

from integrations.models import Directory, DirectoryEntry
from integrations.tests.factories import ConnectionFactory
from sync.models import (
    ACTIVE_RUN_STATUSES,
    Link,
    RecordOutcome,
    SyncKind,
    SyncRun,
    SyncRunRecord,
    SyncRunStatus,
)


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


class SyncRunFactory(factory.django.DjangoModelFactory):
    """A finished refresh of a connection, as the engine leaves one."""

    class Meta:
        model = SyncRun

    connection = factory.SubFactory(ConnectionFactory)
    firm = factory.SelfAttribute("connection.firm")
    kind = SyncKind.REFRESH
    status = SyncRunStatus.SUCCEEDED
    started_at = factory.LazyFunction(timezone.now)
    finished_at = factory.LazyAttribute(
        lambda run: (
            None
            if run.status in ACTIVE_RUN_STATUSES or run.started_at is None
            else run.started_at + timedelta(seconds=83)
        )
    )


class SyncRunRecordFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SyncRunRecord

    run = factory.SubFactory(SyncRunFactory)
    external_id = factory.Faker("uuid4")
    external_name = factory.Faker("company")
    outcome = RecordOutcome.UPDATED
