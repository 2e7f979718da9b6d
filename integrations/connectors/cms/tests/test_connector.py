"""The CMS connector against the reference CMS sandbox over loopback HTTP."""

from datetime import timedelta

import httpx
import pytest
from django.utils import timezone

from integrations.connectors.base import Capability
from integrations.connectors.cms import CmsConnector
from integrations.exceptions import (
    AuthorisationExpired,
    BadResponse,
    NotSupported,
    ProviderUnavailable,
    RateLimited,
    RequestRejected,
)
from integrations.models import ConnectionStatus
from integrations.tests.contract import ConnectorContract

pytestmark = pytest.mark.django_db

PAGE_SIZE_FOR_PAGING = 7


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def connector(cms_connection, sleeps):
    connector = CmsConnector(cms_connection, sleep=sleeps.append)
    connector.PAGE_SIZE = PAGE_SIZE_FOR_PAGING
    yield connector
    connector.close()


def listed(connector, **kwargs) -> list[str]:
    return [r.external_id for page in connector.iter_pages(**kwargs) for r in page.records]


class TestCmsContract(ConnectorContract):
    @pytest.fixture
    def listed_ids(self, cms_sandbox, cms_account):
        return {client.id for client in cms_sandbox.clients(cms_account.id)}

    @pytest.fixture
    def search_case(self):
        # The feed has no search (the connector declares none), so this case is never asked.
        return "", set()

    @pytest.fixture
    def touch(self, cms_sandbox, cms_account):
        def touch(external_ids):
            touched = [cms_sandbox.client_update(cms_account.id, i) for i in external_ids]
            return min(client.updated_at for client in touched)

        return touch

    @pytest.fixture
    def changed_since(self, cms_sandbox, cms_account):
        def changed_since(since):
            return {c.id for c in cms_sandbox.clients(cms_account.id) if c.updated_at >= since}

        return changed_since


def test_the_connector_only_reads(connector):
    assert not connector.supports(Capability.PUSH)
    assert not connector.supports(Capability.SEARCH)
    with pytest.raises(NotSupported):
        connector.search("Kauri")
    with pytest.raises(NotSupported):
        connector.update_client("any", {"phone": "+6495550100"})


def test_records_carry_kind_archived_and_when_they_changed(connector, cms_sandbox, cms_account):
    cms_client = cms_sandbox.clients(cms_account.id)[0]
    archived_at = cms_sandbox.client_archive(cms_account.id, cms_client.id).updated_at
    try:
        record = connector.get_client(cms_client.id)
    finally:
        cms_sandbox.client_archive(cms_account.id, cms_client.id, archived=False)

    assert record.archived is True
    assert record.kind == cms_client.kind
    assert record.modified_at == archived_at


def test_a_client_changed_while_paging_is_listed_again(connector, cms_sandbox, cms_account):
    """A client changed mid-listing moves to the end of the feed's order and is listed again."""
    first_page = connector.list_clients()
    moved = first_page.records[0].external_id
    cms_sandbox.client_update(cms_account.id, moved)

    rest = listed_from(connector, first_page.next_token)

    assert moved in rest


def listed_from(connector, token):
    ids = []
    while token is not None:
        page = connector.list_clients(page_token=token)
        ids += [record.external_id for record in page.records]
        token = page.next_token
    return ids


def test_the_token_names_the_account_and_its_user(connector, cms_sandbox, cms_account, outsider):
    connector.connection.connected_by = outsider  # connected by someone the CMS does not know

    with pytest.raises(AuthorisationExpired):
        connector.list_clients()

    connector.connection.refresh_from_db()
    assert connector.connection.status == ConnectionStatus.NEEDS_REAUTHORISATION


