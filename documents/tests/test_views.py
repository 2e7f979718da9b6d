from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from pytest_django.asserts import assertContains, assertRedirects

from clients.tests.factories import CompanyFactory
from documents.models import Document
from documents.services import document_delete, document_upload
from documents.tests import files

# Not plain ASCII, so the download's file name takes the RFC 6266 `filename*` form.
REPORT_NAME = "Rapport annuel 2024 \N{EN DASH} été.pdf"


@pytest.fixture
def acme(firm):
    return CompanyFactory(firm=firm, display_name="Acme Ltd")


@pytest.fixture
def tab_url(acme):
    return reverse("documents:client_documents", args=[acme.pk])


@pytest.fixture
def report(firm, acme, admin_user):
    return document_upload(
        firm=firm,
        client=acme,
        uploaded_file=SimpleUploadedFile(REPORT_NAME, files.PDF),
        acting_user=admin_user,
    )


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_the_tab_lists_the_clients_documents(as_staff, tab_url, report):
    response = as_staff.get(tab_url)

    assert response.context["active_tab"] == "documents"
    assert list(response.context["documents"]) == [report]
    assertContains(response, REPORT_NAME)
    assertContains(response, "PDF document")
    assertContains(response, "Aroha Admin")
    assertContains(response, 'enctype="multipart/form-data"')


def test_staff_can_upload_a_document(as_staff, tab_url, acme, staff_user):
    response = as_staff.post(
        tab_url, {"file": SimpleUploadedFile("Engagement letter.pdf", files.PDF)}, follow=True
    )

    assertRedirects(response, tab_url)
    document = Document.objects.get()
    assert (document.client, document.uploaded_by) == (acme, staff_user)
    assert document.original_name == "Engagement letter.pdf"
    assert messages_of(response) == ["Uploaded Engagement letter.pdf."]


def test_a_refused_upload_is_explained_and_stores_nothing(as_staff, tab_url, settings):
    response = as_staff.post(
        tab_url, {"file": SimpleUploadedFile("invoice.pdf", files.WINDOWS_PROGRAM)}
    )

    assert response.status_code == 200
    assert response.context["form"].errors["file"] == [
        "invoice.pdf is named as a PDF document, but its content is really "
        "application/x-msdownload (.exe); it was not stored."
    ]
    assert not Document.objects.exists()
    assert not [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def test_an_empty_upload_gets_the_services_message(as_staff, tab_url):
    response = as_staff.post(tab_url, {"file": SimpleUploadedFile("blank.pdf", b"")})

    assert response.context["form"].errors["file"] == ["blank.pdf is empty."]


def test_download_serves_the_file_as_an_attachment_under_its_name(as_staff, report):
    response = as_staff.get(reverse("documents:download", args=[report.pk]))

    assert response.status_code == 200
    assert b"".join(response.streaming_content) == files.PDF
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"] == (
        'attachment; filename="Rapport annuel 2024 _ _t_.pdf"; '
        "filename*=UTF-8''Rapport%20annuel%202024%20%E2%80%93%20%C3%A9t%C3%A9.pdf"
    )
    response.close()


def test_a_deleted_document_cannot_be_downloaded(as_staff, report, admin_user):
    document_delete(document=report, acting_user=admin_user)

    response = as_staff.get(reverse("documents:download", args=[report.pk]))

    assert response.status_code == 404


def test_delete_asks_first_then_moves_the_document_to_deleted(as_staff, tab_url, report):
    url = reverse("documents:delete", args=[report.pk])

    confirmation = as_staff.get(url)
    assertContains(confirmation, f"Delete {REPORT_NAME}?")
    report.refresh_from_db()
    assert not report.is_deleted

    response = as_staff.post(url, follow=True)

    assertRedirects(response, tab_url)
    report.refresh_from_db()
    assert report.is_deleted
    assert list(response.context["documents"]) == []
    deleted = as_staff.get(tab_url, {"deleted": "1"})
    assert list(deleted.context["documents"]) == [report]
    assertContains(deleted, "Restore")


def test_restore_brings_the_document_back_to_the_list(as_staff, tab_url, report, admin_user):
    document_delete(document=report, acting_user=admin_user)

    response = as_staff.post(reverse("documents:restore", args=[report.pk]), follow=True)

    assertRedirects(response, f"{tab_url}?deleted=1")
    report.refresh_from_db()
    assert not report.is_deleted
    assert messages_of(response) == [f"Restored {REPORT_NAME}."]


def test_restoring_a_current_document_says_so(as_staff, report):
    response = as_staff.post(reverse("documents:restore", args=[report.pk]), follow=True)

    assert messages_of(response) == [f"{REPORT_NAME} is not deleted."]


@pytest.mark.parametrize(
    ("method", "name", "target"),
    [
        ("get", "documents:client_documents", "client"),
        ("post", "documents:client_documents", "client"),
        ("get", "documents:download", "document"),
        ("get", "documents:delete", "document"),
        ("post", "documents:delete", "document"),
        ("post", "documents:restore", "document"),
    ],
)
def test_another_firm_gets_404_for_every_document_url(
    as_outsider, acme, report, method, name, target
):
    pk = acme.pk if target == "client" else report.pk
    data = {"file": SimpleUploadedFile("planted.pdf", files.PDF)} if method == "post" else {}

    response = getattr(as_outsider, method)(reverse(name, args=[pk]), data)

    assert response.status_code == 404
    assert list(Document.objects.values_list("original_name", "deleted_at")) == [
        (report.original_name, None)
    ]
