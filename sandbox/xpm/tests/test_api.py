"""The Practice Manager client endpoints: parameters, shapes (checked against the spec), errors."""

from datetime import UTC, datetime, timedelta

import pytest

from sandbox.xpm.app import MAX_PAGE_SIZE
from sandbox.xpm.tests.conftest import api_client, tokens_get
from sandbox.xpm.tests.spec import assert_schema, assert_xpm_response, needs_spec, schema_errors

pytestmark = needs_spec


def stamp(value: datetime) -> str:
    return value.strftime("%Y-%m-%dT%H:%M:%S")


def listed_uuids(xpm) -> list[str]:
    return [c.uuid for c in xpm.store.clients if not c.is_archived and not c.is_deleted]


def test_list_returns_every_client_with_contacts_but_no_details(xpm, api):
    answer = api.get("client.api/list")

    assert_xpm_response(answer)
    clients = answer.json()["clients"]
    assert [c["uuid"] for c in clients] == [c.uuid for c in xpm.store.clients]
    assert all("contacts" in c and "relationships" not in c for c in clients)


def test_detailed_list_adds_notes_groups_and_relationships(api):
    answer = api.get("client.api/list", params={"detailed": "true"})

    assert_xpm_response(answer)
    clients = answer.json()["clients"]
    assert all({"notes", "groups", "relationships"} <= set(c) for c in clients)
    assert any(c["relationships"] for c in clients)
    assert any(c["groups"] for c in clients)


def test_list_modified_since_returns_only_later_changes(xpm, api):
    newest = sorted(xpm.store.clients, key=lambda c: c.modified)[-3:]
    since = newest[0].modified

    answer = api.get(
        "client.api/list", params={"modifiedSince": since.strftime("%Y-%m-%dT%H:%M:%S")}
    )

    assert_xpm_response(answer)
    assert {c["uuid"] for c in answer.json()["clients"]} == {
        c.uuid for c in xpm.store.clients if c.modified >= since
    }


def test_an_update_makes_a_client_show_up_in_modified_since(xpm, api):
    target = xpm.store.clients[7]
    since = xpm.now().replace(microsecond=0)

    api.put("client.api/update", json={"uuid": target.uuid, "phone": "09 555 0101"})
    answer = api.get(
        "client.api/list", params={"modifiedSince": since.strftime("%Y-%m-%dT%H:%M:%S")}
    )

    assert [c["uuid"] for c in answer.json()["clients"]] == [target.uuid]


def test_a_malformed_modified_since_is_a_400_naming_the_format(api):
    answer = api.get("client.api/list", params={"modifiedSince": "yesterday"})

    assert answer.status_code == 400
    assert_xpm_response(answer)
    assert "yyyy-MM-ddTHH:mm:ss" in answer.json()["errorDescription"]


