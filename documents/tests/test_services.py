import hashlib
import re
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from accounts.models import AuditEvent
from clients.tests.factories import CompanyFactory
from documents import services
from documents.exceptions import DocumentError, DocumentRefused
from documents.models import Document
from documents.services import (
    document_delete,
    document_display_name,
    document_restore,
    document_upload,
)
from documents.tests import files

MB = 1024 * 1024


@pytest.fixture
def acme(firm):
    return CompanyFactory(firm=firm, display_name="Acme Ltd")


@pytest.fixture
def upload(firm, acme, staff_user):
    def _upload(name: str, content: bytes, **overrides) -> Document:
        fields = {
            "firm": firm,
            "client": acme,
            "uploaded_file": SimpleUploadedFile(name, content),
            "acting_user": staff_user,
        }
        return document_upload(**(fields | overrides))

    return _upload


def stored_files(settings) -> list[Path]:
    return [path for path in Path(settings.MEDIA_ROOT).rglob("*") if path.is_file()]


def test_upload_stores_the_file_under_a_generated_path(upload, firm, acme, staff_user, settings):
    document = upload("Annual accounts 2024.pdf", files.PDF)

    assert document.original_name == "Annual accounts 2024.pdf"
    assert re.fullmatch(rf"documents/{firm.pk}/{acme.pk}/[0-9a-f]{{32}}", document.file.name)
    assert document.content_type == "application/pdf"
    assert document.size == len(files.PDF)
    assert document.sha256 == hashlib.sha256(files.PDF).hexdigest()
    assert document.uploaded_by == staff_user
    assert [path.read_bytes() for path in stored_files(settings)] == [files.PDF]
    event = AuditEvent.objects.get(action="document.upload")
    assert (event.actor, event.target_id) == (staff_user, str(document.pk))
    assert event.changes["sha256"] == document.sha256


def test_the_same_name_uploaded_twice_gets_two_paths(upload, settings):
    first = upload("scan.png", files.PNG)
    second = upload("scan.png", files.PNG)

    assert first.file.name != second.file.name
    assert len(stored_files(settings)) == 2


@pytest.mark.parametrize(
    ("name", "content", "content_type"),
    [
        ("Ledger.CSV", files.CSV, "text/csv"),
        ("notes.txt", "Kia ora — GST due 28 May".encode(), "text/plain"),
        ("photo.png", files.PNG, "image/png"),
        ("letter.docx", files.docx(), files.DOCX_TYPE),
        # filetype reads only the first 8 KB; the container is then opened to look inside.
        ("long letter.docx", files.docx(first_member_size=20_000), files.DOCX_TYPE),
    ],
)
def test_upload_accepts_allowed_types(upload, name, content, content_type):
    assert upload(name, content).content_type == content_type


@pytest.mark.parametrize(
    ("name", "content", "code", "message"),
    [
        ("empty.pdf", b"", "document_empty", "empty.pdf is empty."),
        (
            "setup.exe",
            files.WINDOWS_PROGRAM,
            "document_type_not_allowed",
            "setup.exe is a .exe file, which Tandem does not store.",
        ),
        (
            "README",
            files.CSV,
            "document_type_not_allowed",
            "README is a file without an extension, which Tandem does not store.",
        ),
        (
            "invoice.pdf",
            files.WINDOWS_PROGRAM,
            "document_type_mismatch",
            "invoice.pdf is named as a PDF document, but its content is really "
            "application/x-msdownload (.exe); it was not stored.",
        ),
        (
            "invoice.pdf",
            files.zip_archive(("invoice.pdf", files.PDF)),
            "document_type_mismatch",
            "invoice.pdf is named as a PDF document, but its content is really "
            "application/zip (.zip); it was not stored.",
        ),
        (
            "statement.pdf",
            files.CSV,
            "document_type_mismatch",
            "statement.pdf is named as a PDF document, but its content is not a PDF document; "
            "it was not stored.",
        ),
        (
            "photo.jpg",
            files.PNG,
            "document_type_mismatch",
            "photo.jpg is named as a JPEG image, but its content is really image/png (.png)",
        ),
        (
            "report.docx",
            files.zip_archive(("report.txt", b"not a Word document")),
            "document_type_mismatch",
            "report.docx is named as a Word document, but its content is really application/zip",
        ),
        (
            "export.csv",
            files.LINUX_PROGRAM,
            "document_type_mismatch",
            "export.csv is named as a CSV file, but its content is really "
            "application/x-executable (.elf)",
        ),
        (
            "data.txt",
            b"plain start\x00\x01\x02binary after",
            "document_type_mismatch",
            "data.txt is named as a text file, but its content is not a text file",
        ),
        ("\x00\x01", files.PDF, "document_unnamed", "The file has no name"),
    ],
)
def test_upload_refuses_with_a_message_and_leaves_nothing_behind(
    upload, settings, name, content, code, message
):
    with pytest.raises(DocumentRefused) as refused:
        upload(name, content)

    assert refused.value.code == code
    assert refused.value.field == "file"
    assert refused.value.message.startswith(message)
    assert not Document.objects.exists()
    assert not AuditEvent.objects.exists()
    assert stored_files(settings) == []


