"""Field-level sync of one linked client: statuses, the sync against the XPM sandbox over HTTP,
and the Connections panel and Sync screen."""

import datetime
import threading

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from clients.services import client_create, client_update
from clients.tests.factories import CompanyFactory, IndividualFactory
from clients.validation import EDITABLE_FIELDS, INDIVIDUAL_FIELDS
from integrations.connectors.base import Capability, Connector, ExternalRecord, FieldMapping
from integrations.connectors.base import Field as MappedField
from integrations.connectors.registry import PROVIDERS, connector_class
from integrations.connectors.xpm import XpmConnector
from integrations.tests.conftest import xpm_connect, xpm_listed_client
from integrations.tests.factories import ConnectionFactory
from sync.exceptions import SyncError
from sync.field_sync import (
    FieldStatus,
    field_states,
    link_field_states,
    link_field_sync,
    link_remote_get,
)
from sync.models import Link
from sync.planner import Direction
from sync.tests.factories import LinkFactory

pytestmark = pytest.mark.django_db

IN_STEP = FieldStatus.IN_STEP
TANDEM = FieldStatus.CHANGED_IN_TANDEM
PM = FieldStatus.CHANGED_IN_PM
CONFLICT = FieldStatus.CONFLICT
NEVER = FieldStatus.NEVER_SYNCED


# Statuses -------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("local", "base", "remote", "status"),
    [
        ("a", "a", "a", IN_STEP),
        ("b", "a", "a", TANDEM),
        ("a", "a", "b", PM),
        ("b", "a", "c", CONFLICT),
        ("b", "a", "b", IN_STEP),
        ("a", None, "b", NEVER),
        ("a", None, "a", IN_STEP),
        ("a", "a", "", PM),
    ],
)
def test_each_field_says_which_side_changed_it_since_the_base(local, base, remote, status):
    [state] = field_states(
        local={"email": local},
        base={} if base is None else {"email": base},
        remote={"email": remote},
        fields=["email"],
        can_push=True,
    )

    assert (state.label, state.tandem, state.remote, state.base) == ("Email", local, remote, base)
    assert state.status == status
    assert state.differs is (status != IN_STEP)


@pytest.mark.parametrize(
    ("local", "base", "remote", "can_push", "suggested"),
    [
        ("a", "a", "b", True, Direction.TO_LOCAL),
        ("b", "a", "a", True, Direction.TO_REMOTE),
        ("b", "a", "a", False, None),
        ("b", "a", "c", True, None),
        ("a", None, "b", True, None),
        ("a", "a", "a", True, None),
    ],
)
def test_the_suggested_direction_keeps_the_side_that_changed(
    local, base, remote, can_push, suggested
):
    [state] = field_states(
        local={"email": local},
        base={} if base is None else {"email": base},
        remote={"email": remote},
        fields=["email"],
        can_push=can_push,
    )

    assert state.suggested_direction == suggested


def test_a_field_the_record_does_not_state_is_not_listed():
    states = field_states(
        local={"email": "a", "phone": ""},
        base={},
        remote={"email": "a"},
        fields=["email", "phone"],
        can_push=True,
    )

    assert [state.name for state in states] == ["email"]


def test_a_link_compares_dates_as_the_base_stores_them(firm):
    person = IndividualFactory(firm=firm, date_of_birth=datetime.date(1980, 2, 1))
    link = LinkFactory(
        connection=ConnectionFactory(firm=firm),
        client=person,
        base={"date_of_birth": "1980-02-01", "email": person.email},
    )
    remote = ExternalRecord(
        "rec-1",
        "individual",
        {"date_of_birth": datetime.date(1981, 2, 1), "email": person.email},
    )

    states = {state.name: state for state in link_field_states(link=link, remote=remote)}

    assert states["date_of_birth"].status == PM
    assert states["date_of_birth"].tandem == "1980-02-01"
    assert states["email"].status == IN_STEP


