import pytest
from django.core.cache import cache
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from accounts.models import AuditEvent
from clients.tests.factories import CompanyFactory, IndividualFactory
from integrations.tests.factories import ConnectionFactory
from sync.models import Link
from sync.suggestions import link_suggestions, link_suggestions_accept
from sync.tests.factories import DirectoryEntryFactory, LinkFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def connection(firm):
    return ConnectionFactory(firm=firm)


def entry(connection, name, kind="company", **fields):
    return DirectoryEntryFactory(
        connection=connection, display_name=name, kind=kind, fields={"display_name": name, **fields}
    )


def suggested(firm, connection, **kwargs):
    return [
        (s.client.display_name, s.entry.display_name)
        for s in link_suggestions(firm=firm, connection=connection, **kwargs)
    ]


def test_each_client_gets_its_best_record_best_score_first(firm, connection):
    CompanyFactory(firm=firm, display_name="Totara Dental Limited")
    CompanyFactory(firm=firm, display_name="Kauri Builders Ltd", email="jobs@kauri.example")
    entry(connection, "Totara Plumbing Ltd")
    entry(connection, "Totara Dental Ltd")
    entry(connection, "Kauri Builders", email="jobs@kauri.example")

    suggestions = link_suggestions(firm=firm, connection=connection)

    assert [(s.client.display_name, s.entry.display_name) for s in suggestions] == [
        ("Kauri Builders Ltd", "Kauri Builders"),
        ("Totara Dental Limited", "Totara Dental Ltd"),
    ]
    assert suggestions[0].score > suggestions[1].score
    assert suggestions[0].explanation == "same email; name 100%"


def test_a_weak_resemblance_is_not_suggested(firm, connection):
    CompanyFactory(firm=firm, display_name="Totara Dental Limited")
    entry(connection, "Totora Dental")  # name 91%: about 0.83

    assert suggested(firm, connection) == []
    assert suggested(firm, connection, min_score=0.8) == [
        ("Totara Dental Limited", "Totora Dental")
    ]


def test_linked_archived_and_merged_clients_and_linked_records_are_left_out(firm, connection):
    linked = CompanyFactory(firm=firm, display_name="Kauri Builders Ltd")
    LinkFactory(connection=connection, client=linked, external_id="elsewhere")
    entry(connection, "Kauri Builders Ltd")
    CompanyFactory(firm=firm, display_name="Rimu Cafe Ltd", archived_at="2026-01-01T00:00Z")
    entry(connection, "Rimu Cafe Ltd")
    survivor = IndividualFactory(firm=firm, first_name="Aroha", last_name="Ngata")
    IndividualFactory(firm=firm, first_name="Aroha", last_name="Ngata", merged_into=survivor)
    taken = entry(connection, "Matai Farms Ltd")
    CompanyFactory(firm=firm, display_name="Matai Farms Ltd")
    LinkFactory(
        connection=connection,
        client=CompanyFactory(firm=firm, display_name="Matai Farming Co"),
        external_id=taken.external_id,
    )
    entry(connection, "Aroha Ngata", kind="individual")

    assert suggested(firm, connection) == [("Aroha Ngata", "Aroha Ngata")]
    assert link_suggestions(firm=firm, connection=connection)[0].client == survivor


def test_kinds_must_agree(firm, connection):
    CompanyFactory(firm=firm, display_name="Aroha Ngata")
    entry(connection, "Aroha Ngata", kind="individual")

    assert suggested(firm, connection) == []


def test_a_record_is_suggested_once_to_the_client_it_fits_best(firm, connection):
    CompanyFactory(firm=firm, display_name="Totara Dental Ltd", email="hi@td.example")
    CompanyFactory(firm=firm, display_name="Totara Dental Ltd")
    entry(connection, "Totara Dental Ltd", email="hi@td.example")

    suggestions = link_suggestions(firm=firm, connection=connection)

    assert len(suggestions) == 1
    assert suggestions[0].client.email == "hi@td.example"


def test_a_client_unlinked_after_ranking_is_ranked_again(firm, connection, admin_user):
    client = CompanyFactory(firm=firm, display_name="Totara Dental Ltd")
    record = entry(connection, "Totara Dental Ltd")
    link = LinkFactory(connection=connection, client=client, external_id=record.external_id)
    assert suggested(firm, connection) == []

    link.delete()

    assert suggested(firm, connection) == [("Totara Dental Ltd", "Totara Dental Ltd")]


