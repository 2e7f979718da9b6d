"""The OpenAPI schema: checked in, current, and true of the live API (schemathesis)."""

from pathlib import Path

import pytest
import schemathesis
from django.conf import settings
from django.core import signals
from django.core.management import call_command
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from clients.tests.factories import CompanyFactory, IndividualFactory
from integrations.tests.factories import ConnectionFactory

CHECKED_IN = settings.BASE_DIR / "docs" / "api" / "openapi.yaml"
REGENERATE = ".venv/bin/python manage.py spectacular --file docs/api/openapi.yaml --validate"
# Enough to reach every operation with valid and invalid input, few enough for a minute or two.
EXAMPLES_PER_OPERATION = 5


def test_the_checked_in_schema_is_the_generated_one(tmp_path: Path):
    generated = tmp_path / "openapi.yaml"
    call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")

    assert generated.read_text() == CHECKED_IN.read_text(), (
        f"{CHECKED_IN.relative_to(settings.BASE_DIR)} is not the schema the code makes: "
        f"regenerate it with `{REGENERATE}` and commit it."
    )


def test_the_docs_pages_load_their_assets_from_the_sidecar_package(client):
    docs = client.get("/api/v1/docs/")
    redoc = client.get("/api/v1/redoc/")

    assert docs.status_code == redoc.status_code == 200
    assert b"/static/drf_spectacular_sidecar/swagger-ui-dist/" in docs.content
    assert b"/static/drf_spectacular_sidecar/redoc/" in redoc.content


@pytest.fixture
def live_schema(db):
    # The WSGI handler closes the database connection after each request, as a server should;
    # the test's transaction lives on that connection, so (like Django's test client) keep it.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    schema = schemathesis.openapi.from_wsgi("/api/v1/schema/", get_wsgi_application())
    schema.config.generation.update(
        modes=["positive", "negative"],
        max_examples=EXAMPLES_PER_OPERATION,
        deterministic=True,
    )
    yield schema
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


schema = schemathesis.pytest.from_fixture("live_schema")


@pytest.fixture
def firm_objects(firm):
    """Real objects, so that generated calls reach past the 404 of a random id."""
    company = CompanyFactory(firm=firm)
    return {
        "client_pk": company.pk,
        "individual_pk": IndividualFactory(firm=firm).pk,
        "connection_pk": ConnectionFactory(firm=firm).pk,
    }


@schema.parametrize()
@hypothesis_settings(
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
def test_the_api_keeps_to_its_schema(case, firm_objects, admin_user, token_for):
    for name in ("client_pk", "connection_pk"):
        generated = (case.path_parameters or {}).get(name)
        if isinstance(generated, int) and generated % 2:
            # Half the valid calls name a real object, the others whatever was generated.
            case.path_parameters[name] = firm_objects[name]
    headers = {"Authorization": f"Bearer {token_for(admin_user)}"}
    response = case.call(headers=headers)

    case.validate_response(
        response,
        headers=headers,
        checks=[
            not_a_server_error,
            status_code_conformance,
            content_type_conformance,
            response_schema_conformance,
            negative_data_rejection,
        ],
    )
