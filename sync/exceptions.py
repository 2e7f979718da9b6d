from tandem.errors import TandemError


class SyncError(TandemError):
    code = "sync_error"


class LinkRefused(SyncError):
    """Linking was refused; nothing was linked. `duplicates_url` points at the Duplicates view
    when merging duplicate contacts must come first."""

    code = "link_refused"

    def __init__(
        self,
        message: str,
        *,
        field: str | None = None,
        code: str | None = None,
        duplicates_url: str = "",
    ):
        super().__init__(message, field=field, code=code)
        self.duplicates_url = duplicates_url
