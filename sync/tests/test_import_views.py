import pytest
from django.urls import reverse

from clients.tests.factories import CompanyFactory
from integrations.models import ConnectionStatus
from integrations.tests.factories import ConnectionFactory
from sync.models import Link, SyncRun, SyncRunStatus
from sync.tests.factories import DirectoryEntryFactory, LinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(firm):
    # No view here calls out to the provider: an entry (DirectoryEntryFactory) leaves its
    # directory just refreshed, and the tests without one never reach the list.
    return ConnectionFactory(firm=firm)


def url(connection, **query):
    path = reverse("sync:import_clients", args=[connection.pk])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def link_url(connection, **query):
    path = reverse("sync:import_link", args=[connection.pk])
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def entry(connection, name, kind="company", *, archived=False, **fields):
    return DirectoryEntryFactory(
        connection=connection,
        display_name=name,
        kind=kind,
        archived=archived,
        fields={"display_name": name, **fields},
    )


def names(response) -> list[str]:
    return [entry.display_name for entry, _ in response.context["rows"]]


def test_lists_the_records_not_linked_with_kind_and_code(as_staff, firm, connection):
    entry(connection, "Kowhai Cafe Limited", code="KOW01")
    entry(connection, "Aroha Ngata", kind="individual", email="aroha@example.com")
    linked = entry(connection, "Linked Holdings Limited")
    LinkFactory(
        connection=connection, client=CompanyFactory(firm=firm), external_id=linked.external_id
    )
    entry(connection, "Archived Limited", archived=True)

    response = as_staff.get(url(connection))

    assert response.status_code == 200
    assert names(response) == ["Aroha Ngata", "Kowhai Cafe Limited"]
    assert "KOW01" in response.text
    assert "aroha@example.com" in response.text
    assert "Linked Holdings" not in response.text
    assert "Select all 2" in response.text


def test_search_finds_by_name_code_or_email_and_htmx_gets_the_results_alone(as_staff, connection):
    entry(connection, "Kowhai Cafe Limited", code="KOW01")
    entry(connection, "Totara Dental Limited", email="reception@kowhai-dental.example.com")
    entry(connection, "Rimu Roofing Limited", code="RIM01")

    by_name = as_staff.get(url(connection, q="cafe"))
    by_code = as_staff.get(url(connection, q="rim01"))
    by_email = as_staff.get(
        url(connection, q="kowhai"), HTTP_HX_REQUEST="true", HTTP_HX_TARGET="import-results"
    )

    assert names(by_name) == ["Kowhai Cafe Limited"]
    assert names(by_code) == ["Rimu Roofing Limited"]
    assert names(by_email) == ["Kowhai Cafe Limited", "Totara Dental Limited"]
    assert "<html" not in by_email.text
    assert "Select all 2 matching “kowhai”" in by_email.text


def test_pages_through_the_records(as_staff, connection, monkeypatch):
    monkeypatch.setattr("sync.import_views.PAGE_SIZE", 2)
    for name in ("Alpha Limited", "Bravo Limited", "Charlie Limited"):
        entry(connection, name)

    first = as_staff.get(url(connection))
    second = as_staff.get(url(connection, page=2))

    assert names(first) == ["Alpha Limited", "Bravo Limited"]
    assert names(second) == ["Charlie Limited"]
    assert "Page 2 of 2" in second.text


def test_a_record_like_a_tandem_client_offers_link_instead(as_staff, firm, connection):
    client = CompanyFactory(firm=firm, display_name="Totara Dental Limited")
    record = entry(connection, "Totara Dental Ltd")
    entry(connection, "Rimu Roofing Limited")

    response = as_staff.get(url(connection))

    suggestions = dict(response.context["rows"])
    assert suggestions[record].client == client
    assert "Looks like" in response.text
    assert f'value="{client.pk}:{record.external_id}"' in response.text
    assert response.text.count("Link instead</button>") == 1


def test_link_instead_with_htmx_links_and_the_row_goes_while_ticks_stay(as_staff, firm, connection):
    client = CompanyFactory(firm=firm, display_name="Totara Dental Limited")
    record = entry(connection, "Totara Dental Ltd")
    other = entry(connection, "Rimu Roofing Limited")

    response = as_staff.post(
        link_url(connection),
        {"one": f"{client.pk}:{record.external_id}", "record": [other.external_id]},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="import-results",
    )

    assert response.status_code == 200
    assert Link.objects.get(connection=connection).client == client
    assert names(response) == ["Rimu Roofing Limited"]
    assert f'value="{other.external_id}" aria-label="Select Rimu Roofing Limited" checked' in (
        response.text
    )
    assert "Totara Dental Limited linked to “Totara Dental Ltd”." in response.text
    assert "<html" not in response.text


def test_link_instead_without_javascript_returns_to_the_same_search(as_staff, firm, connection):
    client = CompanyFactory(firm=firm, display_name="Totara Dental Limited")
    record = entry(connection, "Totara Dental Ltd")

    response = as_staff.post(
        link_url(connection, q="totara"), {"one": f"{client.pk}:{record.external_id}"}
    )

    assert response.status_code == 302
    assert response.url == url(connection, q="totara")
    assert Link.objects.filter(client=client, external_id=record.external_id).exists()
    assert "linked to “Totara Dental Ltd”" in as_staff.get(response.url).text