def test_a_company_is_not_compared_on_a_persons_fields(firm):
    link = LinkFactory(connection=ConnectionFactory(firm=firm), client=CompanyFactory(firm=firm))
    remote = ExternalRecord("rec-1", "company", {"first_name": "Aroha", "email": ""})

    names = [state.name for state in link_field_states(link=link, remote=remote)]

    assert names == ["email"]


# A one-way connector: Tandem reads its clients and cannot write them ---------------------------
class ReadOnlyConnector(Connector):
    key = "readonly"
    display_name = "Read-only PM"
    short_name = "ROPM"
    description = "A connector that cannot write."
    capabilities = Capability.SEARCH
    field_mapping = FieldMapping(MappedField("email", "email"), MappedField("website", "web"))

    def search(self, query, page_token=None):
        raise AssertionError("not called")

    def list_clients(self, page_token=None, modified_since=None):
        raise AssertionError("not called")

    def get_client(self, external_id):
        raise AssertionError("not called")


@pytest.fixture
def read_only_link(firm, monkeypatch):
    monkeypatch.setitem(PROVIDERS, "readonly", f"{__name__}.ReadOnlyConnector")
    connector_class.cache_clear()
    yield LinkFactory(
        connection=ConnectionFactory(firm=firm, provider="readonly"),
        client=CompanyFactory(firm=firm, email="tandem@example.com"),
        base={"email": "old@example.com"},
    )
    connector_class.cache_clear()


def test_a_one_way_connection_offers_only_taking_its_values(read_only_link, admin_user):
    remote = ExternalRecord("rec-1", "company", {"email": "old@example.com", "website": ""})

    [email, _website] = link_field_states(link=read_only_link, remote=remote)

    assert email.status == TANDEM
    assert not email.can_push
    assert email.suggested_direction is None
    with pytest.raises(SyncError) as refused:
        link_field_sync(
            link=read_only_link, directions={"email": "to_remote"}, acting_user=admin_user
        )
    assert refused.value.message == (
        "Email: ROPM is read-only: Tandem does not write to ROPM, so fields can only be taken "
        "from ROPM."
    )


def test_unknown_fields_and_directions_are_refused(read_only_link, admin_user):
    for directions, field in [({"notes": "to_local"}, "notes"), ({"email": "sideways"}, "email")]:
        with pytest.raises(SyncError) as refused:
            link_field_sync(link=read_only_link, directions=directions, acting_user=admin_user)
        assert refused.value.field == field
    with pytest.raises(SyncError, match="Tick the fields to sync first"):
        link_field_sync(link=read_only_link, directions={}, acting_user=admin_user)


# Against the XPM sandbox ----------------------------------------------------------------------
@pytest.fixture
def connection(xpm_sandbox, firm, admin_user):
    return xpm_connect(xpm_sandbox, firm=firm, user=admin_user)


def xpm_linked_company(sandbox, connection) -> Link:
    """A company linked to its XPM record, both sides as XPM holds it now and the base saying
    they agreed (a module's sandbox keeps what earlier tests pushed to it)."""
    uuid = xpm_listed_client(sandbox, structure="Company")["uuid"]
    with XpmConnector(connection) as connector:
        remote = connector.get_client(uuid)
    values = {name: value for name, value in remote.fields.items() if name not in INDIVIDUAL_FIELDS}
    client = client_create(firm=connection.firm, acting_user=None, kind=remote.kind, **values)
    return LinkFactory(
        connection=connection,
        client=client,
        external_id=uuid,
        external_name=remote.display_name,
        base=values,
        last_synced_at=timezone.now() - datetime.timedelta(days=1),
    )


@pytest.fixture
def link(xpm_sandbox, connection) -> Link:
    return xpm_linked_company(xpm_sandbox, connection)


def stored(sandbox, link, name):
    return sandbox.store.client_get(link.external_id).fields.get(name)