def test_another_firms_clients_and_connections_are_never_suggested(firm, other_firm, connection):
    CompanyFactory(firm=other_firm, display_name="Totara Dental Ltd")
    entry(connection, "Totara Dental Ltd")
    CompanyFactory(firm=firm, display_name="Kauri Builders Ltd")
    theirs = ConnectionFactory(firm=other_firm)
    entry(theirs, "Kauri Builders Ltd")

    assert suggested(firm, connection) == []
    assert suggested(firm, theirs) == []


def test_accepting_links_each_and_reports_refusals_without_undoing_the_others(
    firm, other_firm, connection, staff_user
):
    dental = CompanyFactory(firm=firm, display_name="Totara Dental Ltd")
    person = CompanyFactory(firm=firm, display_name="Aroha Ngata")
    kauri = CompanyFactory(firm=firm, display_name="Kauri Builders Ltd")
    outsider = CompanyFactory(firm=other_firm, display_name="Rimu Cafe Ltd")
    dental_record = entry(connection, "Totara Dental Ltd")
    person_record = entry(connection, "Aroha Ngata", kind="individual")
    kauri_record = entry(connection, "Kauri Builders Ltd")
    rimu_record = entry(connection, "Rimu Cafe Ltd")

    outcomes = link_suggestions_accept(
        firm=firm,
        connection=connection,
        accepted=[
            (dental.pk, dental_record.external_id),
            (person.pk, person_record.external_id),
            (outsider.pk, rimu_record.external_id),
            (kauri.pk, kauri_record.external_id),
        ],
        acting_user=staff_user,
    )

    assert [bool(o.link) for o in outcomes] == [True, False, False, True]
    assert "compatible type" in outcomes[1].refusal
    assert outcomes[2].refusal == f"This practice has no client with the id {outsider.pk}."
    assert outcomes[2].client is None
    assert set(Link.objects.values_list("client__display_name", flat=True)) == {
        "Totara Dental Ltd",
        "Kauri Builders Ltd",
    }
    assert AuditEvent.objects.filter(action="link.create").count() == 2


def test_accepting_a_record_taken_a_moment_ago_is_refused(firm, connection, staff_user):
    first = CompanyFactory(firm=firm, display_name="Totara Dental Ltd")
    second = CompanyFactory(firm=firm, display_name="Totara Dental Limited")
    record = entry(connection, "Totara Dental Ltd")

    outcomes = link_suggestions_accept(
        firm=firm,
        connection=connection,
        accepted=[(first.pk, record.external_id), (second.pk, record.external_id)],
        acting_user=staff_user,
    )

    assert outcomes[0].link.client == first
    assert outcomes[1].refusal == (
        "“Totara Dental Ltd” in Xero Practice Manager is already linked to Totara Dental Ltd."
    )


def test_the_queries_do_not_grow_with_the_clients(firm, connection):
    def queries_suggesting(expected):
        cache.clear()
        with CaptureQueriesContext(db_connection) as queries:
            assert len(link_suggestions(firm=firm, connection=connection)) == expected
        return len(queries)

    CompanyFactory(firm=firm, display_name="Totara Dental Ltd")
    entry(connection, "Totara Dental Ltd")
    for_one = queries_suggesting(1)
    for name in ("Kauri Builders Ltd", "Rimu Cafe Ltd", "Matai Farms Ltd"):
        CompanyFactory(firm=firm, display_name=name)
        entry(connection, name)

    assert queries_suggesting(4) == for_one


def test_a_client_linked_elsewhere_since_ranking_leaves_its_record_to_the_next(firm, connection):
    best = CompanyFactory(firm=firm, display_name="Totara Dental Ltd", email="hi@td.example")
    next_best = CompanyFactory(firm=firm, display_name="Totara Dental Ltd")
    entry(connection, "Totara Dental Ltd", email="hi@td.example")
    assert [s.client for s in link_suggestions(firm=firm, connection=connection)] == [best]

    LinkFactory(connection=connection, client=best, external_id="another")

    assert [s.client for s in link_suggestions(firm=firm, connection=connection)] == [next_best]