def test_upload_refuses_a_file_over_the_limit(upload, settings):
    settings.DOCUMENT_MAX_BYTES = 20 * MB

    with pytest.raises(DocumentRefused) as refused:
        upload("report.pdf", files.PDF.ljust(int(25.3 * MB), b" "))

    assert refused.value.message == "report.pdf is 25.3 MB; the limit is 20 MB."
    assert refused.value.code == "document_too_large"
    assert stored_files(settings) == []


def test_a_file_just_over_the_limit_never_reads_as_the_limit(upload, settings):
    settings.DOCUMENT_MAX_BYTES = MB

    with pytest.raises(DocumentRefused, match=r"is 1\.1 MB; the limit is 1 MB\."):
        upload("report.pdf", files.PDF.ljust(MB + 1, b" "))


def test_a_file_of_exactly_the_limit_is_stored(upload, settings):
    settings.DOCUMENT_MAX_BYTES = 4096

    assert upload("report.pdf", files.PDF.ljust(4096, b" ")).size == 4096


def test_upload_removes_the_stored_file_when_the_row_cannot_be_saved(upload, settings, monkeypatch):
    def failing_audit(**_):
        raise RuntimeError("database went away")

    monkeypatch.setattr(services, "audit_record", failing_audit)

    with pytest.raises(RuntimeError):
        upload("report.pdf", files.PDF)

    assert not Document.objects.exists()
    assert stored_files(settings) == []


def test_upload_refuses_a_client_of_another_firm(upload, other_firm, settings):
    with pytest.raises(DocumentError, match="does not belong to this firm"):
        upload("report.pdf", files.PDF, client=CompanyFactory(firm=other_firm))

    assert stored_files(settings) == []


@pytest.mark.parametrize(
    ("uploaded", "shown"),
    [
        ("report.pdf", "report.pdf"),
        ("../../x", "x"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("C:\\Users\\Sam\\Desktop\\GST return.pdf", "GST return.pdf"),
        ("  spaced out.pdf  ", "spaced out.pdf"),
        ("new\nline\x00.pdf", "newline.pdf"),
        ("right\u202etxt.exe", "righttxt.exe"),  # no right-to-left override tricks
        ("Me\u0301tro.pdf", "Métro.pdf"),
        ("a" * 300 + ".pdf", "a" * 251 + ".pdf"),
    ],
)
def test_display_name_keeps_only_the_last_part_of_the_name(uploaded, shown):
    assert document_display_name(uploaded) == shown


@pytest.mark.parametrize("uploaded", ["", "/", "..", "dir/", "\x00"])
def test_display_name_refuses_a_name_with_nothing_left(uploaded):
    with pytest.raises(DocumentRefused, match="no name"):
        document_display_name(uploaded)


def test_delete_hides_the_document_but_keeps_the_file(upload, admin_user, settings):
    document = upload("report.pdf", files.PDF)

    document_delete(document=document, acting_user=admin_user)

    document.refresh_from_db()
    assert document.is_deleted
    assert document.deleted_by == admin_user
    assert len(stored_files(settings)) == 1
    assert AuditEvent.objects.filter(action="document.delete", actor=admin_user).exists()


def test_restore_brings_a_deleted_document_back(upload, admin_user):
    document = upload("report.pdf", files.PDF)
    document_delete(document=document, acting_user=admin_user)

    document_restore(document=document, acting_user=admin_user)

    document.refresh_from_db()
    assert not document.is_deleted
    assert document.deleted_by is None
    assert AuditEvent.objects.filter(action="document.restore", actor=admin_user).exists()


def test_delete_and_restore_refuse_a_document_already_in_that_state(upload, admin_user):
    document = upload("report.pdf", files.PDF)

    with pytest.raises(DocumentError, match=r"report\.pdf is not deleted"):
        document_restore(document=document, acting_user=admin_user)
    document_delete(document=document, acting_user=admin_user)
    with pytest.raises(DocumentError, match=r"report\.pdf is already deleted"):
        document_delete(document=document, acting_user=admin_user)