# Faults ----------------------------------------------------------------------------------------
def test_a_garbage_record_is_a_problem_not_a_crash(connector, cms_sandbox):
    cms_sandbox.set_fault("garbage_record", times=1)

    page = connector.list_clients()

    assert len(page.records) == PAGE_SIZE_FOR_PAGING - 1
    (problem,) = page.problems
    assert problem.external_id
    assert "Kind" in problem.message
    assert problem.raw["kind"] == "spaceship"


def test_a_garbage_client_asked_for_alone_is_a_bad_response(connector, cms_sandbox, cms_account):
    cms_sandbox.set_fault("garbage_record", times=1)

    with pytest.raises(BadResponse):
        connector.get_client(cms_sandbox.clients(cms_account.id)[0].id)


def test_a_revoked_connection_needs_connecting_again(connector, cms_sandbox):
    cms_sandbox.set_fault("revoked")

    with pytest.raises(AuthorisationExpired):
        connector.list_clients()

    connector.connection.refresh_from_db()
    assert connector.connection.status == ConnectionStatus.NEEDS_REAUTHORISATION
    assert connector.connection.last_error


def test_a_short_rate_limit_is_waited_out(connector, cms_sandbox, sleeps):
    cms_sandbox.set_fault("rate_limited", times=1, retry_after=2)

    page = connector.list_clients()

    assert len(page.records) == PAGE_SIZE_FOR_PAGING
    assert sleeps == [2.0]


def test_a_long_rate_limit_says_when_to_try_again(connector, cms_sandbox, sleeps):
    cms_sandbox.set_fault("rate_limited", retry_after=600)

    with pytest.raises(RateLimited) as raised:
        connector.list_clients()

    wait = raised.value.retry_at - timezone.now()
    assert timedelta(minutes=9) < wait <= timedelta(minutes=10)
    assert sleeps == []


def test_a_passing_server_error_is_retried(connector, cms_sandbox, sleeps):
    cms_sandbox.set_fault("server_error", times=2)

    assert len(connector.list_clients().records) == PAGE_SIZE_FOR_PAGING
    assert len(sleeps) == 2


def test_a_lasting_server_error_leaves_the_cms_unavailable(connector, cms_sandbox, sleeps):
    cms_sandbox.set_fault("server_error")

    with pytest.raises(ProviderUnavailable):
        connector.list_clients()

    assert len(sleeps) == CmsConnector.ATTEMPTS - 1
    assert connector.connection.status == ConnectionStatus.ACTIVE
    assert connector.connection.last_error


def test_a_slow_cms_times_out_as_unavailable(cms_connection, cms_sandbox, sleeps):
    cms_sandbox.set_fault("slow", delay=0.5)
    connector = CmsConnector(cms_connection, sleep=sleeps.append, http=httpx.Client(timeout=0.1))

    with connector, pytest.raises(ProviderUnavailable, match="too long"):
        connector.list_clients()


def test_malformed_json_is_a_bad_response(connector, cms_sandbox):
    cms_sandbox.set_fault("malformed_json")

    with pytest.raises(BadResponse, match="not JSON"):
        connector.list_clients()


def test_a_page_cut_short_is_asked_for_again(connector, cms_sandbox, cms_account):
    cms_sandbox.set_fault("cut_short_page", times=1)

    ids = listed(connector)

    assert sorted(ids) == sorted(client.id for client in cms_sandbox.clients(cms_account.id))


def test_pages_always_cut_short_are_a_bad_response(connector, cms_sandbox):
    cms_sandbox.set_fault("cut_short_page")

    with pytest.raises(BadResponse, match="said more followed"):
        connector.list_clients()


def test_a_cms_without_a_feed_address_is_refused_clearly(connector, cms_application):
    cms_application.client_feed_url = ""
    cms_application.save()

    with pytest.raises(RequestRejected, match="no client feed address"):
        CmsConnector(connector.connection).list_clients()


def test_a_supplier_removed_from_tandem_needs_connecting_again(connector, cms_application):
    cms_application.delete()

    with pytest.raises(AuthorisationExpired):
        CmsConnector(connector.connection).list_clients()