def statuses(link):
    link.refresh_from_db()
    states = link_field_states(link=link, remote=link_remote_get(link=link))
    return {state.name: state.status for state in states if state.differs}


def test_a_link_just_agreed_is_in_step(link):
    assert statuses(link) == {}


def test_a_change_made_in_tandem_is_pushed_to_xpm(xpm_sandbox, link, admin_user):
    client_update(client=link.client, acting_user=admin_user, email="pushed@totara.example")
    assert statuses(link) == {"email": TANDEM}

    plan = link_field_sync(link=link, directions={"email": "to_remote"}, acting_user=admin_user)

    assert plan.changes_remote == {"email": "pushed@totara.example"}
    assert stored(xpm_sandbox, link, "email") == "pushed@totara.example"
    link.refresh_from_db()
    assert link.base["email"] == "pushed@totara.example"
    assert link.last_synced_at > timezone.now() - datetime.timedelta(hours=1)
    assert statuses(link) == {}


def test_a_change_made_in_xpm_is_taken_into_tandem(xpm_sandbox, link, admin_user):
    xpm_sandbox.store.client_update(
        link.external_id, {"website": "https://pulled.example"}, xpm_sandbox.now()
    )
    assert statuses(link) == {"website": PM}

    link_field_sync(link=link, directions={"website": "to_local"}, acting_user=admin_user)

    link.client.refresh_from_db()
    assert link.client.website == "https://pulled.example"
    assert statuses(link) == {}


def test_both_directions_and_a_conflict_in_one_go(xpm_sandbox, link, admin_user):
    client_update(client=link.client, acting_user=admin_user, email="both@tandem.example")
    client_update(client=link.client, acting_user=admin_user, tax_number="TAN-111")
    xpm_sandbox.store.client_update(
        link.external_id,
        {"website": "https://both.example", "taxNumber": "XPM-222"},
        xpm_sandbox.now(),
    )
    assert statuses(link) == {"email": TANDEM, "website": PM, "tax_number": CONFLICT}

    link_field_sync(
        link=link,
        directions={"email": "to_remote", "website": "to_local", "tax_number": "to_remote"},
        acting_user=admin_user,
    )

    link.client.refresh_from_db()
    assert (link.client.email, link.client.website) == (
        "both@tandem.example",
        "https://both.example",
    )
    assert stored(xpm_sandbox, link, "email") == "both@tandem.example"
    assert stored(xpm_sandbox, link, "taxNumber") == "TAN-111"
    assert statuses(link) == {}
    event = AuditEvent.objects.get(action="link.field_sync")
    assert event.actor == admin_user
    assert {name: new for name, (_old, new) in event.changes["to_tandem"].items()} == {
        "website": "https://both.example"
    }
    assert {name: new for name, (_old, new) in event.changes["to_remote"].items()} == {
        "email": "both@tandem.example",
        "tax_number": "TAN-111",
    }


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_syncs_of_one_link_at_once_both_land_in_the_base(xpm_sandbox, link, admin_user):
    client_update(client=link.client, acting_user=admin_user, email="first@tandem.example")
    xpm_sandbox.store.client_update(
        link.external_id, {"website": "https://second.example"}, xpm_sandbox.now()
    )
    choices = [{"email": "to_remote"}, {"website": "to_local"}]
    start = threading.Barrier(len(choices))
    errors = []

    def sync(directions):
        try:
            start.wait()
            link_field_sync(
                link=Link.objects.get(pk=link.pk), directions=directions, acting_user=admin_user
            )
        except Exception as error:  # the assertion below shows it
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sync, args=[directions]) for directions in choices]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    link.refresh_from_db()
    assert link.base["email"] == "first@tandem.example"
    assert link.base["website"] == "https://second.example"
    assert statuses(link) == {}


