"""A staff member stores a client's document, downloads it, deletes it and restores it."""

from pathlib import Path

from playwright.sync_api import expect

from clients.tests.factories import CompanyFactory
from documents.models import Document
from documents.tests import files

LETTER = {"name": "Engagement letter.pdf", "mimeType": "application/pdf", "buffer": files.PDF}


def test_upload_download_delete_and_restore_a_document(page, log_in, firm, staff_user):
    acme = CompanyFactory(firm=firm, display_name="Acme Ltd")
    log_in(staff_user)
    page.goto(f"/clients/{acme.pk}/edit/")
    page.get_by_role("tab", name="Documents").click()
    expect(page.get_by_role("tab", name="Documents")).to_have_attribute("aria-selected", "true")

    page.get_by_label("File").set_input_files(LETTER)
    page.get_by_role("button", name="Upload").click()
    expect(page.get_by_role("status")).to_have_text("Uploaded Engagement letter.pdf.")
    expect(page.get_by_role("table", name="Documents")).to_contain_text("PDF document")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download Engagement letter.pdf").click()
    download = download_info.value
    assert download.suggested_filename == "Engagement letter.pdf"
    assert Path(download.path()).read_bytes() == files.PDF

    page.get_by_role("link", name="Delete Engagement letter.pdf").click()
    page.get_by_role("button", name="Delete document").click()
    expect(page.get_by_role("status")).to_contain_text("Deleted Engagement letter.pdf.")
    expect(page.get_by_text("No documents yet.")).to_be_visible()

    page.get_by_role("link", name="Deleted documents").click()
    page.get_by_role("button", name="Restore Engagement letter.pdf").click()
    expect(page.get_by_role("status")).to_have_text("Restored Engagement letter.pdf.")
    page.get_by_role("link", name="Current documents").click()
    expect(page.get_by_role("link", name="Download Engagement letter.pdf")).to_be_visible()
    assert not Document.objects.get().is_deleted


def test_a_file_whose_content_lies_about_its_type_is_refused(page, log_in, firm, staff_user):
    acme = CompanyFactory(firm=firm, display_name="Acme Ltd")
    log_in(staff_user)
    page.goto(f"/documents/clients/{acme.pk}/")

    page.get_by_label("File").set_input_files(
        {"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": files.WINDOWS_PROGRAM}
    )
    page.get_by_role("button", name="Upload").click()

    expect(page.get_by_text("invoice.pdf is named as a PDF document")).to_be_visible()
    expect(page.get_by_text("No documents yet.")).to_be_visible()
    assert not Document.objects.exists()
