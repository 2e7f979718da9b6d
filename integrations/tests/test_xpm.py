"""The XPM connector and OAuth client against the XPM sandbox over loopback HTTP."""

import json
import threading
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from django.contrib.sessions.models import Session
from django.db import connection as db
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from integrations import services
from integrations.connectors.xpm import XpmConnector
from integrations.connectors.xpm.api import MAX_IN_FLIGHT
from integrations.exceptions import (
    AuthorisationExpired,
    BadResponse,
    ListingInterrupted,
    ProviderUnavailable,
    RateLimited,
)
from integrations.models import Connection, ConnectionStatus, Credential
from integrations.tests.conftest import XPM_CALLBACK, xpm_connect
from integrations.tests.contract import ConnectorContract

pytestmark = pytest.mark.django_db

PAGE_SIZE_FOR_PAGING = 60


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def connector(xpm_connection, sleeps):
    connector = XpmConnector(xpm_connection, sleep=sleeps.append)
    connector.PAGE_SIZE = PAGE_SIZE_FOR_PAGING
    yield connector
    connector.close()


class TestXpmContract(ConnectorContract):
    @pytest.fixture
    def listed_ids(self, xpm_sandbox):
        return {c.uuid for c in xpm_sandbox.store.clients if not c.is_archived and not c.is_deleted}

    @pytest.fixture
    def search_case(self, xpm_sandbox):
        word = "Trust"
        return word, {
            c.uuid
            for c in xpm_sandbox.store.clients
            if word.casefold() in c.name.casefold() and not c.is_deleted
        }

    @pytest.fixture
    def touch(self, xpm_sandbox):
        def touch(external_ids):
            since = xpm_sandbox.now().replace(microsecond=0)
            for external_id in external_ids:
                xpm_sandbox.store.client_touch(external_id, since)
            return since

        return touch

    @pytest.fixture
    def changed_since(self, xpm_sandbox):
        def changed_since(since):
            return {c.uuid for c in xpm_sandbox.store.clients_modified_since(since)}

        return changed_since


# Connecting -----------------------------------------------------------------------------------
def _consent(sandbox, query, tenant_ids=None) -> dict[str, str]:
    code = sandbox.consent_code(
        redirect_uri=XPM_CALLBACK,
        scope=query["scope"],
        tenant_ids=tenant_ids,
        code_challenge=query["code_challenge"],
    )
    return {"code": code, "state": query["state"]}


def _start(http) -> dict[str, str]:
    """Press the add-on's button; the query of the XPM sign-in URL Tandem redirects to."""
    response = http.post(reverse("integrations:connect", args=["xpm"]))
    assert response.status_code == 302
    return dict(httpx.URL(response["Location"]).params)


