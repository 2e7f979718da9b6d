"""Connected accounts and the Clients Sync tab (sync/cms_views.py), with the directory already
read, so no CMS is called."""

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from clients.tests.factories import CompanyFactory
from identity.tests.factories import ApplicationFactory
from integrations.connectors.cms.tests.factories import cms_connection_create
from integrations.models import ConnectionStatus, DirectoryEntry
from integrations.tests.factories import ConnectionFactory
from sync.cms_services import cms_refresh_after_import
from sync.cms_tasks import cms_refresh_after_import_task
from sync.models import SyncKind, SyncRun, SyncRunStatus
from sync.tests.factories import DirectoryEntryFactory, LinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def application():
    return ApplicationFactory(name="Kauri CMS", logo_url="https://cms.example.com/logo.png")


@pytest.fixture
def connection(firm, application, admin_user):
    return cms_connection_create(
        firm=firm,
        application=application,
        account_id="acc-1",
        user=admin_user,
        external_account_name="Kauri Home Care",
    )


def entry(connection, name, **fields):
    return DirectoryEntryFactory(
        connection=connection,
        kind="company",
        display_name=name,
        fields={"display_name": name, **fields},
    )


def link(connection, external_id, **fields):
    client = CompanyFactory(firm=connection.firm)
    return LinkFactory(connection=connection, client=client, external_id=external_id, **fields)


# Connected accounts ----------------------------------------------------------------------------
def test_connected_accounts_show_supplier_account_who_and_status(as_staff, connection):
    ConnectionFactory(firm=connection.firm, external_account_name="An XPM practice")

    page = as_staff.get(reverse("cms:connected_accounts")).content.decode()

    assert "Kauri CMS" in page
    assert "https://cms.example.com/logo.png" in page
    assert "Kauri Home Care" in page
    assert "Aroha Admin" in page
    assert "Connected" in page
    assert "An XPM practice" not in page
    assert "Disconnect Kauri Home Care" not in page


def test_an_administrator_disconnects_an_account_keeping_its_links(as_admin, connection):
    synced = link(connection, "kauri-1")
    page = as_admin.get(reverse("cms:connected_accounts")).content.decode()
    assert "Disconnect Kauri Home Care" in page

    response = as_admin.post(reverse("cms:disconnect", args=[connection.pk]), follow=True)

    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.DISCONNECTED
    assert connection.links.get() == synced
    assert "is disconnected" in response.content.decode()


def test_staff_cannot_disconnect(as_staff, connection):
    response = as_staff.post(reverse("cms:disconnect", args=[connection.pk]))

    assert response.status_code == 403
    connection.refresh_from_db()
    assert connection.is_active


def test_disconnect_is_not_for_other_add_ons(as_admin, firm):
    xpm = ConnectionFactory(firm=firm)

    assert as_admin.post(reverse("cms:disconnect", args=[xpm.pk])).status_code == 404
    xpm.refresh_from_db()
    assert xpm.is_active


def test_add_add_on_explains_that_the_cms_connects_the_account(as_admin):
    page = as_admin.get(reverse("integrations:add")).content.decode()
    assert f'action="{reverse("cms:add")}"' in page

    response = as_admin.post(reverse("cms:add"), follow=True)

    assert response.redirect_chain[-1][0] == reverse("cms:connected_accounts")
    assert "choose “Connect to Tandem”" in response.content.decode()


# Select an account -----------------------------------------------------------------------------
def test_select_an_account_offers_every_active_cms_account(as_staff, connection, admin_user):
    other_supplier = ApplicationFactory(name="Rimu CMS")
    cms_connection_create(
        firm=connection.firm,
        application=other_supplier,
        account_id="r-1",
        user=admin_user,
        external_account_name="Rimu Advisers",
    )
    cms_connection_create(
        firm=connection.firm,
        application=other_supplier,
        account_id="r-2",
        user=admin_user,
        external_account_name="Gone Account",
        status=ConnectionStatus.DISCONNECTED,
    )

    page = as_staff.get(reverse("cms:sync")).content.decode()

    assert "Kauri CMS: Kauri Home Care" in page
    assert "Rimu CMS: Rimu Advisers" in page
    assert "Gone Account" not in page


def test_next_goes_to_the_accounts_clients(as_staff, connection):
    response = as_staff.get(reverse("cms:sync"), {"connection": connection.pk})

    assert response.status_code == 302
    assert response["Location"] == reverse("cms:sync_clients", args=[connection.pk])


def test_next_without_an_account_says_to_select_one(as_staff, connection):
    response = as_staff.get(reverse("cms:sync"), {"connection": ""})

    assert "Select an account to sync clients from." in response.content.decode()


