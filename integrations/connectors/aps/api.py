"""Tandem's inbound API for the Tandem sync agent, at /agent/v1/.

Every call carries the agent's OAuth access token (scope `aps:push`), which acts for the firm
administrator who approved the agent's sign-in, so for that firm's APS connection only. Errors
are RFC 9457 problem documents with a stable `code`; the agent shows their `detail`.

- GET  connection       who the agent is signed in as, and where its clients go
- POST clients/batch    {"records": [client, ...]} -> counts, and each refused record and why
- POST clients/removed  {"codes": [client code, ...]} -> archived, already archived, unknown
"""

import json
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.www_authenticate import build_bearer_challenge, challenge_status

from accounts.models import User
from integrations.connectors.aps.exceptions import ApsError
from integrations.connectors.aps.services import (
    AGENT_SCOPE,
    agent_connection_get,
    agent_contact_record,
    aps_records_archive,
    aps_records_receive,
)
from integrations.models import Connection

REFUSAL_STATUS = {"forbidden": 403, "not_activated": 409}


def problem(*, status: int, code: str, title: str, detail: str) -> JsonResponse:
    return JsonResponse(
        {"type": "about:blank", "title": title, "status": status, "detail": detail, "code": code},
        status=status,
        content_type="application/problem+json",
    )


def agent_endpoint(*methods: str) -> Callable:
    """Authenticates the agent, finds its connection, reads the JSON body, and turns an
    ApsError into a problem document. The view gets (request, connection, user, body)."""

    def decorator(view: Callable) -> Callable:
        @csrf_exempt
        @require_http_methods(list(methods))
        def wrapper(request: HttpRequest) -> HttpResponse:
            valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[AGENT_SCOPE])
            if not valid:
                return _unauthorised(request, getattr(oauth_request, "oauth2_error", None) or {})
            token = oauth_request.access_token
            user = token.user
            body: Any = None
            if request.method == "POST":
                try:
                    body = json.loads(request.body)
                except (ValueError, UnicodeDecodeError):
                    body = None
                if not isinstance(body, dict):
                    return problem(
                        status=400,
                        code="invalid_request",
                        title="The request body is not a JSON object",
                        detail="Send the request as a JSON object.",
                    )
            try:
                client_id = token.application.client_id if token.application else ""
                connection = agent_connection_get(user=user, client_id=client_id)
                return view(request, connection=connection, user=user, body=body)
            except ApsError as error:
                return problem(
                    status=REFUSAL_STATUS.get(error.code, 400),
                    code=error.code,
                    title="Tandem refused the request",
                    detail=error.message,
                )

        return wrapper

    return decorator


@agent_endpoint("GET")
def connection_view(
    request: HttpRequest, *, connection: Connection, user: User, body: Any
) -> HttpResponse:
    agent_contact_record(connection=connection)
    return JsonResponse(
        {
            "firm": connection.firm.name,
            "account": connection.external_account_name,
            "user": user.email,
        }
    )


@agent_endpoint("POST")
def clients_batch_view(
    request: HttpRequest, *, connection: Connection, user: User, body: Any
) -> HttpResponse:
    outcome = aps_records_receive(
        connection=connection, acting_user=user, records=body.get("records")
    )
    return JsonResponse(
        {
            "created": outcome.created,
            "updated": outcome.updated,
            "unchanged": outcome.unchanged,
            "refused": [asdict(refusal) for refusal in outcome.refused],
        }
    )


@agent_endpoint("POST")
def clients_removed_view(
    request: HttpRequest, *, connection: Connection, user: User, body: Any
) -> HttpResponse:
    outcome = aps_records_archive(connection=connection, acting_user=user, codes=body.get("codes"))
    return JsonResponse(
        {
            "archived": outcome.archived,
            "already_archived": outcome.already_archived,
            "unknown": list(outcome.unknown),
            "review_run": outcome.review_run.pk if outcome.review_run else None,
        }
    )


def _unauthorised(request: HttpRequest, error: dict) -> JsonResponse:
    status = challenge_status(error)
    if status == 403:
        refusal = problem(
            status=403,
            code="forbidden",
            title="The access token lacks a scope",
            detail=f"The agent needs a sign-in with the scope “{AGENT_SCOPE}”: run "
            "“tandem-agent login” again.",
        )
    else:
        refusal = problem(
            status=401,
            code="unauthorized",
            title="No valid access token",
            detail="The agent's sign-in has expired or was revoked: run “tandem-agent login”.",
        )
    refusal["WWW-Authenticate"] = build_bearer_challenge(
        request, oauth2_error=error, resource_metadata_url=None
    )
    return refusal
