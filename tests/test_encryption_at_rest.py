"""What a copy of the database gives away, read with SQL straight from every table.

The ORM would decrypt what it reads, so the dump goes around it, as a stolen backup would.
"""

import re
from datetime import timedelta

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from oauth2_provider.models import get_access_token_model, get_refresh_token_model

from api.services import personal_access_token_create
from clients.models import Client
from clients.services import client_create, client_update
from identity.tests.conftest import authorise, code_exchange, pkce_pair
from identity.tests.factories import CLIENT_SECRET, ApplicationFactory
from integrations.tests.conftest import xpm_connect
from integrations.tests.conftest import xpm_sandbox as xpm_sandbox
from integrations.tests.conftest import xpm_sandbox_server as xpm_sandbox_server
from sync.engine import sync_run_execute
from sync.models import Link, SyncRunStatus
from sync.runs import sync_run_start


def table_dumps() -> dict[str, str]:
    """Every table's rows as text, keyed by table name."""
    dumps = {}
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            dumps[table] = repr(cursor.fetchall())
    return dumps


def tables_holding(secret: str, dumps: dict[str, str]) -> set[str]:
    digits = re.sub(r"\D", "", secret)
    return {
        table
        for table, dump in dumps.items()
        if secret in dump or (len(digits) >= 8 and digits in re.sub(r"[-\s]", "", dump))
    }


@pytest.mark.django_db
def test_a_client_s_tax_number_is_stored_encrypted_and_read_back(firm, admin_user):
    client = client_create(
        firm=firm, acting_user=admin_user, kind="company", display_name="Kauri Ltd"
    )
    client_update(client=client, acting_user=admin_user, tax_number="123-456-789")

    with connection.cursor() as cursor:
        cursor.execute("SELECT tax_number FROM clients_client WHERE id = %s", [client.pk])
        (stored,) = cursor.fetchone()

    assert "456" not in stored
    # Not in the audit row of the change either.
    assert tables_holding("123-456-789", table_dumps()) == set()
    assert Client.objects.get(pk=client.pk).tax_number == "123-456-789"
    assert Client.objects.values_list("tax_number", flat=True).get(pk=client.pk) == "123-456-789"


@pytest.mark.django_db
def test_an_import_through_the_sync_engine_stores_no_tax_number_in_plaintext(
    xpm_sandbox, firm, admin_user
):
    xpm = xpm_connect(xpm_sandbox, firm=firm, user=admin_user)
    tax_numbers = {
        client.fields["taxNumber"]
        for client in xpm_sandbox.store.clients_live()
        if client.fields.get("taxNumber")
    }

    started = sync_run_start(connection=xpm, acting_user=admin_user, kind="import")
    done = sync_run_execute(run_id=started.pk)

    assert done.status == SyncRunStatus.SUCCEEDED, done.message
    imported = set(Client.objects.filter(firm=firm).values_list("tax_number", flat=True))
    imported.discard("")
    assert len(imported) >= 5
    assert imported <= tax_numbers
    # Nor in the copies a sync keeps: directory entries, links' base snapshots, run records.
    dumps = table_dumps()
    assert set().union(*(tables_holding(number, dumps) for number in imported)) == set()
    with_tax_number = Link.objects.filter(connection=xpm).exclude(client__tax_number="").first()
    assert with_tax_number.base["tax_number"] == with_tax_number.client.tax_number

    changed = next(
        c for c in xpm_sandbox.store.clients_live() if c.uuid == with_tax_number.external_id
    )
    xpm_sandbox.store.client_update(
        changed.uuid, {"taxNumber": "987-654-321"}, when=xpm_sandbox.now() + timedelta(seconds=5)
    )
    refresh = sync_run_start(connection=xpm, acting_user=admin_user, kind="refresh")
    assert sync_run_execute(run_id=refresh.pk).updated >= 1
    assert tables_holding("987-654-321", table_dumps()) == set()


@pytest.mark.django_db
def test_no_token_or_client_secret_is_stored_in_plaintext(xpm_sandbox, firm, admin_user, as_admin):
    xpm_credential = xpm_connect(xpm_sandbox, firm=firm, user=admin_user).credential
    application = ApplicationFactory(redirect_uris="https://cms.example.com/oauth/callback")
    verifier, challenge = pkce_pair()
    code = authorise(as_admin, application, challenge=challenge)["code"]
    issued = code_exchange(as_admin, application, code=code, verifier=verifier).json()
    personal = personal_access_token_create(
        user=admin_user, name="Nightly export", scopes=["clients:read"], expires_at=None
    )
    secrets = {
        "XPM access token": xpm_credential.access_token,
        "XPM refresh token": xpm_credential.refresh_token,
        "Tandem access token": issued["access_token"],
        "Tandem refresh token": issued["refresh_token"],
        "Tandem id token": issued["id_token"],
        "Tandem authorization code": code,
        "OAuth client secret": CLIENT_SECRET,
        "personal access token": personal.raw,
    }

    dumps = table_dumps()

    assert all(len(secret) >= 16 for secret in secrets.values())
    assert {name: tables_holding(secret, dumps) for name, secret in secrets.items()} == {
        name: set() for name in secrets
    }
    # The tokens were stored, as digests: the dump above read the tables that hold them.
    assert get_access_token_model().objects.filter(token="").count() == 1
    assert get_refresh_token_model().objects.filter(token="").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_existing_tax_numbers_and_its_reverse_decrypts_them(firm):
    before, after = ("clients", "0003_client_merge"), ("clients", "0004_tax_number_encrypted")
    migrate_to(before)
    OldClient = (
        MigrationExecutor(connection)
        .loader.project_state([before])
        .apps.get_model("clients", "Client")
    )
    OldClient.objects.create(
        firm_id=firm.pk, kind="company", display_name="Rimu Ltd", tax_number="111-222-333"
    )
    OldClient.objects.create(firm_id=firm.pk, kind="company", display_name="Totara Ltd")

    try:
        migrate_to(after)

        assert tables_holding("111-222-333", table_dumps()) == set()
        assert dict(Client.objects.values_list("display_name", "tax_number")) == {
            "Rimu Ltd": "111-222-333",
            "Totara Ltd": "",
        }

        migrate_to(before)

        assert tables_holding("111-222-333", table_dumps()) == {"clients_client"}
    finally:
        migrate_to(*MigrationExecutor(connection).loader.graph.leaf_nodes())


def migrate_to(*targets: tuple[str, str]) -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(list(targets))