# The account's clients -------------------------------------------------------------------------
def test_each_client_says_whether_it_is_synced(as_staff, connection):
    entry(connection, "Awa Orchards Limited", email="hello@awa.example.com")
    synced = entry(connection, "Bellbird Trust", email="trust@bellbird.example.com")
    changed = entry(connection, "Cabbage Tree Limited", email="new@cabbage.example.com")
    link(connection, synced.external_id, base=dict(synced.fields))
    link(
        connection,
        changed.external_id,
        base={**changed.fields, "email": "old@cabbage.example.com"},
    )

    response = as_staff.get(reverse("cms:sync_clients", args=[connection.pk]))

    rows = {row.entry.display_name: row.state.value for row in response.context["rows"]}
    assert rows == {
        "Awa Orchards Limited": "Not synced",
        "Bellbird Trust": "Synced",
        "Cabbage Tree Limited": "Synced - changed since",
    }
    page = response.content.decode()
    assert "Overwrite previously synced clients" in page
    assert "will be replaced" in page


def test_searching_with_htmx_returns_only_the_matching_rows(as_staff, connection):
    entry(connection, "Awa Orchards Limited")
    entry(connection, "Bellbird Trust")

    response = as_staff.get(
        reverse("cms:sync_clients", args=[connection.pk]), {"q": "bellbird"}, HTTP_HX_REQUEST="true"
    )

    page = response.content.decode()
    assert "<html" not in page
    assert "Bellbird Trust" in page
    assert "Awa Orchards Limited" not in page


def test_the_clients_come_in_pages(as_staff, connection):
    for number in range(30):
        entry(connection, f"Client {number:02}")

    second = as_staff.get(reverse("cms:sync_clients", args=[connection.pk]), {"page": 2})

    names = [row.entry.display_name for row in second.context["rows"]]
    assert names == [f"Client {number:02}" for number in range(25, 30)]


def test_the_page_reads_the_account_from_the_cms_saying_what_it_could_not_read(
    as_staff, cms_connection, cms_sandbox, cms_account
):
    cms_sandbox.set_fault("garbage_record", times=1)

    response = as_staff.get(reverse("cms:sync_clients", args=[cms_connection.pk]))

    listed = set(
        DirectoryEntry.objects.filter(connection=cms_connection, archived=False).values_list(
            "external_id", flat=True
        )
    )
    live = {client.id for client in cms_sandbox.clients(cms_account.id) if not client.archived}
    assert len(listed) == len(live) - 1
    assert listed < live
    assert response.context["page"].paginator.count == len(listed)
    (warning,) = [str(message) for message in response.context["messages"]]
    assert warning.startswith("1 of this account's clients could not be read")


def test_a_disconnected_account_has_no_sync_page(as_staff, connection):
    connection.status = ConnectionStatus.DISCONNECTED
    connection.save()

    assert as_staff.get(reverse("cms:sync_clients", args=[connection.pk])).status_code == 404


# Sync selected ---------------------------------------------------------------------------------
def sync_selected(http, connection, external_ids, *, overwrite=False):
    data = {"external_id": external_ids}
    if overwrite:
        data["overwrite"] = "on"
    return http.post(reverse("cms:sync_clients", args=[connection.pk]), data)


def test_sync_selected_imports_the_clients_not_synced_yet(as_staff, connection, staff_user):
    chosen = [entry(connection, "Awa Orchards Limited"), entry(connection, "Bellbird Trust")]
    entry(connection, "Not Ticked Limited")

    response = sync_selected(as_staff, connection, [e.external_id for e in chosen])

    run = SyncRun.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("sync:run_detail", kwargs={"pk": run.pk})
    assert run.kind == SyncKind.IMPORT
    assert run.connection == connection
    assert run.started_by == staff_user
    assert sorted(run.external_ids) == sorted(e.external_id for e in chosen)


def test_sync_selected_refreshes_synced_clients_overwriting_when_ticked(as_staff, connection):
    synced = entry(connection, "Bellbird Trust")
    link(connection, synced.external_id, base=dict(synced.fields))

    sync_selected(as_staff, connection, [synced.external_id], overwrite=True)

    run = SyncRun.objects.get()
    assert (run.kind, run.overwrite, run.external_ids) == (
        SyncKind.REFRESH,
        True,
        [synced.external_id],
    )


