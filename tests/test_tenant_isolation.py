"""Every URL of the project, requested by an administrator of another firm.

The URL patterns are walked from the root resolver, so a new URL is covered the day it is added,
or fails here until someone says which object of the firm its keyword arguments name. A URL naming
an object of firm A, asked by firm B, must be refused as not found (or forbidden), by GET and by
POST, with nothing of firm A changed and none of its names on the page. A URL naming no object
(a list, a search, a form) must show firm B none of firm A's names and change nothing of firm A.
"""

import re
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.http import HttpResponse
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RoutePattern
from django.views.static import serve

from tests.isolation_objects import firm_names_shown, firm_objects_create, firm_snapshot

# The kind of object each keyword argument names, for every URL that uses it.
OBJECT_OF_KWARG = {
    "client_pk": "client",
    "relationship_pk": "relationship",
    "connection_pk": "connection",
    "link_pk": "link",
    "token_pk": "api_token",
}

# `pk` names a different kind of object per URL, so each URL using it is listed by name.
OBJECT_OF_PK = {
    "accounts:membership_role_change": "membership",
    "accounts:user_deactivate": "membership",
    "accounts:user_reactivate": "membership",
    "accounts:invitation_revoke": "invitation",
    "clients:merge_undo": "merge",
    "clients:detail": "client",
    "clients:edit": "client",
    "clients:relationships": "client",
    "clients:relationship_create": "client",
    "clients:relationship_delete": "client",
    "clients:archive": "client",
    "clients:restore": "client",
    "sync:practice_management": "client",
    "sync:directory_refresh": "client",
    "sync:link_create": "client",
    "sync:link_delete": "client",
    "sync:run_detail": "sync_run",
    "sync:run_apply": "sync_run",
    "sync:run_retry_failed": "sync_run",
    "documents:download": "document",
    "documents:delete": "document",
    "documents:restore": "document",
    "scheduling:appointment_edit": "appointment",
    "scheduling:appointment_status": "appointment",
    "integrations:reauthorise": "connection",
    "integrations:disconnect": "connection",
}

# Keyword arguments that name no firm's object: a provider of add-ons is the same for every firm.
SHARED_KWARG_VALUES = {"provider": "xpm"}

# URLs not requested: they take no firm object and are public or end the session by design.
PUBLIC_URLS = {
    "accounts:login",
    "accounts:logout",  # would sign firm B out before the next request
    # The token is the capability: whoever holds the emailed link may accept, whatever firm.
    "accounts:invitation_accept",
    # Called by a CMS with its bearer token, never a session: the token names the firm;
    # integrations/connectors/cms/tests/test_views.py refuses other firms' tokens.
    "cms:account",
}

# Namespaces that are not Tandem's pages: Django's admin keeps its own (staff-only) access rules;
# the API answers tokens, not sessions, and api/tests/test_isolation.py walks it with them.
SKIPPED_NAMESPACES = {"admin", "api"}

REFUSED = {403, 404}
METHOD_NOT_ALLOWED = 405

# Leaks found and not yet fixed: URL name -> why. Each runs as a strict xfail until fixed.
KNOWN_LEAKS: dict[str, str] = {}


@dataclass(frozen=True)
class Endpoint:
    name: str
    route: str
    kwargs: tuple[str, ...]
    is_path: bool = True


def endpoints_walk(
    patterns: list | None = None, *, prefix: str = "", namespace: str = ""
) -> Iterator[Endpoint]:
    """Every URL pattern under `patterns` (the project's by default), includes followed."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            if pattern.namespace in SKIPPED_NAMESPACES:
                continue
            inner = ":".join(filter(None, [namespace, pattern.namespace]))
            yield from endpoints_walk(pattern.url_patterns, prefix=route, namespace=inner)
        elif isinstance(pattern, URLPattern):
            if pattern.callback is serve:
                continue  # static and media files in development: no firm's data
            name = ":".join(filter(None, [namespace, pattern.name])) or f"/{route}"
            yield Endpoint(
                name=name,
                route=route,
                kwargs=tuple(pattern.pattern.regex.groupindex),
                is_path=isinstance(pattern.pattern, RoutePattern),
            )


def objects_named_by(endpoint: Endpoint) -> dict[str, str]:
    """The kind of firm object each keyword argument of `endpoint` names; fails on an unknown."""
    if not endpoint.is_path:
        pytest.fail(f"{endpoint.name} ({endpoint.route}) is a re_path: write it with path().")
    kinds = {}
    for kwarg in endpoint.kwargs:
        if kwarg in SHARED_KWARG_VALUES:
            continue
        kind = OBJECT_OF_PK.get(endpoint.name) if kwarg == "pk" else OBJECT_OF_KWARG.get(kwarg)
        if kind is None:
            where = f"OBJECT_OF_PK[{endpoint.name!r}]" if kwarg == "pk" else "OBJECT_OF_KWARG"
            pytest.fail(
                f"{endpoint.name} ({endpoint.route}) takes `{kwarg}`, which names no known kind of "
                f"object: add it to {where} in {__name__} (and the object to "
                "tests/isolation_objects.py if it is a new kind), so firm isolation is tested."
            )
        kinds[kwarg] = kind
    return kinds


def url_build(route: str, values: dict[str, object]) -> str:
    return "/" + re.sub(r"<(?:\w+:)?(\w+)>", lambda match: str(values[match[1]]), route)


def refusal_problems(response: HttpResponse, *, forbidden_names: list[str]) -> list[str]:
    """What is wrong with `response` to a request for another firm's object (none: refused)."""
    problems = []
    if response.status_code not in REFUSED | {METHOD_NOT_ALLOWED}:
        problems.append(f"answered {response.status_code}, not 404 or 403")
    problems += name_problems(response, forbidden_names=forbidden_names)
    return problems


