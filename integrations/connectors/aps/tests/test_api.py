from datetime import timedelta

import pytest
from django.test import Client as HttpClient
from django.utils import timezone
from oauth2_provider.models import AccessToken

from accounts.models import Role
from accounts.tests.factories import member_create
from identity.tests.factories import ApplicationFactory
from integrations.connectors.aps.services import aps_activate
from integrations.connectors.aps.tests.conftest import bearer
from integrations.models import DirectoryEntry

pytestmark = pytest.mark.django_db

BATCH = "/agent/v1/clients/batch"
REMOVED = "/agent/v1/clients/removed"


def client_record(code: str, name: str, **fields) -> dict:
    return {"code": code, "kind": "company", "fields": {"display_name": name, **fields}}


def post(url: str, body: dict, headers: dict):
    return HttpClient().post(url, body, content_type="application/json", headers=headers)


def test_a_batch_keeps_the_valid_records_and_says_why_the_others_were_refused(
    aps_connection, admin_user
):
    response = post(
        BATCH,
        {
            "records": [
                client_record("KAU001", "Kauri Limited", email="Office@Kauri.example.co.nz"),
                client_record("BAD001", "Bad Email Limited", email="nope"),
                {"code": "BAD002", "kind": "club", "fields": {"display_name": "Club"}},
                client_record("BAD003", "Named Limited", first_name="Ann"),
                client_record("BAD004", "Odd Limited", favourite_colour="red"),
                client_record("KAU001", "Kauri Limited"),
            ]
        },
        bearer(admin_user),
    )

    assert response.status_code == 200
    body = response.json()
    assert (body["created"], body["updated"], body["unchanged"]) == (1, 0, 0)
    refused = {(r["index"], r["code"]): r["message"] for r in body["refused"]}
    assert refused[(1, "BAD001")] == "Email: 'nope' is not a valid email address."
    assert refused[(2, "BAD002")].startswith("Kind: “club” is not one of company")
    assert "First name" in refused[(3, "BAD003")]
    assert refused[(4, "BAD004")] == "Fields: Tandem has no client fields favourite_colour."
    assert refused[(5, "KAU001")] == "Client code: sent twice in this batch."
    entry = DirectoryEntry.objects.get(connection=aps_connection)
    assert entry.external_id == "KAU001"
    assert entry.fields["email"] == "office@kauri.example.co.nz"
    assert entry.fields["code"] == "KAU001"


def test_the_same_record_again_is_unchanged_and_keeps_its_modified_time(aps_connection, admin_user):
    record = client_record("KAU001", "Kauri Limited")
    post(BATCH, {"records": [record]}, bearer(admin_user))
    modified_at = DirectoryEntry.objects.get(connection=aps_connection).modified_at

    body = post(BATCH, {"records": [record]}, bearer(admin_user)).json()

    assert (body["created"], body["updated"], body["unchanged"]) == (0, 0, 1)
    assert DirectoryEntry.objects.get(connection=aps_connection).modified_at == modified_at


def test_removed_codes_are_archived_never_deleted_and_come_back_when_sent_again(
    aps_connection, admin_user
):
    post(BATCH, {"records": [client_record("KAU001", "Kauri Limited")]}, bearer(admin_user))

    body = post(REMOVED, {"codes": ["KAU001", "NOPE01"]}, bearer(admin_user)).json()

    assert body == {"archived": 1, "already_archived": 0, "unknown": ["NOPE01"], "review_run": None}
    assert DirectoryEntry.objects.get(connection=aps_connection).archived
    post(BATCH, {"records": [client_record("KAU001", "Kauri Limited")]}, bearer(admin_user))
    assert not DirectoryEntry.objects.get(connection=aps_connection).archived


def test_each_firms_agent_writes_to_its_own_firm_only(aps_connection, outsider, other_firm):
    theirs = aps_activate(firm=other_firm, acting_user=outsider)

    post(BATCH, {"records": [client_record("SUM001", "Summit Limited")]}, bearer(outsider))

    assert not DirectoryEntry.objects.filter(connection=aps_connection).exists()
    assert DirectoryEntry.objects.get(connection=theirs).external_id == "SUM001"


@pytest.mark.parametrize(
    ("headers", "status", "code"),
    [
        ({}, 401, "unauthorized"),
        ({"Authorization": "Bearer not-a-token"}, 401, "unauthorized"),
    ],
)
def test_a_call_without_a_valid_token_is_refused(aps_connection, headers, status, code):
    response = post(BATCH, {"records": []}, headers)

    assert response.status_code == status
    assert response.json()["code"] == code
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_token_without_the_agent_scope_is_refused(aps_connection, admin_user):
    response = post(BATCH, {"records": []}, bearer(admin_user, scope="clients:read"))

    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


def test_another_applications_token_is_refused_even_with_the_scope(aps_connection, admin_user):
    other = ApplicationFactory(client_id="some-cms")
    token = AccessToken.objects.create(
        user=admin_user,
        application=other,
        token="cms-token",
        scope="aps:push",
        expires=timezone.now() + timedelta(minutes=10),
    )

    response = post(BATCH, {"records": []}, {"Authorization": f"Bearer {token.token}"})

    assert response.status_code == 403
    assert response.json()["detail"] == "Only the Tandem sync agent may send a firm's APS clients."


def test_a_staff_members_token_is_refused(aps_connection, firm):
    staff = member_create(firm=firm, role=Role.STAFF, email="s@harbour.example.com")

    response = post(BATCH, {"records": []}, bearer(staff))

    assert response.status_code == 403
    assert "not a firm administrator" in response.json()["detail"]


def test_without_aps_activated_the_agent_is_told_so(admin_user):
    response = post(BATCH, {"records": []}, bearer(admin_user))

    assert response.status_code == 409
    assert response.json()["code"] == "not_activated"


@pytest.mark.parametrize(
    ("url", "body", "detail"),
    [
        (BATCH, {"records": {"a": 1}}, "“records” must be a list of clients."),
        (REMOVED, {"codes": "KAU001"}, "“codes” must be a list of client codes."),
    ],
)
def test_a_request_that_makes_no_sense_changes_nothing(
    aps_connection, admin_user, url, body, detail
):
    response = post(url, body, bearer(admin_user))

    assert response.status_code == 400
    assert response.json()["detail"] == detail


def test_the_agent_learns_who_it_acts_for_and_its_call_is_recorded(aps_connection, admin_user):
    response = HttpClient().get("/agent/v1/connection", headers=bearer(admin_user))

    assert response.json() == {
        "firm": "Harbour Accounting Limited",
        "account": "APS database",
        "user": admin_user.email,
    }
    aps_connection.refresh_from_db()
    assert aps_connection.agent_contact_at is not None
