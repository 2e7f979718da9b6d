"""Every URL of the API, called with a token of another firm's administrator.

The API's URL patterns are walked like tests/test_tenant_isolation.py walks the pages (which
skips the API: it answers tokens, not sessions), so a new endpoint is covered the day it is
added, or fails here until its arguments are mapped. A URL naming an object of firm A, called
by firm B with any method it allows, answers 404, never 403, and changes nothing of firm A.
"""

import pytest
from django.urls import resolve

from api import urls as api_urls
from sync.tests.factories import SyncRunRecordFactory
from tests.isolation_objects import firm_names_shown, firm_objects_create, firm_snapshot
from tests.test_tenant_isolation import (
    Endpoint,
    endpoints_walk,
    kwarg_combinations,
    name_problems,
    url_build,
)

OBJECT_OF_KWARG = {
    "client_pk": "client",
    "relationship_pk": "relationship",
    "document_pk": "document",
    "link_pk": "link",
    "connection_pk": "connection",
    "run_pk": "sync_run",
    "merge_pk": "merge",
}
# The catch-all that answers unknown paths with a problem: it names nothing.
NOT_OBJECT_URLS = {"api:unknown"}
METHODS = ("get", "post", "patch", "put", "delete")

ENDPOINTS = [
    endpoint
    for endpoint in endpoints_walk(api_urls.urlpatterns, prefix="api/v1/", namespace="api")
    if endpoint.name not in NOT_OBJECT_URLS
]


def objects_named_by(endpoint: Endpoint) -> dict[str, str]:
    unknown = [kwarg for kwarg in endpoint.kwargs if kwarg not in OBJECT_OF_KWARG]
    if unknown:
        pytest.fail(
            f"{endpoint.name} ({endpoint.route}) takes {unknown}, which name no known kind of "
            f"object: add them to OBJECT_OF_KWARG in {__name__}."
        )
    return {kwarg: OBJECT_OF_KWARG[kwarg] for kwarg in endpoint.kwargs}


def firm_objects_with_record(firm, *, label: str) -> dict:
    """The shared objects of every kind, the sync run with a named record of its own."""
    objects = firm_objects_create(firm, label=label)
    SyncRunRecordFactory(
        run=objects["sync_run"], external_name=f"{label} Synced Record", outcome="failed"
    )
    return objects


def allowed_methods(url: str) -> list[str]:
    view_class = resolve(url).func.view_class
    return [method for method in METHODS if hasattr(view_class, method)]


@pytest.fixture
def firm_a_objects(firm):
    return firm_objects_with_record(firm, label="Aotearoa")


@pytest.fixture
def firm_b_objects(other_firm):
    return firm_objects_with_record(other_firm, label="Bluff")


@pytest.fixture
def forbidden_names(firm_a_objects) -> list[str]:
    return [*firm_names_shown(firm_a_objects), "Aotearoa Synced Record"]


@pytest.mark.parametrize("endpoint", [pytest.param(e, id=e.name) for e in ENDPOINTS])
def test_another_firms_token_gets_404_and_changes_nothing(
    endpoint, firm, firm_a_objects, firm_b_objects, forbidden_names, outsider_api
):
    kinds = objects_named_by(endpoint)
    before = firm_snapshot(firm)
    problems = []
    for values in kwarg_combinations(kinds, own=firm_b_objects, theirs=firm_a_objects):
        url = url_build(endpoint.route, values)
        for method in allowed_methods(url):
            response = getattr(outsider_api, method)(url, {}, format="json")
            if kinds and response.status_code != 404:
                problems.append(f"{method.upper()} {url} answered {response.status_code}, not 404")
            problems += [
                f"{method.upper()} {url} {problem}"
                for problem in name_problems(response, forbidden_names=forbidden_names)
            ]

    assert not problems, "\n".join(problems)
    assert firm_snapshot(firm) == before, f"{endpoint.name} changed firm A's data"


def test_the_walk_reaches_every_kind_of_endpoint():
    names = {endpoint.name for endpoint in ENDPOINTS}

    assert {
        "api:clients",
        "api:relationship",
        "api:document_download",
        "api:link",
        "api:link_suggestions",
        "api:sync_run_records",
        "api:merge_undo",
    } <= names


def test_the_firms_own_token_reaches_the_same_objects(firm_a_objects, api):
    """The 404s above mean something: firm A's token gets its own objects."""
    client = firm_a_objects["client"]
    document = firm_a_objects["document"]

    assert api.get(f"/api/v1/clients/{client.pk}/").status_code == 200
    assert api.get(f"/api/v1/clients/{client.pk}/documents/{document.pk}/").status_code == 200
    assert api.get(f"/api/v1/sync-runs/{firm_a_objects['sync_run'].pk}/").status_code == 200
