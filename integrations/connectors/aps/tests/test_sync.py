"""APS records through the sync engine, like any provider's: import, refresh, and a client gone
from the export flagged for review, never archived or deleted in Tandem."""

import pytest

from clients.models import Client
from clients.tests.factories import CompanyFactory
from integrations.connectors.aps.services import aps_records_archive, aps_records_receive
from sync.engine import sync_run_execute
from sync.field_sync import push_refusal
from sync.models import Link, RemoteStatus, SyncKind
from sync.runs import sync_run_start
from sync.tests.factories import LinkFactory

pytestmark = pytest.mark.django_db


def run(connection, user, kind, **options):
    started = sync_run_start(connection=connection, acting_user=user, kind=kind, **options)
    return sync_run_execute(run_id=started.pk)


def test_an_import_creates_a_linked_client_per_aps_record(aps_filled, admin_user, aps_records):
    chosen = sorted(aps_records)[:5]

    finished = run(aps_filled, admin_user, SyncKind.IMPORT, external_ids=chosen)

    assert finished.created == 5
    links = Link.objects.filter(connection=aps_filled)
    assert set(links.values_list("external_id", flat=True)) == set(chosen)
    first = aps_records[chosen[0]]
    client = links.get(external_id=chosen[0]).client
    assert (client.display_name, client.code) == (first["fields"]["display_name"], chosen[0])


def test_a_refresh_brings_in_what_the_agent_sent_since(aps_filled, admin_user, aps_records):
    code = sorted(aps_records)[0]
    run(aps_filled, admin_user, SyncKind.IMPORT, external_ids=[code])
    edited = aps_records[code] | {
        "fields": aps_records[code]["fields"] | {"email": "new@example.co.nz"}
    }
    aps_records_receive(connection=aps_filled, acting_user=admin_user, records=[edited])

    finished = run(aps_filled, admin_user, SyncKind.REFRESH)

    assert finished.updated == 1
    assert Link.objects.get(external_id=code).client.email == "new@example.co.nz"


def test_a_linked_client_gone_from_the_export_is_flagged_and_kept(
    aps_filled, admin_user, aps_records, firm
):
    gone, other = sorted(aps_records)[:2]
    link = LinkFactory(connection=aps_filled, external_id=gone, client=CompanyFactory(firm=firm))

    outcome = aps_records_archive(
        connection=aps_filled, acting_user=admin_user, codes=[gone, other]
    )

    assert outcome.archived == 2
    assert outcome.review_run.external_ids == [gone]
    sync_run_execute(run_id=outcome.review_run.pk)
    link.refresh_from_db()
    assert link.remote_status == RemoteStatus.ARCHIVED
    assert Client.objects.get(pk=link.client_id).archived_at is None


def test_the_sync_screen_of_an_aps_link_offers_only_aps_to_tandem(
    aps_filled, admin_user, aps_records, as_admin
):
    code = sorted(aps_records)[0]
    run(aps_filled, admin_user, SyncKind.IMPORT, external_ids=[code])
    link = Link.objects.get(external_id=code)
    Client.objects.filter(pk=link.client_id).update(email="changed@example.co.nz")

    page = as_admin.get(f"/clients/{link.client_id}/links/{link.pk}/sync/").content.decode()

    assert push_refusal("APS") in page
    assert "APS → Tandem" in page
    assert "Tandem → APS" not in page