def name_problems(response: HttpResponse, *, forbidden_names: list[str]) -> list[str]:
    if response.status_code >= 500:
        return [f"failed with {response.status_code}"]
    if getattr(response, "streaming", False):
        return []
    body = response.content.decode(errors="replace")
    return [f"shows {name!r}" for name in forbidden_names if name in body]


def kwarg_combinations(
    kinds: dict[str, str], own: dict, theirs: dict
) -> Iterator[dict[str, object]]:
    """Firm A's objects for every argument, then, with two or more, each of firm A's among firm
    B's own: a view that scopes the parent by firm but not the child is caught."""
    yield {kwarg: theirs[kind].pk for kwarg, kind in kinds.items()}
    if len(kinds) > 1:
        for mixed in kinds:
            yield {
                kwarg: (theirs if kwarg == mixed else own)[kind].pk for kwarg, kind in kinds.items()
            }


ENDPOINTS = [endpoint for endpoint in endpoints_walk() if endpoint.name not in PUBLIC_URLS]


def _param(endpoint: Endpoint):
    marks = []
    if endpoint.name in KNOWN_LEAKS:
        marks = [pytest.mark.xfail(strict=True, reason=KNOWN_LEAKS[endpoint.name])]
    return pytest.param(endpoint, id=endpoint.name, marks=marks)


@pytest.fixture
def firm_a_objects(firm):
    return firm_objects_create(firm, label="Aotearoa")


@pytest.fixture
def firm_b_objects(other_firm):
    return firm_objects_create(other_firm, label="Bluff")


@pytest.fixture
def forbidden_names(firm_a_objects) -> list[str]:
    """Names of firm A's that no page of firm B's may show."""
    objects = firm_a_objects
    return [
        *firm_names_shown(objects),
        objects["membership"].user.email,
        objects["invitation"].email,
    ]


@pytest.mark.parametrize("endpoint", [_param(endpoint) for endpoint in ENDPOINTS])
def test_another_firms_administrator_gets_nothing_of_the_firm(
    endpoint, firm, firm_a_objects, firm_b_objects, forbidden_names, as_outsider
):
    kinds = objects_named_by(endpoint)
    before = firm_snapshot(firm)
    problems = []
    for values in kwarg_combinations(kinds, own=firm_b_objects, theirs=firm_a_objects):
        url = url_build(endpoint.route, {**SHARED_KWARG_VALUES, **values})
        responses = {method: getattr(as_outsider, method)(url) for method in ("get", "post")}
        for method, response in responses.items():
            if kinds:
                found = refusal_problems(response, forbidden_names=forbidden_names)
            else:
                found = name_problems(response, forbidden_names=forbidden_names)
            problems += [f"{method.upper()} {url} {problem}" for problem in found]
        if kinds and all(r.status_code == METHOD_NOT_ALLOWED for r in responses.values()):
            problems.append(f"{url} refused both GET and POST as a method, so nothing was tested")

    assert not problems, "\n".join(problems)
    assert firm_snapshot(firm) == before, f"{endpoint.name} changed firm A's data"


def test_every_object_url_is_walked():
    """The walker reaches into includes: a sample of known URLs of each app is found."""
    names = {endpoint.name for endpoint in ENDPOINTS}

    assert {
        "clients:relationship_delete",
        "sync:link_delete",
        "documents:download",
        "scheduling:appointment_status",
        "integrations:disconnect",
        "accounts:user_deactivate",
    } <= names
    assert not any(name.startswith("admin:") for name in names)


def test_a_url_with_an_unknown_argument_fails_with_what_to_add():
    endpoint = Endpoint(
        name="billing:invoice", route="billing/<int:invoice_pk>/", kwargs=("invoice_pk",)
    )

    with pytest.raises(pytest.fail.Exception, match="add it to OBJECT_OF_KWARG"):
        objects_named_by(endpoint)


def test_a_new_url_using_pk_must_be_listed_by_name():
    endpoint = Endpoint(name="clients:print", route="clients/<int:pk>/print/", kwargs=("pk",))

    with pytest.raises(pytest.fail.Exception, match=r"OBJECT_OF_PK\['clients:print'\]"):
        objects_named_by(endpoint)


def test_a_page_served_or_showing_a_name_counts_as_a_leak():
    served = HttpResponse("<h1>Aotearoa Orchards Limited</h1>")
    refused = HttpResponse("Not found", status=404)

    assert refusal_problems(served, forbidden_names=["Aotearoa Orchards Limited"]) == [
        "answered 200, not 404 or 403",
        "shows 'Aotearoa Orchards Limited'",
    ]
    assert refusal_problems(refused, forbidden_names=["Aotearoa Orchards Limited"]) == []
    assert name_problems(HttpResponse(status=500), forbidden_names=[]) == ["failed with 500"]


def test_the_snapshot_sees_a_change_to_a_row(firm, firm_a_objects):
    before = firm_snapshot(firm)
    client = firm_a_objects["client"]
    client.notes = "changed by someone"
    client.save()

    assert firm_snapshot(firm) != before


def test_the_name_probe_finds_names_on_a_real_list_page(firm_b_objects, as_outsider):
    """Firm B's own client is on its Clients list: an absent firm A name means something."""
    response = as_outsider.get("/clients/")

    assert name_problems(response, forbidden_names=[firm_b_objects["client"].display_name])
