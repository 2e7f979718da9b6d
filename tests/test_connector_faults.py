"""Faults of the external systems, through the sync engine, for every connector and every fault
switch of its sandbox.

Each case starts an import and then a refresh under the fault, and checks that the run ends
with a clear outcome recorded on it (its status and message, or failed records with the reason
and what was received), shown on the run's page, and that Tandem's data is left consistent: one
link per record and per client, no client without its link, every linked client either as it
was or equal to the source (nothing half-applied), and no link flagged after a failed fetch.
Then the fault is cleared (and the add-on reauthorised where the fault revoked it) and the same
run completes.

APS cannot be called: its agent pushes to Tandem, so its faults are the bad requests the
inbound API receives; each is refused with a reason and leaves the directory, and the runs
that read it, as they were.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx
import pytest
from django.test import Client as HttpClient
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape

from clients.models import Client
from identity import keys
from identity.selectors import user_subject
from identity.tests.factories import ApplicationFactory
from integrations.connectors.aps.services import MAX_BATCH, aps_activate, aps_records_receive
from integrations.connectors.aps.tests.conftest import bearer
from integrations.connectors.cms import CmsConnector
from integrations.connectors.cms.services import cms_account_connect
from integrations.connectors.cms.tests.factories import cms_connection_create
from integrations.connectors.registry import connector_class
from integrations.connectors.xpm.api import XpmApi
from integrations.models import Connection, ConnectionStatus, Credential, DirectoryEntry
from integrations.oauth import OAuthClient
from integrations.tests.conftest import XPM_CALLBACK, xpm_connect
from sandbox.cms import DEFAULT_CLIENT_ID, CmsSandbox
from sandbox.cms.faults import FAULTS as CMS_SWITCHES
from sandbox.xpm import XpmSandbox
from sandbox.xpm.faults import CUT_SHORT_MODES
from sandbox.xpm.faults import FAULTS as XPM_SWITCHES
from sync.engine import sync_run_execute
from sync.models import Link, RecordOutcome, RemoteStatus, SyncRun, SyncRunStatus
from sync.runs import sync_run_start

pytestmark = pytest.mark.django_db

SUCCEEDED, FAILED = SyncRunStatus.SUCCEEDED, SyncRunStatus.FAILED
XPM_API = "/practicemanager/"
# Small pages, so that a listing has several and a page can be cut short.
XPM_PAGE_SIZE = 20
CMS_PAGE_SIZE = 7
# A slow answer waits SLOW_DELAY seconds; Tandem gives up after SLOW_TIMEOUT.
SLOW_DELAY = 2.0
SLOW_TIMEOUT = 0.5


@dataclass(frozen=True)
class Fault:
    """A fault switch as a sandbox takes it, and what a run under it must end with: `status`,
    and `says`, text of the run's message (or, when `failed_records`, of those records')."""

    name: str
    params: dict[str, Any]
    status: str
    says: str = ""
    failed_records: int = 0
    # The access token is due for a refresh when the run starts (faults of the token endpoint).
    token_due: bool = False
    # The fault revokes the authorisation: clearing it needs the add-on reauthorised.
    revokes: bool = False

    @property
    def id(self) -> str:
        shown = {k: v for k, v in self.params.items() if k != "path"}
        details = ",".join(f"{k}={v}" for k, v in shown.items())
        return f"{self.name}[{details}]" if details else self.name


XPM_FAULTS = [
    Fault("rate_limit_minute", {"times": 2, "retry_after": 0}, SUCCEEDED),
    Fault(
        "rate_limit_minute",
        {"retry_after": 0},
        FAILED,
        "XPM refused the request: per-minute call limit reached; retrying at",
    ),
    Fault("rate_limit_day", {}, FAILED, "XPM refused the request: daily call limit reached"),
    Fault("server_error", {"times": 2, "path": XPM_API}, SUCCEEDED),
    Fault("server_error", {"path": XPM_API}, FAILED, "XPM did not answer properly (HTTP 500)"),
    Fault("unavailable", {"times": 2, "path": XPM_API}, SUCCEEDED),
    Fault("unavailable", {"path": XPM_API}, FAILED, "XPM did not answer properly (HTTP 503)"),
    Fault("slow", {"times": 1, "delay": SLOW_DELAY, "path": XPM_API}, SUCCEEDED),
    Fault(
        "slow",
        {"delay": SLOW_DELAY, "path": XPM_API},
        FAILED,
        "XPM did not answer properly (it took too long to answer)",
    ),
    Fault("malformed_json", {"times": 1}, SUCCEEDED),
    Fault("malformed_json", {}, FAILED, "XPM sent a response Tandem could not read"),
    # The sandbox spoils two records of the answer: absurd values in one, no name in another.
    Fault("absurd_record", {"times": 1}, SUCCEEDED, "Tandem could not read", failed_records=2),
    Fault("absurd_record", {}, SUCCEEDED, "Tandem could not read", failed_records=6),
    Fault(
        "cut_short_page",
        {"times": 1, "mode": "short"},
        FAILED,
        "XPM lost its place in the client list",
    ),
    Fault("cut_short_page", {"times": 1, "mode": "truncated"}, SUCCEEDED),
    Fault("token_expired", {"times": 1}, SUCCEEDED),
    Fault(
        "token_revoked",
        {},
        FAILED,
        "The XPM authorisation has expired or was revoked: Reauthorise the add-on",
        revokes=True,
    ),
    Fault("lost_refresh_response", {"times": 1}, SUCCEEDED, token_due=True),
    Fault(
        "lost_refresh_response",
        {},
        FAILED,
        "XPM did not answer properly (no answer from sign-in)",
        token_due=True,
    ),
]

CMS_FAULTS = [
    Fault("rate_limited", {"times": 1, "retry_after": 0}, SUCCEEDED),
    Fault(
        "rate_limited",
        {"retry_after": 600},
        FAILED,
        "CareCloud refused the request: call limit reached; retrying at",
    ),
    Fault("server_error", {"times": 2}, SUCCEEDED),
    Fault("server_error", {}, FAILED, "CareCloud did not answer properly (HTTP 500)"),
    Fault(
        "slow",
        {"delay": SLOW_DELAY},
        FAILED,
        "CareCloud did not answer properly (it took too long to answer)",
    ),
    Fault("malformed_json", {}, FAILED, "CareCloud sent a response Tandem could not read"),
    Fault("garbage_record", {"times": 1}, SUCCEEDED, "Kind:", failed_records=1),
    Fault("cut_short_page", {"times": 1}, SUCCEEDED),
    Fault("cut_short_page", {}, FAILED, "said more followed"),
    Fault(
        "revoked",
        {},
        FAILED,
        "The CareCloud authorisation has expired or was revoked: Reauthorise the add-on",
        revokes=True,
    ),
]


@pytest.fixture(autouse=True)
def no_waiting(monkeypatch):
    """Backoff between retries is 0 seconds here; Retry-After is what each fault says."""
    monkeypatch.setattr(XpmApi, "BACKOFF_SECONDS", 0.0)
    monkeypatch.setattr(CmsConnector, "BACKOFF_SECONDS", 0.0)
    monkeypatch.setattr(OAuthClient, "REFRESH_BACKOFF_SECONDS", 0.0)


def impatient(monkeypatch, fault: Fault) -> None:
    """A short client timeout for the `slow` faults, so that they time out quickly."""
    if fault.name == "slow":
        timeout = httpx.Timeout(SLOW_TIMEOUT)
        monkeypatch.setattr("integrations.connectors.xpm.api.TIMEOUT", timeout)
        monkeypatch.setattr("integrations.connectors.cms.connector.TIMEOUT", timeout)


# Runs and what they leave ---------------------------------------------------------------------
def run(connection: Connection, user, **options) -> SyncRun:
    connection.refresh_from_db()
    started = sync_run_start(connection=connection, acting_user=user, **options)
    return sync_run_execute(run_id=started.pk)


def assert_outcome_shown(run: SyncRun, fault: Fault, http: HttpClient) -> None:
    """The run's status and its message (or its failed records) say what happened, and its
    page shows them."""
    assert run.status == fault.status, run.message
    page = http.get(reverse("sync:run_detail", args=[run.pk]))
    assert page.status_code == 200
    if fault.status == FAILED:
        assert fault.says in run.message
        assert escape(run.message) in page.content.decode()
    else:
        assert run.message == ""
    failed = list(run.records.filter(outcome=RecordOutcome.FAILED))
    assert run.failed == len(failed) == fault.failed_records
    if failed:
        shown = http.get(reverse("sync:run_detail", args=[run.pk]), {"outcome": "failed"})
        content = shown.content.decode()
        for record in failed:
            assert fault.says in record.message
            assert record.raw, "the record as received is kept"
            assert escape(record.message) in content
        assert "record as received" in content


def clients_by_external_id(connection: Connection) -> dict[str, Client]:
    return {
        link.external_id: link.client
        for link in Link.objects.filter(connection=connection).select_related("client")
    }


def values(client: Client, names) -> dict[str, Any]:
    return {name: getattr(client, name) for name in names}


def source_records(connection: Connection) -> dict:
    """What the connected system lists now, read through its connector."""
    connection.refresh_from_db()
    with connector_class(connection.provider)(connection) as connector:
        return {
            record.external_id: record for page in connector.iter_pages() for record in page.records
        }


def assert_consistent(connection: Connection, before: dict[str, dict], source: dict) -> None:
    """One link per record and per client, no client without its link, no link flagged, and
    each linked client as it was (`before`: values by external id) or equal to the source."""
    links = list(Link.objects.filter(connection=connection))
    assert len({link.external_id for link in links}) == len(links)
    assert len({link.client_id for link in links}) == len(links)
    assert Client.objects.filter(firm=connection.firm).count() == len(links)
    assert not [link for link in links if link.remote_status != RemoteStatus.PRESENT]
    for external_id, client in clients_by_external_id(connection).items():
        record = source[external_id]
        now = values(client, record.fields)
        assert now in (before.get(external_id), record.fields), f"half-applied: {client}"


def snapshot(connection: Connection, source: dict) -> dict[str, dict]:
    return {
        external_id: values(client, source[external_id].fields)
        for external_id, client in clients_by_external_id(connection).items()
    }


def assert_complete(connection: Connection, source: dict) -> None:
    """Every record the source lists (archived ones aside) is linked once, with its values."""
    live = {external_id for external_id, record in source.items() if not record.archived}
    linked = clients_by_external_id(connection)
    assert live <= set(linked)
    assert_consistent(connection, {}, source)


@dataclass
class Trial:
    """One connector's fault trial: how to switch the fault, edit a record in the source, and
    bring the connection back after a fault that revoked it."""

    connection: Connection
    user: Any
    http: HttpClient
    arm: Callable[[Fault], None]
    clear: Callable[[], None]
    edit: Callable[[str], None]
    reauthorise: Callable[[], None]
    token_due: Callable[[], None] = field(default=lambda: None)

    def under(self, fault: Fault, **options) -> SyncRun:
        if fault.token_due:
            self.token_due()
        self.arm(fault)
        try:
            return run(self.connection, self.user, **options)
        finally:
            self.clear()
            if fault.revokes:
                self.connection.refresh_from_db()
                assert self.connection.status == ConnectionStatus.NEEDS_REAUTHORISATION
                self.reauthorise()

    def survives(self, fault: Fault) -> None:
        imported = self.under(fault, kind="import")
        assert_outcome_shown(imported, fault, self.http)
        source = source_records(self.connection)
        assert_consistent(self.connection, {}, source)

        completed = run(self.connection, self.user, kind="import")
        assert completed.status == SUCCEEDED, completed.message
        assert_complete(self.connection, source)

        edited = next(iter(sorted(clients_by_external_id(self.connection))))
        self.edit(edited)
        before = snapshot(self.connection, source)
        refreshed = self.under(fault, kind="refresh")
        assert_outcome_shown(refreshed, fault, self.http)
        source = source_records(self.connection)
        assert_consistent(self.connection, before, source)

        again = run(self.connection, self.user, kind="refresh")
        assert again.status == SUCCEEDED, again.message
        assert_complete(self.connection, source)
        assert clients_by_external_id(self.connection)[edited].email == "edited@fault.example"


# XPM ------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def xpm_server():
    with XpmSandbox(clients=60, seed=11, rate_limits=False, redirect_uris=[XPM_CALLBACK]) as box:
        yield box


@pytest.fixture
def xpm(xpm_server, settings, monkeypatch):
    settings.XERO_AUTHORIZE_URL = xpm_server.authorize_url
    settings.XERO_TOKEN_URL = xpm_server.token_url
    settings.XERO_CONNECTIONS_URL = xpm_server.connections_url
    settings.XPM_API_BASE = xpm_server.api_base
    monkeypatch.setattr(
        "integrations.connectors.xpm.connector.XpmConnector.PAGE_SIZE", XPM_PAGE_SIZE
    )
    xpm_server.clear_faults()
    xpm_server.reset_stats()
    yield xpm_server
    xpm_server.clear_faults()


@pytest.mark.parametrize("fault", XPM_FAULTS, ids=lambda fault: fault.id)
def test_xpm_fault(fault, xpm, firm, admin_user, as_admin, monkeypatch):
    impatient(monkeypatch, fault)
    connection = xpm_connect(xpm, firm=firm, user=admin_user)

    def edit(external_id: str) -> None:
        xpm.store.client_update(
            external_id, {"email": "edited@fault.example"}, when=xpm.now() + timedelta(seconds=5)
        )

    def token_due() -> None:
        Credential.objects.filter(pk=connection.pk).update(
            access_token_expires_at=timezone.now() - timedelta(seconds=1)
        )

    Trial(
        connection=connection,
        user=admin_user,
        http=as_admin,
        arm=lambda f: xpm.set_fault(f.name, **f.params),
        clear=xpm.clear_faults,
        edit=edit,
        reauthorise=lambda: xpm_connect(xpm, firm=firm, user=admin_user),
        token_due=token_due,
    ).survives(fault)

    if fault.name == "lost_refresh_response" and fault.status == SUCCEEDED:
        # Each lost answer was asked for once more, with the same refresh token.
        assert xpm.stats["token_calls"]["refresh_token"] == 4


def test_every_xpm_fault_switch_is_tried():
    assert {fault.name for fault in XPM_FAULTS} == set(XPM_SWITCHES)
    modes = {f.params["mode"] for f in XPM_FAULTS if f.name == "cut_short_page"}
    assert modes == set(CUT_SHORT_MODES)


# CMS ------------------------------------------------------------------------------------------
@pytest.fixture
def cms(django_db_blocker, monkeypatch):
    """A CMS sandbox of its own: the trials edit its clients."""
    monkeypatch.setattr(CmsConnector, "PAGE_SIZE", CMS_PAGE_SIZE)
    with django_db_blocker.unblock():
        jwks, issuer = keys.jwks(), keys.issuer()
    with CmsSandbox(clients=30, seed=7, feed_jwks=jwks, feed_issuer=issuer) as sandbox:
        yield sandbox


@pytest.mark.parametrize("fault", CMS_FAULTS, ids=lambda fault: fault.id)
def test_cms_fault(fault, cms, firm, admin_user, as_admin, monkeypatch):
    impatient(monkeypatch, fault)
    application = ApplicationFactory(
        name="CareCloud", client_id=DEFAULT_CLIENT_ID, client_feed_url=cms.feed_url
    )
    account = cms.accounts[0]
    cms.connection_record(account_id=account.id, tandem_sub=user_subject(admin_user))
    connection = cms_connection_create(
        firm=firm,
        application=application,
        account_id=account.id,
        user=admin_user,
        external_account_name=account.name,
    )

    def reauthorise() -> None:
        cms_account_connect(
            application=application,
            acting_user=admin_user,
            account_id=account.id,
            account_name=account.name,
        )

    Trial(
        connection=connection,
        user=admin_user,
        http=as_admin,
        arm=lambda f: cms.set_fault(f.name, **f.params),
        clear=cms.clear_faults,
        edit=lambda external_id: cms.client_update(
            account.id, external_id, email="edited@fault.example"
        ),
        reauthorise=reauthorise,
    ).survives(fault)


def test_every_cms_fault_switch_is_tried():
    assert {fault.name for fault in CMS_FAULTS} == set(CMS_SWITCHES)


# APS ------------------------------------------------------------------------------------------
BATCH = "/agent/v1/clients/batch"
REMOVED = "/agent/v1/clients/removed"
CODES = ["APS001", "APS002", "APS003", "APS004", "APS005"]


def aps_record(code: str, **fields) -> dict:
    return {
        "code": code,
        "kind": "company",
        "fields": {"display_name": f"Company {code} Limited", **fields},
    }


def edited(**changes) -> dict:
    """APS001 with a good change (its email), spoiled by `changes` to the record."""
    record = aps_record("APS001", email="edited@aps.example")
    fields = changes.pop("fields", {})
    return {**record, **changes, "fields": {**record["fields"], **fields}}


@dataclass(frozen=True)
class BadRequest:
    """A request the agent might send: what Tandem answers (`status`), and `says`, the detail
    of its problem document or the reason it gives for refusing the record."""

    id: str
    url: str
    body: Any
    status: int
    says: str
    scope: str = "aps:push"


APS_BAD_REQUESTS = [
    BadRequest("body_not_json", BATCH, b"{records: [", 400, "Send the request as a JSON object."),
    BadRequest("body_not_object", BATCH, [edited()], 400, "Send the request as a JSON object."),
    BadRequest(
        "records_not_a_list",
        BATCH,
        {"records": edited()},
        400,
        "“records” must be a list of clients.",
    ),
    BadRequest(
        "batch_too_large",
        BATCH,
        {"records": [edited()] * (MAX_BATCH + 1)},
        400,
        f"A batch holds at most {MAX_BATCH} clients",
    ),
    BadRequest("record_not_object", BATCH, {"records": ["APS001"]}, 200, "must be an object"),
    BadRequest(
        "no_code", BATCH, {"records": [edited(code="")]}, 200, "Client code: none was sent."
    ),
    BadRequest("unknown_kind", BATCH, {"records": [edited(kind="club")]}, 200, "Kind: “club”"),
    BadRequest(
        "fields_not_object",
        BATCH,
        {"records": [{**edited(), "fields": "Company APS001"}]},
        200,
        "Fields: must be an object",
    ),
    BadRequest(
        "unknown_field",
        BATCH,
        {"records": [edited(fields={"favourite_colour": "red"})]},
        200,
        "Tandem has no client fields favourite_colour",
    ),
    BadRequest(
        "bad_email",
        BATCH,
        {"records": [edited(fields={"email": "not-an-address"})]},
        200,
        "Email:",
    ),
    BadRequest(
        "wrong_type",
        BATCH,
        {"records": [edited(fields={"phone": 64211234567})]},
        200,
        "int where text belongs",
    ),
    BadRequest(
        "absurd_date",
        BATCH,
        {"records": [edited(kind="individual", fields={"date_of_birth": "1980-02-31"})]},
        200,
        "is not a date",
    ),
    BadRequest(
        "no_name",
        BATCH,
        {"records": [edited(fields={"display_name": "  "})]},
        200,
        "Name",
    ),
    BadRequest(
        "details_not_understood",
        BATCH,
        {"records": [edited(details={"contacts": "all of them"})]},
        200,
        "Details: contacts must be a list",
    ),
    BadRequest(
        "removed_codes_not_a_list",
        REMOVED,
        {"codes": "APS001"},
        400,
        "“codes” must be a list of client codes.",
    ),
    BadRequest(
        "token_lacks_scope",
        BATCH,
        {"records": [edited()]},
        403,
        "needs a sign-in with the scope",
        scope="clients:read",
    ),
]


def agent_post(user, request: BadRequest):
    return HttpClient().post(
        request.url,
        request.body,
        content_type="application/json",
        headers=bearer(user, scope=request.scope),
    )


def directory(connection: Connection) -> dict[str, tuple]:
    return {
        entry.external_id: (entry.kind, entry.fields, entry.details, entry.archived)
        for entry in DirectoryEntry.objects.filter(connection=connection)
    }


@pytest.mark.parametrize("request_", APS_BAD_REQUESTS, ids=lambda request: request.id)
def test_aps_bad_request(request_, firm, admin_user, as_admin):
    connection = aps_activate(firm=firm, acting_user=admin_user)
    aps_records_receive(
        connection=connection,
        acting_user=admin_user,
        records=[aps_record(code) for code in CODES[:4]],
    )
    assert run(connection, admin_user, kind="import").created == 4
    before_directory = directory(connection)
    linked = clients_by_external_id(connection)["APS001"]

    # The bad request is refused with its reason: as a whole, or the record alone.
    response = agent_post(admin_user, request_)

    assert response.status_code == request_.status
    body = response.json()
    if request_.status == 200:
        [refusal] = body["refused"]
        assert request_.says in refusal["message"]
        assert (body["created"], body["updated"]) == (0, 0)
    else:
        assert request_.says in body["detail"]
    assert directory(connection) == before_directory

    # The runs that read the directory then change nothing and say so.
    for kind in ("import", "refresh"):
        done = run(connection, admin_user, kind=kind)
        assert done.status == SUCCEEDED, done.message
        assert (done.created, done.updated, done.failed) == (0, 0, 0)
        page = as_admin.get(reverse("sync:run_detail", args=[done.pk])).content.decode()
        assert "Every record was left as it was." in page
    linked.refresh_from_db()
    assert linked.email == ""
    assert Client.objects.filter(firm=firm).count() == Link.objects.count() == 4

    # The agent sends the records right: the runs bring them in.
    fixed = aps_records_receive(
        connection=connection,
        acting_user=admin_user,
        records=[edited(), aps_record(CODES[4])],
    )
    assert not fixed.refused
    assert run(connection, admin_user, kind="refresh").updated == 1
    assert run(connection, admin_user, kind="import").created == 1
    linked.refresh_from_db()
    assert linked.email == "edited@aps.example"
    assert Link.objects.filter(connection=connection).count() == len(CODES)
