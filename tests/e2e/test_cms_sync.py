"""The Clients Sync tab: Select an account, Next, tick clients, Sync selected; then Overwrite a
synced client whose appointment and document stay as they were."""

from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect

from accounts.models import Role
from accounts.tests.factories import FirmFactory, member_create
from clients.models import Client
from clients.services import client_update
from documents.models import Document
from documents.services import document_upload
from documents.tests.files import PDF
from identity.models import Application
from identity.selectors import user_subject

# The live CMS sandbox fixture, re-exported so that pytest finds it here.
from integrations.connectors.cms.tests.conftest import cms_live as cms_live
from integrations.connectors.cms.tests.factories import cms_connection_create
from sandbox.cms import DEFAULT_CLIENT_ID
from scheduling.models import Appointment
from scheduling.tests.factories import AppointmentFactory
from sync.models import Link, SyncRun
from sync.runs import sync_run_execute

LOCAL_PHONE = "+6495550100"


def sync_selected_and_finish(page, *, names, overwrite=False) -> SyncRun:
    """Tick `names` on the account's clients, Sync selected, and run the worker's job here."""
    table = page.get_by_role("table", name="Clients of this account")
    for name in names:
        table.get_by_role("checkbox", name=f"Select {name}").check()
    if overwrite:
        page.get_by_label("Overwrite previously synced clients").check()
    page.get_by_role("button", name="Sync selected").click()
    page.wait_for_url("**/clients/sync-runs/*/")
    run = SyncRun.objects.latest("pk")
    sync_run_execute(run_id=run.pk)
    page.reload()
    expect(page.locator(".badge").filter(has_text="Done").first).to_be_visible()
    return run


def test_sync_selected_clients_then_overwrite_one(page, log_in, cms_live):
    firm = FirmFactory(name="Harbour Accounting Limited")
    admin = member_create(
        firm=firm, role=Role.ADMIN, email="mere@harbour.example.com", first_name="Mere"
    )
    account = cms_live.accounts[0]
    cms_live.connection_record(account_id=account.id, tandem_sub=user_subject(admin))
    connection = cms_connection_create(
        firm=firm,
        application=Application.objects.get(client_id=DEFAULT_CLIENT_ID),
        account_id=account.id,
        user=admin,
        external_account_name=account.name,
    )
    live = [client for client in cms_live.clients(account.id) if not client.archived]
    names = [client.fields["display_name"] for client in live[:2]]
    log_in(admin)

    page.get_by_role("link", name="Clients", exact=True).first.click()
    page.get_by_role("navigation", name="Client lists").get_by_role("link", name="Sync").click()
    page.get_by_label(f"CareCloud: {account.name}").check()
    page.get_by_role("button", name="Next").click()
    rows = page.get_by_role("table", name="Clients of this account").get_by_role("row")
    for name in names:
        expect(rows.filter(has_text=name)).to_contain_text("Not synced")
    run = sync_selected_and_finish(page, names=names)

    assert run.kind == "import"
    page.goto("/clients/")
    for name in names:
        expect(page.get_by_role("link", name=name, exact=True)).to_be_visible()

    # A synced client is booked, given a document and edited in Tandem; Overwrite takes the
    # CMS's details back and leaves the appointment and the document as they were.
    client = Client.objects.get(firm=firm, display_name=names[0])
    appointment = AppointmentFactory(client=client)
    document = document_upload(
        firm=firm,
        client=client,
        uploaded_file=SimpleUploadedFile("engagement.pdf", PDF),
        acting_user=admin,
    )
    client_update(client=client, acting_user=admin, phone=LOCAL_PHONE)
    appointment_before = Appointment.objects.filter(pk=appointment.pk).values().get()
    document_before = Document.objects.filter(pk=document.pk).values().get()

    page.goto(f"/cms/sync/{connection.pk}/")
    expect(rows.filter(has_text=names[0])).to_contain_text("Synced")
    expect(page.get_by_text("will be replaced")).to_be_visible()
    run = sync_selected_and_finish(page, names=names[:1], overwrite=True)

    assert (run.kind, run.overwrite) == ("refresh", True)
    client.refresh_from_db()
    cms_phone = Link.objects.get(connection=connection, client=client).base.get("phone", "")
    assert client.phone == cms_phone != LOCAL_PHONE
    assert Appointment.objects.filter(pk=appointment.pk).values().get() == appointment_before
    assert Document.objects.filter(pk=document.pk).values().get() == document_before