def test_a_refused_link_instead_says_why_and_links_nothing(as_staff, firm, connection):
    client = CompanyFactory(firm=firm, display_name="Aroha Ngata")
    record = entry(connection, "Aroha Ngata", kind="individual")

    response = as_staff.post(
        link_url(connection),
        {"one": f"{client.pk}:{record.external_id}"},
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="import-results",
    )

    assert "a client links only to a record of a compatible type" in response.text
    assert not Link.objects.exists()


def test_import_starts_a_run_over_the_ticked_records_and_shows_it(as_staff, connection):
    first = entry(connection, "Kowhai Cafe Limited")
    second = entry(connection, "Rimu Roofing Limited")
    entry(connection, "Totara Dental Limited")

    response = as_staff.post(url(connection), {"record": [first.external_id, second.external_id]})

    run = SyncRun.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("sync:run_detail", args=[run.pk])
    assert (run.kind, run.dry_run, run.status) == ("import", False, SyncRunStatus.QUEUED)
    assert sorted(run.external_ids) == sorted([first.external_id, second.external_id])


def test_preview_starts_a_dry_run(as_staff, connection):
    record = entry(connection, "Kowhai Cafe Limited")

    as_staff.post(url(connection), {"record": [record.external_id], "preview": "on"})

    assert SyncRun.objects.get().dry_run


def test_select_all_without_a_search_imports_every_record_not_linked(as_staff, connection):
    entry(connection, "Kowhai Cafe Limited")

    as_staff.post(url(connection), {"everything": "on"})

    assert SyncRun.objects.get().external_ids == []


def test_select_all_with_a_search_takes_its_matches_but_not_the_look_alikes(
    as_staff, firm, connection
):
    CompanyFactory(firm=firm, display_name="Kowhai Dental Limited")
    entry(connection, "Kowhai Dental Ltd")
    cafe = entry(connection, "Kowhai Cafe Limited")
    entry(connection, "Rimu Roofing Limited")

    as_staff.post(url(connection, q="kowhai"), {"everything": "on"})

    assert SyncRun.objects.get().external_ids == [cafe.external_id]


def test_import_with_nothing_ticked_says_so(as_staff, connection):
    entry(connection, "Kowhai Cafe Limited")

    response = as_staff.post(url(connection), {})

    assert response.status_code == 400
    assert "Tick the clients to import first, or Select all." in response.text
    assert not SyncRun.objects.exists()


def test_more_ticks_than_a_person_makes_are_refused(as_staff, connection, monkeypatch):
    monkeypatch.setattr("sync.import_views.MOST_TICKED", 2)
    records = [entry(connection, name).external_id for name in ("Alpha", "Bravo", "Charlie")]

    response = as_staff.post(url(connection), {"record": records})

    assert response.status_code == 400
    assert "At most 2 ticked clients at a time: use Select all for more." in response.text
    assert not SyncRun.objects.exists()


def test_a_record_linked_meanwhile_is_not_imported(as_staff, firm, connection):
    record = entry(connection, "Kowhai Cafe Limited")
    LinkFactory(
        connection=connection, client=CompanyFactory(firm=firm), external_id=record.external_id
    )

    response = as_staff.post(url(connection), {"record": [record.external_id]})

    assert response.status_code == 400
    assert "The ticked clients are in Tandem already" in response.text
    assert not SyncRun.objects.exists()


def test_import_while_a_run_is_active_says_so_and_keeps_the_ticks(as_staff, connection):
    record = entry(connection, "Kowhai Cafe Limited")
    SyncRun.objects.create(firm=connection.firm, connection=connection, kind="refresh")

    response = as_staff.post(url(connection), {"record": [record.external_id]})

    assert response.status_code == 400
    assert SyncRun.objects.count() == 1
    assert 'aria-label="Select Kowhai Cafe Limited" checked' in response.text


def test_choosing_skips_the_choice_with_one_connection(as_staff, connection):
    response = as_staff.get(reverse("sync:import"))

    assert response.status_code == 302
    assert response.url == url(connection)


def test_choosing_lists_each_active_connection(as_staff, firm, connection):
    other = ConnectionFactory(firm=firm, external_account_name="Second practice")
    ConnectionFactory(
        firm=firm, external_account_name="Gone practice", status=ConnectionStatus.DISCONNECTED
    )

    response = as_staff.get(reverse("sync:import"))

    assert f'href="{url(connection)}"' in response.text
    assert f'href="{url(other)}"' in response.text
    assert "Gone practice" not in response.text


def test_the_clients_list_offers_import_only_with_a_connection(as_staff, firm):
    import_link = f'href="{reverse("sync:import")}"'
    assert import_link not in as_staff.get(reverse("clients:list")).text

    ConnectionFactory(firm=firm)

    assert import_link in as_staff.get(reverse("clients:list")).text


def test_another_firms_connection_is_not_found(as_outsider, firm, connection):
    client = CompanyFactory(firm=firm, display_name="Totara Dental Limited")
    record = entry(connection, "Totara Dental Ltd")

    assert as_outsider.get(url(connection)).status_code == 404
    assert as_outsider.post(url(connection), {"everything": "on"}).status_code == 404
    linking = as_outsider.post(link_url(connection), {"one": f"{client.pk}:{record.external_id}"})
    assert linking.status_code == 404
    assert not Link.objects.exists()
    assert not SyncRun.objects.exists()


def test_an_inactive_connection_is_not_found(as_staff, connection):
    connection.status = ConnectionStatus.DISCONNECTED
    connection.save()

    assert as_staff.get(url(connection)).status_code == 404
