"""`Idempotency-Key` on create calls: a retry of the same request with the same key answers
what the first did and creates nothing more.

The key row is inserted in the same transaction as whatever the call creates, so the two
commit together or not at all: a call that failed leaves no key behind and may be retried, and
of two identical calls racing, the second waits on the key's unique index until the first
commits, then replays its answer.
"""

import functools
import hashlib
import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.exceptions import IdempotencyKeyInvalid, IdempotencyKeyReused
from api.models import IdempotencyKey

HEADER = "Idempotency-Key"
KEY_MAX_LENGTH = IdempotencyKey._meta.get_field("key").max_length

Handler = Callable[..., Response]


def idempotent(handler: Handler) -> Handler:
    """Wraps a view's `post`: with an Idempotency-Key header, the first 2xx answer is kept
    (for TANDEM_API_IDEMPOTENCY_HOURS) and replayed to the same request with the same key."""

    @functools.wraps(handler)
    def wrapper(view: APIView, request: Request, *args: Any, **kwargs: Any) -> Response:
        key = request.headers.get(HEADER)
        if key is None:
            return handler(view, request, *args, **kwargs)
        _key_check(key)
        credential = request.auth
        fingerprint = request_fingerprint(request)
        with transaction.atomic():
            kept = _kept(credential.key, key)
            if kept is not None:
                return _replay(kept, fingerprint)
            try:
                with transaction.atomic():
                    record = IdempotencyKey.objects.create(
                        firm=credential.firm,
                        credential=credential.key,
                        key=key,
                        fingerprint=fingerprint,
                        response_status=0,
                    )
            except IntegrityError:
                # The same key, sent at the same moment, committed first.
                return _replay(_kept(credential.key, key), fingerprint)
            response = handler(view, request, *args, **kwargs)
            if not status_is_success(response.status_code):
                transaction.set_rollback(True)
                return response
            record.response_status = response.status_code
            record.response_body = response.data
            record.response_location = response.get("Location", "")
            record.save(update_fields=["response_status", "response_body", "response_location"])
            return response

    return wrapper


def request_fingerprint(request: Request) -> str:
    """The method, path and body; an uploaded file counts by its name and content."""
    data = request.data
    if hasattr(data, "lists"):
        body: Any = {name: [_value(value) for value in values] for name, values in data.lists()}
    else:
        body = data
    canonical = json.dumps(
        {"method": request.method, "path": request.path, "body": body},
        sort_keys=True,
        default=str,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def status_is_success(status_code: int) -> bool:
    return 200 <= status_code < 300


def _value(value: Any) -> Any:
    if not isinstance(value, UploadedFile):
        return value
    digest = hashlib.sha256()
    for chunk in value.chunks():
        digest.update(chunk)
    value.seek(0)
    return {"name": value.name, "sha256": digest.hexdigest()}


def _key_check(key: str) -> None:
    if not key or len(key) > KEY_MAX_LENGTH or not key.isascii() or not key.isprintable():
        raise IdempotencyKeyInvalid(
            f"{HEADER}: send 1 to {KEY_MAX_LENGTH} printable ASCII characters, "
            "e.g. a UUID made for this request.",
            field=HEADER,
        )


def _kept(credential: str, key: str) -> IdempotencyKey | None:
    """The key's record, unless it is older than TANDEM_API_IDEMPOTENCY_HOURS (then removed)."""
    record = IdempotencyKey.objects.filter(credential=credential, key=key).first()
    oldest = timezone.now() - timedelta(hours=settings.TANDEM_API_IDEMPOTENCY_HOURS)
    if record is not None and record.created_at < oldest:
        record.delete()
        return None
    return record


def _replay(record: IdempotencyKey, fingerprint: str) -> Response:
    if record.fingerprint != fingerprint:
        raise IdempotencyKeyReused(
            f"{HEADER}: this key was sent with a different request; "
            "use a new key for a new request.",
            field=HEADER,
        )
    headers = {"Idempotent-Replayed": "true"}
    if record.response_location:
        headers["Location"] = record.response_location
    return Response(record.response_body, status=record.response_status, headers=headers)
