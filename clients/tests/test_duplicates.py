import datetime

import pytest
from django.core.cache import cache

from clients import selectors
from clients.selectors import client_duplicate_candidates, contact_duplicate_groups
from clients.services import client_update
from clients.tests.factories import CompanyFactory, IndividualFactory

BORN = datetime.date(1980, 5, 4)


@pytest.fixture(autouse=True)
def _empty_cache():
    cache.clear()


@pytest.fixture
def pair(firm):
    """Mere Tane entered twice, with different emails but the same date of birth."""
    return (
        IndividualFactory(
            firm=firm, first_name="Mere", last_name="Tane", display_name="Mere Tane",
            code="A1", date_of_birth=BORN, email="mere@old.example.com",
        ),
        IndividualFactory(
            firm=firm, first_name="Mere", last_name="Tane", display_name="Mere Tane",
            code="A7", date_of_birth=BORN, email="mere.tane@new.example.com",
        ),
    )  # fmt: skip


def test_groups_name_the_contacts_with_score_and_reasons(firm, pair):
    IndividualFactory(firm=firm, first_name="Hemi", last_name="Walker", display_name="Hemi W")

    [group] = contact_duplicate_groups(firm=firm)

    assert [contact.code for contact in group.clients] == ["A1", "A7"]
    assert group.score > 0.95
    assert "same date of birth" in group.reasons


def test_groups_leave_out_other_firms_archived_merged_and_entities(
    firm, other_firm, pair, admin_user
):
    twin = {"first_name": "Mere", "last_name": "Tane", "date_of_birth": BORN}
    IndividualFactory(firm=other_firm, **twin)
    archived = IndividualFactory(firm=firm, **twin, archived_at=datetime.datetime.now(datetime.UTC))
    IndividualFactory(firm=firm, **twin, merged_into=archived)
    CompanyFactory(firm=firm, display_name="Mere Tane")

    [group] = contact_duplicate_groups(firm=firm)

    assert {contact.pk for contact in group.clients} == {pair[0].pk, pair[1].pk}
    assert contact_duplicate_groups(firm=other_firm) == []


def test_groups_are_cached_until_a_contact_changes(firm, pair, admin_user, monkeypatch):
    calls = []
    find = selectors.duplicate_groups_find
    monkeypatch.setattr(
        selectors, "duplicate_groups_find", lambda *a, **kw: calls.append(1) or find(*a, **kw)
    )

    contact_duplicate_groups(firm=firm)
    contact_duplicate_groups(firm=firm)
    assert len(calls) == 1

    client_update(client=pair[1], acting_user=admin_user, first_name="Hemi", last_name="Walker")
    assert contact_duplicate_groups(firm=firm) == []
    assert len(calls) == 2


def test_duplicate_candidates_are_the_rest_of_the_group(firm, pair):
    lonely = IndividualFactory(firm=firm, first_name="Hemi", last_name="Walker")

    assert client_duplicate_candidates(client=pair[0]) == [pair[1]]
    assert client_duplicate_candidates(client=lonely) == []


def test_the_duplicates_page_shows_each_group_with_a_merge_button(as_staff, pair):
    response = as_staff.get("/clients/contacts/duplicates/")

    page = response.content.decode()
    assert response.status_code == 200
    assert "same date of birth" in page
    assert page.count("Mere Tane") >= 2
    assert f'name="contact" value="{pair[0].pk}"' in page
    assert f'name="contact" value="{pair[1].pk}"' in page
    assert ">Merge</button>" in page


def test_the_contacts_list_links_to_the_duplicates(as_staff):
    page = as_staff.get("/clients/contacts/").content.decode()

    assert 'href="/clients/contacts/duplicates/"' in page


def test_another_firm_sees_none_of_the_duplicates(as_outsider, pair):
    page = as_outsider.get("/clients/contacts/duplicates/").content.decode()

    assert "Mere Tane" not in page
    assert "No likely duplicates" in page