def sync_refused(sandbox, link, directions, user, *, answer_lost=False) -> SyncError:
    """Sync `directions`, which must be refused, and check that Tandem's side (the client, the
    link, the audit) and, unless the answer to a write was lost, XPM's record are unchanged."""
    link.client.refresh_from_db()
    link.refresh_from_db()
    tandem_before = ({name: getattr(link.client, name) for name in EDITABLE_FIELDS}, link.base)
    xpm_before = dict(sandbox.store.client_get(link.external_id).fields)
    with pytest.raises(SyncError) as refused:
        link_field_sync(link=link, directions=directions, acting_user=user)
    link.client.refresh_from_db()
    link.refresh_from_db()
    assert ({name: getattr(link.client, name) for name in EDITABLE_FIELDS}, link.base) == (
        tandem_before
    )
    assert link.last_synced_at < timezone.now() - datetime.timedelta(hours=1)
    assert not AuditEvent.objects.filter(action="link.field_sync").exists()
    if not answer_lost:
        assert sandbox.store.client_get(link.external_id).fields == xpm_before
    return refused.value


def test_a_provider_refusal_changes_neither_side(xpm_sandbox, link, admin_user):
    client_update(client=link.client, acting_user=admin_user, email="refused@tandem.example")
    xpm_sandbox.store.client_update(
        link.external_id, {"website": "https://wanted.example"}, xpm_sandbox.now()
    )
    xpm_sandbox.set_fault("rate_limit_day", path="client.api/update")

    directions = {"email": "to_remote", "website": "to_local"}
    error = sync_refused(xpm_sandbox, link, directions, admin_user)

    assert error.code == "rate_limited"
    assert "XPM refused the request: daily call limit reached" in error.message
    assert "Nothing was changed in Tandem or XPM." in error.message


def test_a_push_whose_answer_is_lost_leaves_tandem_unchanged_and_says_so(
    xpm_sandbox, link, admin_user
):
    client_update(client=link.client, acting_user=admin_user, email="lost@tandem.example")
    xpm_sandbox.set_fault("malformed_json", path="client.api/update")

    directions = {"email": "to_remote"}
    error = sync_refused(xpm_sandbox, link, directions, admin_user, answer_lost=True)

    assert error.code == "bad_response"
    assert "XPM may have taken the change, so compare the fields again" in error.message


def test_a_value_tandem_refuses_changes_neither_side(xpm_sandbox, link, firm, admin_user):
    CompanyFactory(firm=firm, display_name="Kauri Holdings", code="TAKEN-1")
    client_update(client=link.client, acting_user=admin_user, email="unsent@tandem.example")
    xpm_sandbox.store.client_update(link.external_id, {"clientCode": "TAKEN-1"}, xpm_sandbox.now())

    directions = {"email": "to_remote", "code": "to_local"}
    error = sync_refused(xpm_sandbox, link, directions, admin_user)

    assert error.field == "code"
    assert "Client code: 'TAKEN-1' is already used by Kauri Holdings." in error.message


# The Connections panel and the Sync screen ----------------------------------------------------
def panel(as_user, link, **headers):
    url = reverse("sync:link_fields", args=[link.client_id, link.pk])
    return as_user.get(url, headers=headers)


def sync_url(link):
    return reverse("sync:field_sync", args=[link.client_id, link.pk])


def test_the_panel_shows_both_values_and_who_changed_what(xpm_sandbox, as_staff, link):
    client_update(client=link.client, acting_user=None, email="panel@tandem.example")
    xpm_sandbox.store.client_update(
        link.external_id, {"website": "https://panel.example"}, xpm_sandbox.now()
    )

    response = panel(as_staff, link, HX_Request="true")

    assert response.status_code == 200
    text = response.text
    assert "panel@tandem.example" in text
    assert "https://panel.example" in text
    assert text.count('class="differs"') == 2
    assert "Changed in Tandem" in text
    assert "Changed in XPM" in text
    assert sync_url(link) in text


def test_the_panel_without_htmx_leads_to_the_sync_screen(as_staff, link):
    response = panel(as_staff, link)

    assert response.status_code == 302
    assert response.url == sync_url(link)


