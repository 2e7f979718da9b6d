"""Checks of the sandbox's answers against Xero's published specs in ../shared/reference.

The XPM spec composes responses with `allOf` of parts that each set `additionalProperties:
false`, which makes every real response invalid under JSON Schema; for responses those flags
are dropped from the parts (reference/README.md). Request bodies are checked as published.
"""

import copy
from functools import cache
from pathlib import Path

import httpx
import pytest
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_schema_validator import OAS30Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT4
from werkzeug.datastructures import Headers, ImmutableMultiDict

REFERENCE_DIR = Path(__file__).resolve().parents[3].parent / "shared" / "reference"
XPM_SPEC = REFERENCE_DIR / "xero-practicemanager-v3.1.yaml"
IDENTITY_SPEC = REFERENCE_DIR / "xero-identity.yaml"
XERO_API_HOST = "https://api.xero.com"

needs_spec = pytest.mark.skipif(
    not XPM_SPEC.exists() or not IDENTITY_SPEC.exists(),
    reason=f"Xero's reference specs are not at {REFERENCE_DIR} (the shared folder is absent)",
)


@cache
def _published(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def _all_of_parts_opened(spec: dict) -> dict:
    opened = copy.deepcopy(spec)
    schemas = opened["components"]["schemas"]
    for schema in schemas.values():
        for part in schema.get("allOf", ()):
            target = schemas[part["$ref"].rsplit("/", 1)[1]] if "$ref" in part else part
            target.pop("additionalProperties", None)
    return opened


@cache
def _xpm_for_responses() -> OpenAPI:
    return OpenAPI.from_dict(_all_of_parts_opened(_published(XPM_SPEC)))


@cache
def _identity() -> OpenAPI:
    return OpenAPI.from_dict(_published(IDENTITY_SPEC))


class _Request:
    """An httpx request as openapi-core sees one, placed on Xero's API host."""

    def __init__(self, request: httpx.Request, path: str) -> None:
        self.host_url = XERO_API_HOST
        self.path = path
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
        self.content_type = response.headers.get("content-type", "").lower()
        self.headers = Headers(list(response.headers.items()))
        self.data = response.content


def assert_xpm_response(response: httpx.Response) -> None:
    """The answer matches the operation's declared response, or `ResponseErrorDto` for an
    error status the spec leaves undeclared (401, 403, 404, 429 on most operations)."""
    path = response.request.url.path
    operation = _xpm_for_responses()
    declared = _declared_statuses(path.removeprefix("/practicemanager"), response.request.method)
    if str(response.status_code) in declared:
        operation.validate_response(_Request(response.request, path), _Response(response))
    else:
        assert response.status_code >= 400, f"{response.status_code} is not declared for {path}"
        assert_schema("ResponseErrorDto", response.json())


def assert_identity_response(response: httpx.Response) -> None:
    path = response.request.url.path.replace("/connections", "/Connections")
    _identity().validate_response(_Request(response.request, path), _Response(response))


def _declared_statuses(path: str, method: str) -> set[str]:
    paths = _published(XPM_SPEC)["paths"]
    for pattern, operations in paths.items():
        if _path_matches(pattern, path) and method.lower() in operations:
            return set(operations[method.lower()]["responses"])
    raise AssertionError(f"{method} {path} is not in the XPM spec")


def _path_matches(pattern: str, path: str) -> bool:
    expected, actual = pattern.strip("/").split("/"), path.strip("/").split("/")
    return len(expected) == len(actual) and all(
        e == a or (e.startswith("{") and e.endswith("}"))
        for e, a in zip(expected, actual, strict=True)
    )


def assert_schema(name: str, instance: object, *, strict: bool = False) -> None:
    """Validate against a component schema; `strict` uses the spec exactly as published."""
    _validator(name, strict).validate(instance)


def schema_errors(name: str, instance: object, *, strict: bool = True) -> list[str]:
    """What the schema finds wrong; by default as published, the way request bodies are held."""
    return [error.message for error in _validator(name, strict).iter_errors(instance)]


@cache
def _validator(name: str, strict: bool) -> OAS30Validator:
    spec = _published(XPM_SPEC) if strict else _all_of_parts_opened(_published(XPM_SPEC))
    resource = Resource.from_contents(spec, default_specification=DRAFT4)
    registry = Registry().with_resource("urn:xpm", resource)
    return OAS30Validator({"$ref": f"urn:xpm#/components/schemas/{name}"}, registry=registry)
