from tandem.errors import TandemError


class DocumentError(TandemError):
    """A document upload, deletion or restore refused; `message` says why in plain words."""

    code = "document_error"


class DocumentRefused(DocumentError):
    """An upload that was not stored. `code` tells the reason apart: `document_empty`,
    `document_too_large`, `document_type_not_allowed`, `document_type_mismatch`, `document_unnamed`.
    """

    code = "document_refused"
