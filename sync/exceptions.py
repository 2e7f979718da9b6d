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


class SyncRunRefused(SyncError):
    """A run could not be started; nothing was queued. `code` says why: "run_active" (another
    run of the connection is queued or running), "not_connected", "nothing_to_retry"."""

    code = "sync_run_refused"