def test_paged_list_walks_the_listed_clients_by_next_links(xpm, api):
    seen, url, calls = [], "client.api/paged-list?pageSize=7", 0
    while url:
        answer = api.get(url)
        calls += 1
        assert_xpm_response(answer)
        body = answer.json()
        seen += [c["uuid"] for c in body["clients"]]
        url = body["pagination"]["links"].get("next")

    assert seen == listed_uuids(xpm)
    assert calls == -(-len(seen) // 7)


def test_paged_list_next_link_is_an_absolute_url_with_the_page_token(xpm, api):
    body = api.get("client.api/paged-list", params={"pageSize": 5}).json()

    links = body["pagination"]["links"]
    assert links["first"] == f"{xpm.api_base}v3.1/client.api/paged-list?pageSize=5"
    assert links["next"].startswith(
        f"{xpm.api_base}v3.1/client.api/paged-list?pageSize=5&pageToken="
    )


def test_paged_list_defaults_to_pages_of_50(xpm, api):
    body = api.get("client.api/paged-list").json()

    assert len(body["clients"]) == 50
    assert "next" in body["pagination"]["links"]


def test_paged_list_leaves_out_archived_clients(xpm, api):
    archived = {c.uuid for c in xpm.store.clients if c.is_archived}
    assert archived

    body = api.get("client.api/paged-list", params={"pageSize": MAX_PAGE_SIZE}).json()

    assert not archived & {c["uuid"] for c in body["clients"]}


@pytest.mark.parametrize("size", ["0", str(MAX_PAGE_SIZE + 1), "ten"])
def test_paged_list_refuses_a_page_size_out_of_range(api, size):
    answer = api.get("client.api/paged-list", params={"pageSize": size})

    assert answer.status_code == 400
    assert_xpm_response(answer)
    assert f"1 to {MAX_PAGE_SIZE}" in answer.json()["errorDescription"]


def test_paged_list_refuses_a_page_token_it_never_issued(api):
    answer = api.get("client.api/paged-list", params={"pageToken": "bm90LWEtdG9rZW4"})

    assert answer.status_code == 400
    assert answer.json()["errorDescription"] == "pageToken is invalid or expired."


def test_paged_list_fields_limits_each_record(api):
    body = api.get("client.api/paged-list", params={"pageSize": 3, "fields": "uuid,name"}).json()

    assert [set(c) for c in body["clients"]] == [{"uuid", "name"}] * 3
    assert "fields=uuid%2Cname" in body["pagination"]["links"]["next"]


def test_search_is_a_plain_case_insensitive_match_on_the_name(xpm, api):
    target = xpm.store.clients[3]
    fragment = target.name.split()[0].upper()

    answer = api.get("client.api/search", params={"query": fragment})

    assert_xpm_response(answer)
    names = [c["name"] for c in answer.json()["clients"]]
    assert target.name in names
    assert all(fragment.lower() in name.lower() for name in names)


def test_search_is_not_fuzzy(xpm, api):
    name = xpm.store.clients[3].name
    typo = name[0] + name[2] + name[1] + name[3:]

    assert api.get("client.api/search", params={"query": typo}).json()["clients"] == []


def test_search_without_a_query_is_a_400(api):
    answer = api.get("client.api/search")

    assert answer.status_code == 400
    assert_xpm_response(answer)


def test_get_returns_the_detailed_client(xpm, api):
    target = next(c for c in xpm.store.clients if c.relationships)

    answer = api.get(f"client.api/get/{target.uuid}")

    assert_xpm_response(answer)
    client = answer.json()["client"]
    assert client["uuid"] == target.uuid
    assert client["name"] == target.name
    assert (
        client["relationships"][0]["relatedClient"]["uuid"] == target.relationships[0].related_uuid
    )
    assert [c["uuid"] for c in client["contacts"]] == [
        link.contact_uuid for link in target.contact_links
    ]


def test_get_of_an_unknown_client_is_a_404(api):
    answer = api.get("client.api/get/00000000-0000-4000-8000-000000000000")

    assert answer.status_code == 404
    assert_xpm_response(answer)


def test_a_client_of_another_organisation_is_not_found(xpm):
    tokens = tokens_get(xpm, tenant_ids=[xpm.tenant_id, xpm.training_tenant_id])
    training_client = xpm.stores[xpm.training_tenant_id].clients[0]

    with api_client(xpm, tokens["access_token"], xpm.tenant_id) as api:
        assert api.get(f"client.api/get/{training_client.uuid}").status_code == 404
    with api_client(xpm, tokens["access_token"], xpm.training_tenant_id) as api:
        assert api.get(f"client.api/get/{training_client.uuid}").status_code == 200


def test_add_creates_a_client_with_its_contacts(xpm, api):
    body = {
        "name": "Kowhai Orchards Limited",
        "email": "accounts@kowhai.example.co.nz",
        "webSite": "https://kowhai.example.co.nz",
        "balanceMonth": "3",
        "contacts": [
            {"name": "Mere Kowhai", "email": "mere@kowhai.example.co.nz", "isPrimary": "Yes"}
        ],
    }
    assert schema_errors("ClientAddRequestDto", body) == []

    answer = api.post("client.api/add", json=body)

    assert_xpm_response(answer)
    client = answer.json()["client"]
    assert client["website"] == "https://kowhai.example.co.nz"
    assert client["balanceMonth"] == 3
    assert [c["name"] for c in client["contacts"]] == ["Mere Kowhai"]
    assert xpm.store.client_get(client["uuid"]).name == "Kowhai Orchards Limited"


def test_add_without_a_name_is_a_400_naming_the_field(api):
    answer = api.post("client.api/add", json={"email": "x@example.com"})

    assert answer.status_code == 400
    assert_xpm_response(answer)
    assert "'name'" in answer.json()["errorDescription"]


def test_update_sets_the_fields_given_and_bumps_the_modified_time(xpm, api, clock):
    target = xpm.store.clients[4]
    before = target.modified
    clock.advance(60)
    body = {"uuid": target.uuid, "webSite": "https://new.example.com", "phone": "04 555 0199"}
    assert schema_errors("ClientUpdateRequestDto", body) == []

    answer = api.put("client.api/update", json=body)

    assert_xpm_response(answer)
    client = answer.json()["client"]
    assert client["website"] == "https://new.example.com"
    assert client["phone"] == "04 555 0199"
    assert client["name"] == target.name
    assert target.modified == datetime.fromtimestamp(clock(), UTC).replace(microsecond=0)
    assert target.modified > before


def test_update_with_null_clears_a_field(xpm, api):
    target = next(c for c in xpm.store.clients if c.fields.get("email"))

    client = api.put("client.api/update", json={"uuid": target.uuid, "email": None}).json()[
        "client"
    ]

    assert "email" not in client


def test_update_refuses_the_response_spelling_of_website(xpm, api):
    body = {"uuid": xpm.store.clients[0].uuid, "website": "https://wrong.example.com"}
    assert schema_errors("ClientUpdateRequestDto", body)

    answer = api.put("client.api/update", json=body)

    assert answer.status_code == 400
    assert answer.json()["errorDescription"] == "Unknown field 'website' in the body."


def test_update_refuses_a_wrongly_typed_field(xpm, api):
    answer = api.put(
        "client.api/update", json={"uuid": xpm.store.clients[0].uuid, "gstPeriod": "2"}
    )

    assert answer.status_code == 400
    assert "'gstPeriod'" in answer.json()["errorDescription"]


def test_update_of_an_unknown_client_is_a_404(api):
    answer = api.put("client.api/update", json={"uuid": "00000000-0000-4000-8000-000000000000"})

    assert answer.status_code == 404
    assert_xpm_response(answer)


def test_update_can_set_the_account_manager_by_uuid(xpm, api):
    staff = next(iter(xpm.store.staff.values()))

    client = api.put(
        "client.api/update",
        json={"uuid": xpm.store.clients[2].uuid, "accountManagerUuid": staff["uuid"]},
    ).json()["client"]

    assert client["accountManager"] == staff


def test_update_can_set_and_clear_the_billing_client(xpm, api):
    target, payer = xpm.store.clients[2], xpm.store.clients[3]

    set_answer = api.put(
        "client.api/update", json={"uuid": target.uuid, "billingClientUuid": payer.uuid}
    )
    cleared = api.put("client.api/update", json={"uuid": target.uuid, "billingClientUuid": None})

    assert set_answer.json()["client"]["billingClient"] == {"uuid": payer.uuid, "name": payer.name}
    assert "billingClient" not in cleared.json()["client"]


def test_archiving_through_the_store_takes_a_client_off_the_paged_list(xpm, api):
    target = xpm.store.clients_page(start=0, size=1)[0][0]

    xpm.store.client_update(target.uuid, {"isArchived": "Yes"}, xpm.now())

    body = api.get("client.api/paged-list", params={"pageSize": 1}).json()
    assert body["clients"][0]["uuid"] != target.uuid


def test_contacts_page_through_every_contact(xpm, api):
    seen, url = [], "client.api/contacts?pageSize=9"
    while url:
        answer = api.get(url)
        assert_xpm_response(answer)
        seen += [c["uuid"] for c in answer.json()["contacts"]]
        url = answer.json()["pagination"]["links"].get("next")

    assert seen == list(xpm.store.contacts)


def test_contacts_can_be_linked_to_a_client(xpm, api):
    target = xpm.store.clients[0]
    linked = {link.contact_uuid for link in target.contact_links}
    contact = next(uuid for uuid in xpm.store.contacts if uuid not in linked)
    body = {"contacts": [{"uuid": contact, "position": "Accountant", "isPrimary": "No"}]}
    assert schema_errors("ClientAddContactsRequestDto", body) == []

    answer = api.post(f"client.api/client/{target.uuid}/contacts", json=body)

    assert_xpm_response(answer)
    assert answer.json()["client"] == {
        "uuid": target.uuid,
        "contacts": [{"uuid": contact, "position": "Accountant", "isPrimary": "No"}],
    }
    client = api.get(f"client.api/get/{target.uuid}").json()["client"]
    assert contact in [c["uuid"] for c in client["contacts"]]
    again = api.post(f"client.api/client/{target.uuid}/contacts", json=body)
    assert again.status_code == 409
    assert_xpm_response(again)


def test_linking_more_than_ten_contacts_at_once_is_a_400(xpm, api):
    contacts = [{"uuid": uuid} for uuid in list(xpm.store.contacts)[:11]]

    answer = api.post(
        f"client.api/client/{xpm.store.clients[0].uuid}/contacts", json={"contacts": contacts}
    )

    assert answer.status_code == 400
    assert_xpm_response(answer)


def test_linking_an_unknown_contact_is_a_404(xpm, api):
    answer = api.post(
        f"client.api/client/{xpm.store.clients[0].uuid}/contacts",
        json={"contacts": [{"uuid": "00000000-0000-4000-8000-000000000000"}]},
    )

    assert answer.status_code == 404
    assert_xpm_response(answer)


def test_groups_list(xpm, api):
    answer = api.get("clientgroup.api/list")

    assert_xpm_response(answer)
    assert [g["uuid"] for g in answer.json()["groups"]] == list(xpm.store.groups)


def test_every_call_needs_a_bearer_token(xpm):
    with api_client(xpm, "not-a-token") as api:
        answer = api.get("client.api/list")

    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == 'Bearer error="invalid_token"'
    assert_xpm_response(answer)


def test_every_call_needs_the_tenant_header(xpm, api):
    del api.headers["Xero-Tenant-Id"]

    answer = api.get("client.api/paged-list")

    assert answer.status_code == 403
    assert_xpm_response(answer)


def test_a_tenant_the_token_was_not_given_is_forbidden(xpm):
    tokens = tokens_get(xpm, tenant_ids=[xpm.tenant_id])

    with api_client(xpm, tokens["access_token"], xpm.training_tenant_id) as api:
        answer = api.get("client.api/paged-list")

    assert answer.status_code == 403
    assert answer.json()["errorDescription"] == "This access token cannot reach that organisation."


def test_an_unknown_endpoint_is_a_json_404(api):
    answer = api.get("client.api/nothing-here")

    assert answer.status_code == 404
    assert answer.json()["status"] == "ERROR"


def test_the_response_check_still_rejects_a_field_the_spec_does_not_have():
    # Guards the allOf workaround: loosening the composed parts must not loosen everything.
    def contact(**extra) -> dict:
        return {"status": "OK", "client": {"uuid": "x", "contacts": [{"uuid": "y", **extra}]}}

    assert schema_errors("ClientResponseDto", contact(), strict=False) == []
    assert schema_errors("ClientResponseDto", contact(rank=1), strict=False) != []


def test_the_response_check_accepts_a_composed_response():
    assert_schema(
        "ClientListResponseDto", {"status": "OK", "clients": [{"uuid": "x", "notes": []}]}
    )


def test_modified_dates_spread_over_years(xpm):
    dates = [c.modified for c in xpm.store.clients]

    assert max(dates) - min(dates) > timedelta(days=365)
