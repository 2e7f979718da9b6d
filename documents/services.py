import hashlib
import math
import unicodedata

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.models import Firm, User
from clients.models import Client
from documents.exceptions import DocumentError, DocumentRefused
from documents.filetypes import allowed_type_for
from documents.models import Document

MEGABYTE = 1024 * 1024
NAME_MAX_LENGTH = Document._meta.get_field("original_name").max_length


def document_upload(
    *, firm: Firm, client: Client, uploaded_file: UploadedFile, acting_user: User
) -> Document:
    """Store `uploaded_file` for `client` once its size, name and content pass the checks.

    Not one atomic block around everything: the file is written before the transaction opens
    (a large write must not hold the database's write lock), and removed again if the row
    cannot be saved, so storage and database never disagree.
    """
    if client.firm_id != firm.pk:
        raise DocumentError("The client does not belong to this firm.", field="client")
    name = document_display_name(uploaded_file.name or "")
    if not uploaded_file.size:
        raise DocumentRefused(f"{name} is empty.", field="file", code="document_empty")
    limit = settings.DOCUMENT_MAX_BYTES
    if uploaded_file.size > limit:
        raise DocumentRefused(
            f"{name} is {_size_label(uploaded_file.size, round_up=True)}; "
            f"the limit is {_size_label(limit)}.",
            field="file",
            code="document_too_large",
        )
    allowed = allowed_type_for(name, uploaded_file)

    digest = hashlib.sha256()
    for chunk in uploaded_file.chunks():
        digest.update(chunk)
    document = Document(
        firm=firm,
        client=client,
        original_name=name,
        content_type=allowed.content_type,
        size=uploaded_file.size,
        sha256=digest.hexdigest(),
        uploaded_by=acting_user,
    )
    # The storage path comes from `document_storage_path`; the name passed here is ignored.
    document.file.save(name, uploaded_file, save=False)
    try:
        with transaction.atomic():
            document.full_clean()
            document.save()
            audit_record(
                firm=firm,
                actor=acting_user,
                action="document.upload",
                target=document,
                changes={"name": name, "size": document.size, "sha256": document.sha256},
            )
    except BaseException:
        document.file.delete(save=False)
        raise
    return document


@transaction.atomic
def document_delete(*, document: Document, acting_user: User) -> Document:
    """Soft delete: the file stays in storage so the document can be restored."""
    if document.is_deleted:
        raise DocumentError(f"{document} is already deleted.")
    document.deleted_at = timezone.now()
    document.deleted_by = acting_user
    document.save(update_fields=["deleted_at", "deleted_by"])
    audit_record(firm=document.firm, actor=acting_user, action="document.delete", target=document)
    return document


@transaction.atomic
def document_restore(*, document: Document, acting_user: User) -> Document:
    if not document.is_deleted:
        raise DocumentError(f"{document} is not deleted.")
    document.deleted_at = None
    document.deleted_by = None
    document.save(update_fields=["deleted_at", "deleted_by"])
    audit_record(firm=document.firm, actor=acting_user, action="document.restore", target=document)
    return document


def document_display_name(uploaded_name: str) -> str:
    """The uploaded name without any path or control characters, fit to show (never to store).

    Browsers send a bare name, but a crafted request may send "../../etc/passwd" or
    "C:\\Users\\x.pdf"; only the last part is kept.
    """
    last_part = uploaded_name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(
        character
        for character in unicodedata.normalize("NFC", last_part)
        if unicodedata.category(character) not in {"Cc", "Cf", "Zl", "Zp"}
    ).strip()
    if name in {"", ".", ".."}:
        raise DocumentRefused(
            "The file has no name; rename it and upload it again.",
            field="file",
            code="document_unnamed",
        )
    if len(name) > NAME_MAX_LENGTH:
        stem, dot, extension = name.rpartition(".")
        kept = NAME_MAX_LENGTH - len(dot + extension)
        name = f"{stem[:kept]}{dot}{extension}" if dot and kept > 0 else name[:NAME_MAX_LENGTH]
    return name


def _size_label(size: int, *, round_up: bool = False) -> str:
    """A size such as 25.3 MB, 20 MB or 512 KB.

    A file over the limit is rounded up, so it never reads as equal to the limit.
    """
    for unit, factor in (("MB", MEGABYTE), ("KB", 1024)):
        if size >= factor:
            value = size / factor
            value = math.ceil(value * 10) / 10 if round_up else round(value, 1)
            return f"{value:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} bytes"
