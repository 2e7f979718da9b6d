"""An APS connection whose directory holds a sandbox export, sent as the agent sends it."""

from datetime import timedelta

import pytest
from django.utils import timezone
from oauth2_provider.models import AccessToken
from tandem_agent.export import export_read

from integrations.connectors.aps.services import (
    agent_application_ensure,
    aps_activate,
    aps_records_receive,
)
from sandbox.aps import aps_exports, export_write

SANDBOX_CLIENTS = 120


@pytest.fixture
def aps_connection(firm, admin_user):
    return aps_activate(firm=firm, acting_user=admin_user)


@pytest.fixture
def aps_records(tmp_path) -> dict[str, dict]:
    """The sandbox export's clients in the inbound API's record format, by client code."""
    path = tmp_path / "clients.csv"
    export_write(aps_exports(clients=SANDBOX_CLIENTS, seed=5).first, path)
    export = export_read(path)
    assert not export.problems
    return export.records


@pytest.fixture
def aps_filled(aps_connection, admin_user, aps_records):
    outcome = aps_records_receive(
        connection=aps_connection, acting_user=admin_user, records=list(aps_records.values())
    )
    assert not outcome.refused, outcome.refused
    return aps_connection


def bearer(user, scope: str = "aps:push") -> dict[str, str]:
    """Headers of a request carrying an access token of `user`'s, as the agent sends them."""
    token = AccessToken.objects.create(
        user=user,
        application=agent_application_ensure(),
        token=f"test-{user.pk}-{AccessToken.objects.count()}",
        scope=scope,
        expires=timezone.now() + timedelta(minutes=10),
    )
    return {"Authorization": f"Bearer {token.token}"}
