"""Small real files, by content, for upload tests."""

import io
import zipfile

PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + b"\x00" * 64
WINDOWS_PROGRAM = (
    b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 120 + b"This program cannot be run in DOS"
)
LINUX_PROGRAM = b"\x7fELF\x02\x01\x01" + b"\x00" * 64
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
CSV = b"code,name,balance\nC0001,Acme Ltd,1200.50\n"


def zip_archive(*members: tuple[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in members:
            # A fixed timestamp: test ids carry these bytes, and parallel test workers must
            # collect the same ids.
            archive.writestr(zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0)), content)
    return buffer.getvalue()


def docx(first_member_size: int = 100) -> bytes:
    """A Word document's container; a large first member hides "word/" from a quick look."""
    return zip_archive(
        ("[Content_Types].xml", b"<Types/>".ljust(first_member_size)),
        ("word/document.xml", b"<w:document/>"),
    )
