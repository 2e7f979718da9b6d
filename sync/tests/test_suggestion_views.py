import pytest
from django.urls import reverse
from django.utils import timezone

from clients.tests.factories import CompanyFactory, IndividualFactory
from integrations.models import ConnectionStatus, Directory
from integrations.tests.factories import ConnectionFactory
from sync.models import Link
from sync.tests.factories import DirectoryEntryFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(firm):
    connection = ConnectionFactory(firm=firm)
    # Just refreshed, so no view here calls out to XPM.
    Directory.objects.create(
        connection=connection, refreshed_at=timezone.now(), refreshed_through=timezone.now()
    )
    return connection


def url(connection):
    return reverse("sync:suggested_links", args=[connection.pk])


def entry(connection, name, kind="company"):
    return DirectoryEntryFactory(connection=connection, display_name=name, kind=kind)


def test_lists_each_suggestion_with_its_score_and_reasons(as_staff, firm, connection):
    client = CompanyFactory(firm=firm, display_name="Totara Dental Limited")
    record = entry(connection, "Totara Dental Ltd")

    response = as_staff.get(url(connection))

    assert response.status_code == 200
    assert [s.client for s in response.context["page"]] == [client]
    assert f'value="{client.pk}:{record.external_id}"' in response.text
    assert "name 100%" in response.text
    assert "97%" in response.text


def test_link_on_a_row_with_htmx_swaps_the_row_for_linked(as_staff, firm, connection):
    client = CompanyFactory(firm=firm, display_name="Totara Dental Limited")
    record = entry(connection, "Totara Dental Ltd")

    response = as_staff.post(
        url(connection), {"one": f"{client.pk}:{record.external_id}"}, HTTP_HX_REQUEST="true"
    )

    assert response.status_code == 200
    assert "<strong>Linked</strong> to “Totara Dental Ltd”" in response.text
    assert "<html" not in response.text
    assert Link.objects.get().client == client


def test_link_selected_reports_each_row_and_keeps_what_linked(as_staff, firm, connection):
    dental = CompanyFactory(firm=firm, display_name="Totara Dental Limited")
    person = CompanyFactory(firm=firm, display_name="Aroha Ngata")
    dental_record = entry(connection, "Totara Dental Ltd")
    person_record = entry(connection, "Aroha Ngata", kind="individual")

    response = as_staff.post(
        url(connection),
        {
            "suggestion": [
                f"{dental.pk}:{dental_record.external_id}",
                f"{person.pk}:{person_record.external_id}",
            ]
        },
    )

    assert response.status_code == 200
    assert "Totara Dental Limited: Linked to “Totara Dental Ltd”" in response.text
    assert "a client links only to a record of a compatible type" in response.text
    assert list(Link.objects.values_list("client", flat=True)) == [dental.pk]
    assert list(response.context["page"]) == []


def test_link_selected_with_nothing_ticked_says_so(as_staff, connection):
    response = as_staff.post(url(connection), {})

    assert response.status_code == 400
    assert "Tick the suggestions to link first." in response.text


def test_another_firms_client_in_the_post_is_refused_without_effect(
    as_staff, connection, other_firm
):
    theirs = IndividualFactory(firm=other_firm, first_name="Aroha", last_name="Ngata")
    record = entry(connection, "Aroha Ngata", kind="individual")

    response = as_staff.post(url(connection), {"suggestion": f"{theirs.pk}:{record.external_id}"})

    assert f"This practice has no client with the id {theirs.pk}." in response.text
    assert not Link.objects.exists()


def test_another_firms_connection_is_not_found(as_outsider, connection):
    assert as_outsider.get(url(connection)).status_code == 404
    assert as_outsider.post(url(connection), {"suggestion": "1:x"}).status_code == 404


def test_an_inactive_connection_is_not_found(as_staff, connection):
    connection.status = ConnectionStatus.DISCONNECTED
    connection.save()

    assert as_staff.get(url(connection)).status_code == 404


def test_the_clients_list_and_practice_management_tab_lead_here(as_staff, firm, connection):
    client = CompanyFactory(firm=firm)
    link = f'href="{url(connection)}"'

    assert link in as_staff.get(reverse("clients:list")).text
    assert link in as_staff.get(reverse("sync:practice_management", args=[client.pk])).text


def test_without_an_active_connection_the_clients_list_offers_no_suggestions(as_staff, connection):
    connection.status = ConnectionStatus.NEEDS_REAUTHORISATION
    connection.save()

    assert "Suggested links" not in as_staff.get(reverse("clients:list")).text
