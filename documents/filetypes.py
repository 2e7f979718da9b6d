"""Which files Tandem stores, judged by their content as well as their name.

The extension says what a file claims to be; the first bytes (read by `filetype`) say what it
is. Both must agree with the allow-list, so "invoice.pdf" that is really a program is refused.
"""

import zipfile
from dataclasses import dataclass
from typing import IO

import filetype

from documents.exceptions import DocumentRefused

HEAD_BYTES = 8192  # as much as `filetype` ever reads
OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ALLOWED_SUMMARY = "PDF, image (JPEG, PNG, GIF, WebP, TIFF, HEIC), office document, CSV or text file"


@dataclass(frozen=True)
class AllowedType:
    label: str
    content_type: str
    # `filetype` extensions the content may be recognised as; empty for plain text formats,
    # which have no signature to recognise.
    signatures: frozenset[str] = frozenset()
    # Office formats are containers that `filetype` does not always see into within its first
    # 8 KB: a ZIP holding this member, or an OLE compound file, is then accepted as the format.
    zip_member: str = ""
    ole: bool = False

    @property
    def is_text(self) -> bool:
        return not self.signatures


def _type(label: str, content_type: str, *signatures: str, **container) -> AllowedType:
    return AllowedType(label, content_type, frozenset(signatures), **container)


_JPEG = _type("JPEG image", "image/jpeg", "jpg")
_TIFF = _type("TIFF image", "image/tiff", "tif")
_WORD = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
_EXCEL = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_POWERPOINT = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

ALLOWED_TYPES: dict[str, AllowedType] = {
    "pdf": _type("PDF document", "application/pdf", "pdf"),
    "jpg": _JPEG,
    "jpeg": _JPEG,
    "png": _type("PNG image", "image/png", "png"),
    "gif": _type("GIF image", "image/gif", "gif"),
    "webp": _type("WebP image", "image/webp", "webp"),
    "tif": _TIFF,
    "tiff": _TIFF,
    "heic": _type("HEIC image", "image/heic", "heic"),
    "doc": _type("Word document", "application/msword", "doc", ole=True),
    "xls": _type("Excel workbook", "application/vnd.ms-excel", "xls", ole=True),
    "ppt": _type("PowerPoint presentation", "application/vnd.ms-powerpoint", "ppt", ole=True),
    "docx": _type("Word document", _WORD, "docx", zip_member="word/document.xml"),
    "xlsx": _type("Excel workbook", _EXCEL, "xlsx", zip_member="xl/workbook.xml"),
    "pptx": _type(
        "PowerPoint presentation", _POWERPOINT, "pptx", zip_member="ppt/presentation.xml"
    ),
    "odt": _type("OpenDocument text", "application/vnd.oasis.opendocument.text", "odt"),
    "ods": _type(
        "OpenDocument spreadsheet", "application/vnd.oasis.opendocument.spreadsheet", "ods"
    ),
    "odp": _type(
        "OpenDocument presentation", "application/vnd.oasis.opendocument.presentation", "odp"
    ),
    "rtf": _type("RTF document", "application/rtf", "rtf"),
    "csv": _type("CSV file", "text/csv"),
    "txt": _type("text file", "text/plain"),
}
TYPE_LABELS = {allowed.content_type: allowed.label for allowed in ALLOWED_TYPES.values()}


def allowed_type_for(name: str, content: IO[bytes]) -> AllowedType:
    """The allowed type of the file called `name` (already sanitised), or DocumentRefused."""
    extension = name.rpartition(".")[2].lower() if "." in name else ""
    allowed = ALLOWED_TYPES.get(extension)
    if allowed is None:
        what = f"a .{extension} file" if extension else "a file without an extension"
        raise DocumentRefused(
            f"{name} is {what}, which Tandem does not store. Upload a {ALLOWED_SUMMARY}.",
            field="file",
            code="document_type_not_allowed",
        )

    content.seek(0)
    head = content.read(HEAD_BYTES)
    content.seek(0)
    recognised = filetype.guess(head)
    if not _content_matches(allowed, recognised, head, content):
        found = (
            f"really {recognised.mime} (.{recognised.extension})"
            if recognised
            else f"not a {allowed.label}"
        )
        raise DocumentRefused(
            f"{name} is named as a {allowed.label}, but its content is {found}; it was not stored.",
            field="file",
            code="document_type_mismatch",
        )
    return allowed


def _content_matches(allowed: AllowedType, recognised, head: bytes, content: IO[bytes]) -> bool:
    if allowed.is_text:
        return recognised is None and b"\x00" not in head
    if recognised is not None and recognised.extension in allowed.signatures:
        return True
    if allowed.zip_member and recognised is not None and recognised.extension == "zip":
        return _zip_holds(content, allowed.zip_member)
    return allowed.ole and recognised is None and head.startswith(OLE_MAGIC)


def _zip_holds(content: IO[bytes], member: str) -> bool:
    try:
        with zipfile.ZipFile(content) as archive:
            return member in archive.namelist()
    except zipfile.BadZipFile:
        return False
    finally:
        content.seek(0)