def _messages(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


def test_connecting_one_organisation_makes_an_active_connection(
    as_admin, admin_user, firm, xpm_sandbox
):
    response = as_admin.post(reverse("integrations:connect", args=["xpm"]))
    location = httpx.URL(response["Location"])
    query = dict(location.params)
    assert str(location.copy_with(query=None)) == xpm_sandbox.authorize_url
    assert query["redirect_uri"] == XPM_CALLBACK
    assert set(query["scope"].split()) == {"offline_access", "practicemanager.client"}
    assert query["code_challenge_method"] == "S256"

    response = as_admin.get(
        reverse("integrations:xpm_callback"), _consent(xpm_sandbox, query), follow=True
    )

    connection = Connection.objects.get(firm=firm)
    assert connection.status == ConnectionStatus.ACTIVE
    assert connection.external_account_id == xpm_sandbox.tenant_id
    assert connection.external_account_name == "Harbour Accounting"
    assert connection.connected_by == admin_user
    assert connection.provider_connection_id
    assert "Xero Practice Manager is connected to Harbour Accounting." in _messages(response)
    assert AuditEvent.objects.filter(action="connection.connect", actor=admin_user).exists()
    assert xpm_sandbox.stats["token_calls"] == {"authorization_code": 1}


def test_with_several_organisations_the_person_selects_an_account(as_admin, firm, xpm_sandbox):
    query = _start(as_admin)
    both = [xpm_sandbox.tenant_id, xpm_sandbox.training_tenant_id]

    response = as_admin.get(
        reverse("integrations:xpm_callback"), _consent(xpm_sandbox, query, both)
    )

    assert response["Location"] == reverse("integrations:select_account", args=["xpm"])
    assert not Connection.objects.exists()
    choice_page = as_admin.get(response["Location"]).content.decode()
    assert "Select an account" in choice_page
    assert "Harbour Accounting Training" in choice_page

    as_admin.post(response["Location"], {"account": xpm_sandbox.training_tenant_id})

    connection = Connection.objects.get(firm=firm)
    assert connection.external_account_name == "Harbour Accounting Training"
    with XpmConnector(connection) as connector:
        assert connector.list_clients().records


def test_choosing_nothing_asks_again_naming_the_field(as_admin, xpm_sandbox):
    query = _start(as_admin)
    both = [xpm_sandbox.tenant_id, xpm_sandbox.training_tenant_id]
    as_admin.get(reverse("integrations:xpm_callback"), _consent(xpm_sandbox, query, both))

    response = as_admin.post(reverse("integrations:select_account", args=["xpm"]), {})

    assert "Choose the account to connect." in response.content.decode()
    assert not Connection.objects.exists()


def test_tokens_waiting_for_the_choice_are_encrypted_in_the_session(as_admin, xpm_sandbox):
    query = _start(as_admin)
    both = [xpm_sandbox.tenant_id, xpm_sandbox.training_tenant_id]
    as_admin.get(reverse("integrations:xpm_callback"), _consent(xpm_sandbox, query, both))

    issued = set(xpm_sandbox.identity.access_tokens) | set(xpm_sandbox.identity.refresh_tokens)
    stored = json.dumps([s.get_decoded() for s in Session.objects.all()])
    assert issued
    assert not any(token in stored for token in issued)


def test_access_denied_connects_nothing_and_says_so(as_admin, xpm_sandbox):
    query = _start(as_admin)

    response = as_admin.get(
        reverse("integrations:xpm_callback"),
        {"error": "access_denied", "state": query["state"]},
        follow=True,
    )

    assert response.status_code == 200
    assert "Access to Xero Practice Manager was not allowed, so nothing was connected." in (
        _messages(response)
    )
    assert not Connection.objects.exists()


def test_a_state_that_does_not_match_connects_nothing(as_admin, xpm_sandbox):
    query = _start(as_admin)
    params = _consent(xpm_sandbox, query) | {"state": "forged"}

    response = as_admin.get(reverse("integrations:xpm_callback"), params, follow=True)

    assert any("could not match" in message for message in _messages(response))
    assert not Connection.objects.exists()
    assert xpm_sandbox.stats["token_calls"] == {}


def test_a_failing_token_endpoint_connects_nothing_and_says_so(as_admin, xpm_sandbox):
    query = _start(as_admin)
    xpm_sandbox.set_fault("server_error", path="/connect/token")

    response = as_admin.get(
        reverse("integrations:xpm_callback"), _consent(xpm_sandbox, query), follow=True
    )

    assert response.status_code == 200
    assert any("did not complete the authorisation" in m for m in _messages(response))
    assert not Connection.objects.exists()


def test_a_callback_replayed_after_use_is_refused(as_admin, xpm_sandbox):
    query = _start(as_admin)
    params = _consent(xpm_sandbox, query)
    as_admin.get(reverse("integrations:xpm_callback"), params)

    response = as_admin.get(reverse("integrations:xpm_callback"), params, follow=True)

    assert any("could not match" in message for message in _messages(response))
    assert Connection.objects.count() == 1


def test_reauthorising_brings_the_connection_back_with_new_tokens(
    as_admin, xpm_connection, xpm_sandbox
):
    Connection.objects.filter(pk=xpm_connection.pk).update(
        status=ConnectionStatus.NEEDS_REAUTHORISATION, last_error="expired"
    )
    old_token = Credential.objects.get(pk=xpm_connection.pk).access_token

    response = as_admin.post(reverse("integrations:reauthorise", args=[xpm_connection.pk]))
    query = dict(httpx.URL(response["Location"]).params)
    as_admin.get(reverse("integrations:xpm_callback"), _consent(xpm_sandbox, query))

    xpm_connection.refresh_from_db()
    assert xpm_connection.status == ConnectionStatus.ACTIVE
    assert xpm_connection.last_error == ""
    assert Credential.objects.get(pk=xpm_connection.pk).access_token != old_token
    assert Connection.objects.count() == 1
    assert AuditEvent.objects.filter(action="connection.reauthorise").exists()


def test_reauthorising_without_allowing_that_organisation_changes_nothing(
    as_admin, xpm_connection, xpm_sandbox
):
    response = as_admin.post(reverse("integrations:reauthorise", args=[xpm_connection.pk]))
    query = dict(httpx.URL(response["Location"]).params)
    params = _consent(xpm_sandbox, query, [xpm_sandbox.training_tenant_id])

    response = as_admin.get(reverse("integrations:xpm_callback"), params, follow=True)

    assert any("does not include Harbour Accounting" in m for m in _messages(response))
    assert list(Connection.objects.values_list("external_account_name", flat=True)) == [
        "Harbour Accounting"
    ]


def test_disconnecting_revokes_the_connection_at_xero(xpm_connection, xpm_sandbox, admin_user):
    assert xpm_connection.provider_connection_id in xpm_sandbox.identity.connections

    services.connection_disconnect(connection=xpm_connection, acting_user=admin_user)

    assert xpm_connection.provider_connection_id not in xpm_sandbox.identity.connections
    xpm_connection.refresh_from_db()
    assert xpm_connection.status == ConnectionStatus.DISCONNECTED
    assert not Credential.objects.filter(pk=xpm_connection.pk).exists()


def test_disconnecting_works_when_xero_does_not_answer(xpm_connection, xpm_sandbox, admin_user):
    xpm_sandbox.set_fault("unavailable", path="/connections")

    services.connection_disconnect(connection=xpm_connection, acting_user=admin_user)

    xpm_connection.refresh_from_db()
    assert xpm_connection.status == ConnectionStatus.DISCONNECTED
    with pytest.raises(AuthorisationExpired), XpmConnector(xpm_connection) as connector:
        connector.list_clients()


def test_connecting_again_after_disconnecting_revives_the_same_row(
    xpm_connection, xpm_sandbox, admin_user, firm
):
    services.connection_disconnect(connection=xpm_connection, acting_user=admin_user)

    again = xpm_connect(xpm_sandbox, firm=firm, user=admin_user)

    assert again.pk == xpm_connection.pk
    assert again.status == ConnectionStatus.ACTIVE


def test_a_phone_pushed_to_a_client_abroad_reads_back_the_same(connector, xpm_sandbox):
    australian = next(
        c
        for c in xpm_sandbox.store.clients
        if c.fields.get("country") == "Australia" and not c.is_archived
    )

    connector.update_client(australian.uuid, {"phone": "+6495550199"})

    assert connector.get_client(australian.uuid).fields["phone"] == "+6495550199"
    assert australian.fields["phone"] == "+64 9 555 0199"


# Tokens ---------------------------------------------------------------------------------------
def _expire(connection):
    Credential.objects.filter(pk=connection.pk).update(
        access_token_expires_at=timezone.now() - timedelta(seconds=1)
    )


def test_tokens_are_encrypted_at_rest(xpm_connection, xpm_sandbox):
    credential = Credential.objects.get(pk=xpm_connection.pk)
    with db.cursor() as cursor:
        cursor.execute("SELECT * FROM integrations_credential")
        dump = repr(cursor.fetchall())

    assert credential.access_token in xpm_sandbox.identity.access_tokens
    assert credential.access_token not in dump
    assert credential.refresh_token not in dump


def test_an_expiring_token_is_refreshed_once_and_the_refresh_token_rotates(
    connector, xpm_connection, xpm_sandbox
):
    before = Credential.objects.get(pk=xpm_connection.pk)
    _expire(xpm_connection)

    connector.list_clients()
    connector.list_clients()

    after = Credential.objects.get(pk=xpm_connection.pk)
    assert xpm_sandbox.stats["token_calls"] == {"authorization_code": 1, "refresh_token": 1}
    assert after.access_token != before.access_token
    assert after.refresh_token != before.refresh_token
    assert after.access_token_expires_at > timezone.now() + timedelta(minutes=20)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_callers_make_exactly_one_refresh(xpm_sandbox, firm, admin_user):
    connection = xpm_connect(xpm_sandbox, firm=firm, user=admin_user)
    _expire(connection)
    callers = 8
    start = threading.Barrier(callers)
    tokens, errors = [], []

    def call():
        try:
            start.wait()
            credential = services.connection_access_token(connection=connection)
            tokens.append(credential.access_token)
        except Exception as error:  # the assertion below shows it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=call) for _ in range(callers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert xpm_sandbox.stats["token_calls"].get("refresh_token") == 1
    assert len(set(tokens)) == 1
    assert Credential.objects.get(pk=connection.pk).access_token == tokens[0]


def test_a_lost_refresh_answer_is_retried_with_the_old_refresh_token(
    connector, xpm_connection, xpm_sandbox
):
    _expire(xpm_connection)
    xpm_sandbox.set_fault("lost_refresh_response", times=1)

    assert connector.list_clients().records

    assert xpm_sandbox.stats["token_calls"]["refresh_token"] == 2
    xpm_connection.refresh_from_db()
    assert xpm_connection.status == ConnectionStatus.ACTIVE
    _expire(xpm_connection)
    assert XpmConnector(xpm_connection).list_clients().records


def test_a_revoked_authorisation_needs_reauthorising(connector, xpm_connection, xpm_sandbox):
    xpm_sandbox.set_fault("token_revoked")

    with pytest.raises(AuthorisationExpired, match="expired or was revoked: Reauthorise"):
        connector.list_clients()

    xpm_connection.refresh_from_db()
    assert xpm_connection.status == ConnectionStatus.NEEDS_REAUTHORISATION
    assert "Reauthorise" in xpm_connection.last_error
    assert AuditEvent.objects.filter(action="connection.authorisation_expired").count() == 1
    xpm_sandbox.clear_faults()
    with pytest.raises(AuthorisationExpired):
        connector.list_clients()


def test_a_token_xero_calls_expired_early_is_refreshed_and_the_call_retried(connector, xpm_sandbox):
    xpm_sandbox.set_fault("token_expired", times=1)

    assert connector.list_clients().records

    assert xpm_sandbox.stats["token_calls"]["refresh_token"] == 1


# Faults ---------------------------------------------------------------------------------------
def test_every_call_names_the_tenant(connector, xpm_sandbox):
    connector.list_clients()

    assert xpm_sandbox.stats["api_status"] == {"200": 1}


def test_the_minute_limit_is_waited_out_as_retry_after_says(connector, xpm_sandbox, sleeps):
    xpm_sandbox.set_fault("rate_limit_minute", retry_after=17, times=1)

    assert connector.list_clients().records

    assert sleeps == [17]


def test_the_daily_limit_is_reported_with_when_calls_resume(
    connector, xpm_connection, xpm_sandbox, sleeps
):
    xpm_sandbox.set_fault("rate_limit_day", retry_after=3 * 60 * 60)

    with pytest.raises(RateLimited) as raised:
        connector.list_clients()

    retry_at = timezone.localtime(raised.value.retry_at)
    assert raised.value.message == (
        f"XPM refused the request: daily call limit reached; retrying at {retry_at:%H:%M}."
    )
    assert abs(raised.value.retry_at - (timezone.now() + timedelta(hours=3))) < timedelta(minutes=1)
    assert sleeps == []
    xpm_connection.refresh_from_db()
    assert xpm_connection.last_error == raised.value.message
    assert xpm_connection.status == ConnectionStatus.ACTIVE


def test_server_errors_are_retried_with_growing_waits(connector, xpm_sandbox, sleeps):
    xpm_sandbox.set_fault("server_error", times=3, path="/practicemanager/")

    assert connector.list_clients().records

    assert len(sleeps) == 3
    assert sleeps[0] < sleeps[2]


def test_an_unavailable_service_is_retried_as_retry_after_says(connector, xpm_sandbox, sleeps):
    xpm_sandbox.set_fault("unavailable", retry_after=7, times=1, path="/practicemanager/")

    assert connector.list_clients().records

    assert sleeps == [7]


def test_a_service_that_stays_down_is_recorded_and_clears_on_success(
    connector, xpm_connection, xpm_sandbox
):
    xpm_sandbox.set_fault("server_error", path="/practicemanager/")

    with pytest.raises(ProviderUnavailable, match="XPM did not answer properly"):
        connector.list_clients()

    xpm_connection.refresh_from_db()
    assert xpm_connection.last_error.startswith("XPM did not answer properly")
    assert xpm_connection.status == ConnectionStatus.ACTIVE
    xpm_sandbox.clear_faults()
    connector.list_clients()
    xpm_connection.refresh_from_db()
    assert xpm_connection.last_error == ""


def test_a_slow_answer_times_out_and_is_retried(xpm_connection, xpm_sandbox, sleeps):
    xpm_sandbox.set_fault("slow", delay=1.0, times=1, path="/practicemanager/")
    impatient = httpx.Client(timeout=0.2)

    with XpmConnector(xpm_connection, sleep=sleeps.append, http=impatient) as connector:
        assert connector.list_clients().records

    assert len(sleeps) == 1


def test_unreadable_json_is_reported_in_words(connector, xpm_connection, xpm_sandbox):
    xpm_sandbox.set_fault("malformed_json")

    with pytest.raises(BadResponse, match="XPM sent a response Tandem could not read"):
        connector.list_clients()

    xpm_connection.refresh_from_db()
    assert "could not read" in xpm_connection.last_error


def test_absurd_records_are_reported_and_the_rest_of_the_page_kept(connector, xpm_sandbox):
    xpm_sandbox.set_fault("absurd_record", times=1)

    page = connector.list_clients()

    assert len(page.records) == PAGE_SIZE_FOR_PAGING - 2
    first, second = page.problems
    assert "date of birth" in first.message
    assert "email" in first.message
    assert "name" in second.message


def test_a_listing_cut_short_says_it_must_start_again(connector, xpm_sandbox):
    xpm_sandbox.set_fault("cut_short_page", times=1)
    first = connector.list_clients()

    with pytest.raises(ListingInterrupted, match="start again"):
        connector.list_clients(page_token=first.next_token)


def test_a_page_truncated_on_the_way_is_fetched_again(connector, xpm_sandbox, sleeps):
    xpm_sandbox.set_fault("cut_short_page", mode="truncated", times=1)

    page = connector.list_clients()

    assert len(page.records) == PAGE_SIZE_FOR_PAGING
    assert len(sleeps) == 1


def test_changes_since_are_asked_for_in_utc(connector, xpm_sandbox):
    since = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
    local = timezone.localtime(since)

    records = connector.list_clients(modified_since=local).records

    expected = {c.uuid for c in xpm_sandbox.store.clients_modified_since(since)}
    assert {record.external_id for record in records} == expected


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_no_more_than_five_calls_are_in_flight_per_tenant(xpm_sandbox, firm, admin_user):
    connection = xpm_connect(xpm_sandbox, firm=firm, user=admin_user)
    xpm_sandbox.set_fault("slow", delay=0.2, path="/practicemanager/")
    ids = [c.uuid for c in xpm_sandbox.store.clients[:12]]

    def fetch(external_id):
        try:
            with XpmConnector(connection) as connector:
                connector.get_client(external_id)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=fetch, args=[i]) for i in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert xpm_sandbox.stats["api_calls"] == len(ids)
    assert xpm_sandbox.stats["api_max_in_flight"] <= MAX_IN_FLIGHT
