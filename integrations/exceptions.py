"""What can go wrong between Tandem and an external system, in the words a person needs.

`provider` in each constructor is the short name people know the system by ("XPM").
"""

from datetime import datetime

from django.utils import timezone

from tandem.errors import TandemError


class IntegrationError(TandemError):
    code = "integration_error"


class UnknownProvider(IntegrationError):
    code = "unknown_provider"

    def __init__(self, provider: str):
        super().__init__(f"Tandem has no add-on called “{provider}”.")
        self.provider = provider


class AuthorisationFailed(IntegrationError):
    """Connecting an account did not work; nothing was connected or changed."""

    code = "authorisation_failed"


class ProviderError(IntegrationError):
    """A call to a connected account's system failed. `retryable` says whether trying the same
    call again later may work without anyone doing anything."""

    retryable = False


class AuthorisationExpired(ProviderError):
    code = "reauthorisation_needed"

    def __init__(self, provider: str):
        super().__init__(
            f"The {provider} authorisation has expired or was revoked: Reauthorise the add-on "
            "to carry on."
        )


class RateLimited(ProviderError):
    """The provider refused the call over a call limit; `retry_at` is when it allows calls again."""

    code = "rate_limited"
    retryable = True

    def __init__(self, provider: str, *, limit: str, retry_at: datetime):
        at = timezone.localtime(retry_at).strftime("%H:%M")
        super().__init__(f"{provider} refused the request: {limit} reached; retrying at {at}.")
        self.limit = limit
        self.retry_at = retry_at


class ProviderUnavailable(ProviderError):
    code = "unavailable"
    retryable = True

    def __init__(self, provider: str, *, detail: str):
        super().__init__(f"{provider} did not answer properly ({detail}); Tandem will try again.")
        self.detail = detail


class BadResponse(ProviderError):
    code = "bad_response"
    retryable = True

    def __init__(self, provider: str, *, detail: str):
        super().__init__(f"{provider} sent a response Tandem could not read ({detail}).")
        self.detail = detail


class ListingInterrupted(ProviderError):
    """The provider no longer knows where a paged listing had got to."""

    code = "listing_interrupted"
    retryable = True

    def __init__(self, provider: str, *, detail: str):
        super().__init__(
            f"{provider} lost its place in the client list ({detail}), so the listing must start "
            "again from the beginning."
        )
        self.detail = detail


class RequestRejected(ProviderError):
    code = "rejected"

    def __init__(self, provider: str, *, detail: str):
        super().__init__(f"{provider} refused the request: {detail}.")
        self.detail = detail


class RecordNotFound(IntegrationError):
    """An answer about one record, not a problem with the connection."""

    code = "not_found"

    def __init__(self, provider: str, *, external_id: str):
        super().__init__(f"{provider} has no client with the id {external_id}.")
        self.external_id = external_id


class NotSupported(IntegrationError):
    code = "not_supported"

    def __init__(self, provider: str, *, capability: str):
        super().__init__(f"{provider} does not let Tandem {capability}.")
        self.capability = capability


class DirectoryRefreshFailed(IntegrationError):
    """A directory refresh stopped part-way; the pages before the failure were kept."""

    code = "directory_refresh_failed"

    def __init__(self, provider: str, *, records_saved: int, error: IntegrationError):
        kept = (
            f"the {records_saved} records read before it were kept"
            if records_saved
            else "nothing was read"
        )
        super().__init__(
            f"Refreshing the {provider} client list stopped: {error.message} ({kept})."
        )
        self.records_saved = records_saved
        self.error = error
