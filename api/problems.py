"""Every API error as an RFC 9457 problem: `application/problem+json` with a stable `code`,
the `field` at fault where there is one, and a `detail` fit to show a person.

Tandem's own errors (`TandemError` and its subclasses across the apps) carry the code, field and
message the browser shows too; Django's ValidationError carries the services' field messages;
DRF's exceptions cover authentication, scopes, parsing, throttling and unknown objects.
"""

from http import HTTPStatus
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.views import set_rollback

from api.exceptions import IdempotencyKeyInvalid, TokenStateError
from clients.exceptions import (
    ClientMergeConflictError,
    ClientMergeUndoError,
    ClientStateError,
    RelationshipExistsError,
)
from sync.exceptions import SyncRunRefused
from tandem.errors import TandemError

PROBLEM_CONTENT_TYPE = "application/problem+json"

# A refusal because of the state of the records (rather than the input) is a conflict; the
# most specific class listed wins. Anything else of Tandem's is unprocessable input (422).
STATUS_OF_ERROR: dict[type[TandemError], int] = {
    ClientStateError: status.HTTP_409_CONFLICT,
    ClientMergeConflictError: status.HTTP_409_CONFLICT,
    ClientMergeUndoError: status.HTTP_409_CONFLICT,
    RelationshipExistsError: status.HTTP_409_CONFLICT,
    TokenStateError: status.HTTP_409_CONFLICT,
    SyncRunRefused: status.HTTP_409_CONFLICT,
    IdempotencyKeyInvalid: status.HTTP_400_BAD_REQUEST,
}
# Codes whose status says more than their class's.
STATUS_OF_CODE: dict[str, int] = {
    "document_too_large": status.HTTP_413_REQUEST_ENTITY_TOO_LARGE,
}


def problem_response(
    status_code: int,
    *,
    code: str,
    detail: str,
    field: str | None = None,
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": HTTPStatus(status_code).phrase,
        "status": status_code,
        "detail": detail,
        "code": code,
    }
    if field:
        body["field"] = field
    if errors:
        body["errors"] = errors
    return Response(body, status=status_code, headers=headers, content_type=PROBLEM_CONTENT_TYPE)


def problem_exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """DRF's EXCEPTION_HANDLER: a problem response, or None for a server error."""
    if isinstance(exc, TandemError | DjangoValidationError):
        set_rollback()
        return _tandem_problem(exc) if isinstance(exc, TandemError) else _validation_problem(exc)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound("Not found: this practice has nothing with that id.")
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied(*exc.args)
    if not isinstance(exc, exceptions.APIException):
        return None
    set_rollback()
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))
    if isinstance(exc, exceptions.ValidationError):
        errors = list(_flattened(exc.detail))
        return problem_response(
            exc.status_code,
            code="invalid_request",
            detail=" ".join(error["detail"] for error in errors),
            field=errors[0]["field"] if len(errors) == 1 else None,
            errors=errors,
            headers=headers,
        )
    code = exc.get_codes()
    return problem_response(
        exc.status_code,
        code=code if isinstance(code, str) else exc.default_code,
        detail=str(exc.detail),
        headers=headers,
    )


def status_for(error: TandemError) -> int:
    if error.code in STATUS_OF_CODE:
        return STATUS_OF_CODE[error.code]
    for cls in type(error).__mro__:
        if cls in STATUS_OF_ERROR:
            return STATUS_OF_ERROR[cls]
    return status.HTTP_422_UNPROCESSABLE_ENTITY


def _tandem_problem(error: TandemError) -> Response:
    return problem_response(
        status_for(error), code=error.code, detail=error.message, field=error.field
    )


def _validation_problem(error: DjangoValidationError) -> Response:
    """The services' ValidationError: each message already starts with its field's label."""
    if hasattr(error, "error_dict"):
        errors = [
            {"field": None if name == "__all__" else name, "detail": message, "code": "invalid"}
            for name, messages in error.message_dict.items()
            for message in messages
        ]
    else:
        errors = [
            {"field": None, "detail": message, "code": "invalid"} for message in error.messages
        ]
    fields = {item["field"] for item in errors}
    return problem_response(
        status.HTTP_422_UNPROCESSABLE_ENTITY,
        code="invalid",
        detail=" ".join(item["detail"] for item in errors),
        field=fields.pop() if len(fields) == 1 else None,
        errors=errors,
    )


def _flattened(detail: Any, field: str = "") -> Any:
    """DRF's nested error details as {field, detail, code}, the field as a dotted path that
    also starts the message, as the services' messages start with the field's label."""
    if isinstance(detail, dict):
        for name, inner in detail.items():
            nested = "" if name == "non_field_errors" else str(name)
            yield from _flattened(inner, f"{field}.{nested}".strip(".") if nested else field)
    elif isinstance(detail, list):
        for index, inner in enumerate(detail):
            is_item = isinstance(inner, dict | list)
            yield from _flattened(inner, f"{field}.{index}" if is_item else field)
    else:
        message = f"{field}: {detail}" if field else str(detail)
        yield {"field": field or None, "detail": message, "code": detail.code}
