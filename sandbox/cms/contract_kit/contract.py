"""The contract as openapi-core reads it, with helpers that hold answers to it."""

import json
from dataclasses import dataclass
from datetime import datetime

import httpx
import yaml
from openapi_core import Config, OpenAPI
from openapi_core.datatypes import RequestParameters
from werkzeug.datastructures import Headers, ImmutableMultiDict

# Requests are presented to openapi-core on this host, whatever the feed's real URL.
CONTRACT_HOST = "http://client-feed.invalid"


@dataclass
class Contract:
    openapi: OpenAPI
    document: dict

    @classmethod
    def from_text(cls, text: str) -> "Contract":
        document = yaml.safe_load(text)
        document["servers"] = [{"url": CONTRACT_HOST}]
        # Problem details are JSON too, which openapi-core only knows by the plain JSON type.
        config = Config(extra_media_type_deserializers={"application/problem+json": json.loads})
        return cls(OpenAPI.from_dict(document, config=config), document)

    def check(self, response: httpx.Response, *, path: str) -> None:
        """The answer is one the contract declares for this operation: status, type, body."""
        self.openapi.validate_response(_Request(response.request, path), _Response(response))


class _Request:
    def __init__(self, request: httpx.Request, path: str) -> None:
        self.host_url = CONTRACT_HOST
        self.path = path
        self.full_url_pattern = CONTRACT_HOST + path
        self.method = request.method.lower()
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(list(request.url.params.multi_items())),
            header=Headers(list(request.headers.items())),
        )
        self.content_type = request.headers.get("content-type", "")
        self.body = request.content or None


class _Response:
    def __init__(self, response: httpx.Response) -> None:
        self.status_code = response.status_code
        self.content_type = response.headers.get("content-type", "").split(";")[0].lower()
        self.headers = Headers(list(response.headers.items()))
        self.data = response.content


def order_key(record: dict) -> tuple[datetime, str]:
    return (datetime.fromisoformat(record["updated_at"]), record["id"])
