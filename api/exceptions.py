from tandem.errors import TandemError


class ApiError(TandemError):
    """Base of the API app's user-facing errors."""

    code = "api_error"


class TokenStateError(ApiError):
    """A personal access token cannot be made or revoked as asked."""

    code = "token_state"


class IdempotencyKeyReused(ApiError):
    """The `Idempotency-Key` was sent before with a different request."""

    code = "idempotency_key_reused"


class IdempotencyKeyInvalid(ApiError):
    code = "idempotency_key_invalid"
