"""The endpoints a CMS calls after a person authorised it (Bearer access token, scope
`connect`): tell Tandem which of its accounts to sync, or to stop.

Errors are RFC 9457 problem documents with a stable `code`, so a supplier's developer can
branch on them without reading the words.
"""

import json
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from oauth2_provider.oauth2_backends import get_oauthlib_core
from oauth2_provider.www_authenticate import build_bearer_challenge, challenge_status

from integrations.connectors.cms.exceptions import CmsAccountRefused
from integrations.connectors.cms.services import cms_account_connect, cms_account_disconnect

CONNECT_SCOPE = "connect"


def problem(*, status: int, code: str, detail: str, **extra: Any) -> JsonResponse:
    return JsonResponse(
        {
            "type": "about:blank",
            "title": HTTPStatus(status).phrase,
            "status": status,
            "detail": detail,
            "code": code,
            **extra,
        },
        status=status,
        content_type="application/problem+json",
    )


def _authorised(request: HttpRequest):
    """The verified access token (with scope `connect`) of the request, or the refusal."""
    valid, oauth_request = get_oauthlib_core().verify_request(request, scopes=[CONNECT_SCOPE])
    if valid:
        return oauth_request.access_token, None
    error = getattr(oauth_request, "oauth2_error", None) or {}
    status = challenge_status(error)
    if status == 403:
        refusal = problem(
            status=403,
            code="forbidden",
            detail=f"Connecting accounts needs an access token with the scope “{CONNECT_SCOPE}”.",
        )
    else:
        refusal = problem(
            status=401,
            code="unauthorized",
            detail="Send the access token from Tandem's authorisation as “Authorization: Bearer”.",
        )
    refusal["WWW-Authenticate"] = build_bearer_challenge(
        request, oauth2_error=error, resource_metadata_url=None
    )
    return None, refusal


def _refused(error: CmsAccountRefused) -> JsonResponse:
    status = {"forbidden": 403, "not_found": 404}.get(error.code, 400)
    extra = {"field": error.field} if error.field else {}
    return problem(
        status=status,
        code=error.code,
        detail=error.message,
        **extra,
    )


@csrf_exempt
@require_http_methods(["POST"])
def accounts_view(request: HttpRequest) -> HttpResponse:
    token, refusal = _authorised(request)
    if refusal:
        return refusal
    try:
        body = json.loads(request.body)
    except (ValueError, UnicodeDecodeError):
        body = None
    if not isinstance(body, dict) or not all(
        isinstance(body.get(name), str) for name in ("account_id", "account_name")
    ):
        return problem(
            status=400,
            code="invalid_request",
            detail="Send JSON with the text fields “account_id” and “account_name”.",
        )
    try:
        connection, connected_now = cms_account_connect(
            application=token.application,
            acting_user=token.user,
            account_id=body["account_id"],
            account_name=body["account_name"],
        )
    except CmsAccountRefused as error:
        return _refused(error)
    return JsonResponse({"connection_id": str(connection.pk)}, status=201 if connected_now else 200)


@csrf_exempt
@require_http_methods(["DELETE"])
def account_view(request: HttpRequest, account_id: str) -> HttpResponse:
    token, refusal = _authorised(request)
    if refusal:
        return refusal
    try:
        cms_account_disconnect(
            application=token.application, acting_user=token.user, account_id=account_id
        )
    except CmsAccountRefused as error:
        return _refused(error)
    return HttpResponse(status=204)