def test_the_panel_says_when_xpm_cannot_be_read_and_offers_retry(xpm_sandbox, as_staff, link):
    xpm_sandbox.set_fault("rate_limit_day", path="client.api/get")

    response = panel(as_staff, link, HX_Request="true")

    assert response.status_code == 200
    assert "XPM refused the request: daily call limit reached" in response.text
    assert "Retry" in response.text


def test_the_sync_screen_defaults_to_the_side_that_changed(xpm_sandbox, as_staff, link):
    client_update(client=link.client, acting_user=None, email="screen@tandem.example")
    client_update(client=link.client, acting_user=None, tax_number="TAN-333")
    xpm_sandbox.store.client_update(link.external_id, {"taxNumber": "XPM-444"}, xpm_sandbox.now())

    response = as_staff.get(sync_url(link))

    assert response.status_code == 200
    form = response.context["form"]
    assert form["sync_email"].value() is True
    assert form["direction_email"].value() == "to_remote"
    assert not form["sync_tax_number"].value()
    assert not form["direction_tax_number"].value()
    assert "Conflict" in response.text
    assert [state.name for state, _tick, _direction in response.context["rows"]] == [
        "email",
        "tax_number",
    ]


def test_sync_from_the_screen_says_what_changed_on_each_side(xpm_sandbox, as_staff, link):
    client_update(client=link.client, acting_user=None, email="form@tandem.example")
    xpm_sandbox.store.client_update(
        link.external_id, {"website": "https://form.example"}, xpm_sandbox.now()
    )

    response = as_staff.post(
        sync_url(link),
        {
            "sync_email": "on",
            "direction_email": "to_remote",
            "sync_website": "on",
            "direction_website": "to_local",
        },
        follow=True,
    )

    assert response.redirect_chain[-1][0] == reverse(
        "sync:practice_management", args=[link.client_id]
    )
    assert (
        "Synced with XPM: Tandem took Website from XPM; XPM took Email from Tandem."
        in response.text
    )
    assert stored(xpm_sandbox, link, "email") == "form@tandem.example"


def test_a_ticked_conflict_needs_a_direction(xpm_sandbox, as_staff, link):
    client_update(client=link.client, acting_user=None, tax_number="TAN-555")
    xpm_sandbox.store.client_update(link.external_id, {"taxNumber": "XPM-666"}, xpm_sandbox.now())

    response = as_staff.post(sync_url(link), {"sync_tax_number": "on"})

    assert response.status_code == 400
    assert "Tax number: choose which way to sync it." in response.text
    assert stored(xpm_sandbox, link, "taxNumber") == "XPM-666"


def test_nothing_ticked_is_refused(as_staff, link):
    response = as_staff.post(sync_url(link), {})

    assert response.status_code == 400
    assert "Tick the fields to sync first." in response.text


def test_a_refused_sync_shows_why_on_the_screen(xpm_sandbox, as_staff, link):
    client_update(client=link.client, acting_user=None, email="fault@tandem.example")
    xpm_sandbox.set_fault("rate_limit_day", path="client.api/update")

    response = as_staff.post(sync_url(link), {"sync_email": "on", "direction_email": "to_remote"})

    assert response.status_code == 400
    assert "Nothing was changed in Tandem or XPM." in response.text


def test_another_firms_link_is_not_found(xpm_sandbox, as_outsider, link):
    assert panel(as_outsider, link, HX_Request="true").status_code == 404
    assert as_outsider.get(sync_url(link)).status_code == 404
    response = as_outsider.post(sync_url(link), {"sync_email": "on", "direction_email": "to_local"})
    assert response.status_code == 404


def test_a_link_of_another_client_is_not_found(firm, as_staff, link):
    other = CompanyFactory(firm=firm)

    response = as_staff.get(reverse("sync:field_sync", args=[other.pk, link.pk]))

    assert response.status_code == 404
