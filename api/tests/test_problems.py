"""Every error becomes an RFC 9457 problem with a stable code."""

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404
from rest_framework import exceptions

from api.problems import PROBLEM_CONTENT_TYPE, problem_exception_handler
from clients.exceptions import ClientStateError, RelationshipKindError
from documents.exceptions import DocumentRefused
from sync.exceptions import LinkRefused, SyncRunRefused


def problem(error: Exception):
    response = problem_exception_handler(error, {})
    assert response.content_type == PROBLEM_CONTENT_TYPE
    return response.status_code, response.data


@pytest.mark.parametrize(
    ("error", "status", "code", "field"),
    [
        (ClientStateError("Acme is already archived."), 409, "client_state", None),
        (
            RelationshipKindError("Not an individual.", field="individual"),
            422,
            "relationship_kind",
            "individual",
        ),
        (LinkRefused("Not connected."), 422, "link_refused", None),
        (SyncRunRefused("Busy.", code="run_active"), 409, "run_active", None),
        (
            DocumentRefused("Too big.", field="file", code="document_too_large"),
            413,
            "document_too_large",
            "file",
        ),
    ],
)
def test_tandems_errors_keep_their_code_field_and_message(error, status, code, field):
    status_code, body = problem(error)

    assert (status_code, body["code"], body.get("field")) == (status, code, field)
    assert body["detail"] == error.message
    assert body["type"] == "about:blank"
    assert body["status"] == status


def test_a_services_validation_error_lists_each_field():
    status_code, body = problem(
        ValidationError({"email": ["Email: not valid."], "phone": ["Phone: not valid."]})
    )

    assert status_code == 422
    assert "field" not in body, "two fields are at fault, so no single one is named"
    assert [error["field"] for error in body["errors"]] == ["email", "phone"]
    assert body["detail"] == "Email: not valid. Phone: not valid."


def test_a_nested_request_error_names_the_path_to_the_field():
    status_code, body = problem(
        exceptions.ValidationError({"duplicates": {0: ["A valid integer is required."]}})
    )

    assert status_code == 400
    assert body["field"] == "duplicates.0"
    assert body["detail"] == "duplicates.0: A valid integer is required."


def test_not_found_says_nothing_of_what_was_asked_for():
    status_code, body = problem(Http404("No Client matches the given query."))

    assert (status_code, body["code"]) == (404, "not_found")
    assert "Client" not in body["detail"]


def test_throttling_says_when_to_come_back():
    response = problem_exception_handler(exceptions.Throttled(wait=30), {})

    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert response.data["code"] == "throttled"


def test_an_unexpected_error_is_left_to_the_server_error_handler():
    assert problem_exception_handler(RuntimeError("bug"), {}) is None