@pytest.mark.postgres
def test_sync_selected_of_new_and_synced_clients_imports_then_refreshes(
    as_staff, connection, staff_user, django_capture_on_commit_callbacks
):
    new = entry(connection, "Awa Orchards Limited")
    synced = entry(connection, "Bellbird Trust")
    link(connection, synced.external_id, base=dict(synced.fields))

    with django_capture_on_commit_callbacks(execute=True):
        response = sync_selected(
            as_staff, connection, [new.external_id, synced.external_id], overwrite=True
        )

    imported = SyncRun.objects.get()
    assert (imported.kind, imported.external_ids) == (SyncKind.IMPORT, [new.external_id])
    assert response["Location"] == reverse("sync:run_detail", kwargs={"pk": imported.pk})
    (waiting,) = DBTaskResult.objects.filter(task_path=cms_refresh_after_import_task.module_path)
    assert waiting.args_kwargs["kwargs"] == {
        "run_id": imported.pk,
        "external_ids": [synced.external_id],
        "overwrite": True,
        "acting_user_id": staff_user.pk,
    }
    follow = as_staff.get(reverse("cms:sync_clients", args=[connection.pk]))
    assert "they are refreshed once this import is done" in follow.content.decode()


@pytest.mark.postgres
def test_the_refresh_waits_for_the_import_to_be_over(connection, staff_user):
    imported = SyncRun.objects.create(
        firm=connection.firm, connection=connection, kind=SyncKind.IMPORT
    )
    waiting = {
        "run_id": imported.pk,
        "external_ids": ["kauri-7"],
        "overwrite": True,
        "acting_user_id": staff_user.pk,
    }

    assert cms_refresh_after_import(**waiting) is None
    (again,) = DBTaskResult.objects.filter(task_path=cms_refresh_after_import_task.module_path)
    assert again.run_after > timezone.now()

    imported.status = SyncRunStatus.SUCCEEDED
    imported.save()
    refresh = cms_refresh_after_import(**waiting)

    assert (refresh.kind, refresh.overwrite, refresh.external_ids) == (
        SyncKind.REFRESH,
        True,
        ["kauri-7"],
    )
    assert refresh.started_by == staff_user


def test_no_refresh_follows_an_import_of_a_connection_since_disconnected(connection, staff_user):
    imported = SyncRun.objects.create(
        firm=connection.firm,
        connection=connection,
        kind=SyncKind.IMPORT,
        status=SyncRunStatus.SUCCEEDED,
    )
    connection.status = ConnectionStatus.DISCONNECTED
    connection.save()

    started = cms_refresh_after_import(
        run_id=imported.pk, external_ids=["kauri-7"], overwrite=False, acting_user_id=staff_user.pk
    )

    assert started is None
    assert SyncRun.objects.count() == 1


def test_sync_selected_with_nothing_ticked_says_so(as_staff, connection):
    entry(connection, "Awa Orchards Limited")

    response = sync_selected(as_staff, connection, [])

    assert "Tick at least one client to sync." in response.content.decode()
    assert not SyncRun.objects.exists()


def test_a_client_of_another_account_cannot_be_ticked(as_staff, connection, firm):
    elsewhere = DirectoryEntryFactory(connection=ConnectionFactory(firm=firm))

    response = sync_selected(as_staff, connection, [elsewhere.external_id])

    assert "no longer in this account" in response.content.decode()
    assert not SyncRun.objects.exists()


@pytest.mark.postgres
def test_sync_selected_while_a_run_is_under_way_is_refused(as_staff, connection, staff_user):
    client_entry = entry(connection, "Awa Orchards Limited")
    SyncRun.objects.create(firm=connection.firm, connection=connection, kind=SyncKind.REFRESH)

    response = sync_selected(as_staff, connection, [client_entry.external_id])

    assert response.status_code == 200
    assert "already under way" in response.content.decode()
    assert SyncRun.objects.count() == 1


# Another firm ----------------------------------------------------------------------------------
def test_another_firm_gets_nothing_of_the_firms_accounts(as_outsider, connection):
    client_entry = entry(connection, "Awa Orchards Limited")
    urls = [
        reverse("cms:sync_clients", args=[connection.pk]),
        reverse("cms:disconnect", args=[connection.pk]),
    ]

    for url in urls:
        assert as_outsider.get(url).status_code in (404, 405)
        assert as_outsider.post(url, {"external_id": [client_entry.external_id]}).status_code == 404
    select = as_outsider.get(reverse("cms:sync"), {"connection": connection.pk})
    listing = as_outsider.get(reverse("cms:connected_accounts"))
    for response in (select, listing):
        assert response.status_code == 200
        assert "Kauri Home Care" not in response.content.decode()
    connection.refresh_from_db()
    assert connection.is_active
    assert not SyncRun.objects.exists()
