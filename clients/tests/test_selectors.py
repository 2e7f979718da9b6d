import datetime

import pytest
from django.http import Http404
from django.utils import timezone

from clients.models import ClientKind, Relationship, RelationshipRole
from clients.selectors import (
    client_get,
    client_list,
    client_relationships,
    contact_list,
    relationship_candidates,
    relationship_get,
)
from clients.tests.factories import CompanyFactory, IndividualFactory, RelationshipFactory


def _names(clients) -> list[str]:
    return [client.display_name for client in clients]


@pytest.fixture
def kauri(firm):
    return CompanyFactory(
        firm=firm,
        display_name="Kauri Builders Limited",
        code="KAU01",
        email="office@kauri.example.com",
        phone="+6493791234",
    )


@pytest.fixture
def mere(firm):
    return IndividualFactory(
        firm=firm,
        first_name="Mere",
        last_name="Tane",
        display_name="Mere Tane",
        code="TAN01",
        email="mere@mail.example.com",
        mobile="+64215551234",
    )


class TestClientGet:
    def test_another_firms_client_is_not_found(self, kauri, other_firm):
        with pytest.raises(Http404):
            client_get(firm=other_firm, pk=kauri.pk)

    def test_finds_the_firms_client(self, kauri, firm):
        assert client_get(firm=firm, pk=kauri.pk) == kauri


class TestClientListSearch:
    @pytest.mark.parametrize(
        "search",
        ["kauri", "KAURI builders", "builders kauri", "kau01", "office@kauri", "KAURI.EXAMPLE"],
    )
    def test_finds_by_name_code_or_email_in_any_case(self, firm, kauri, mere, search):
        assert _names(client_list(firm=firm, search=search)) == ["Kauri Builders Limited"]

    @pytest.mark.parametrize(
        "search", ["021 555 1234", "021-555-1234", "+64 21 555 1234", "(021) 5551234", "555 1234"]
    )
    def test_finds_a_phone_number_however_it_is_typed(self, firm, kauri, mere, search):
        assert _names(client_list(firm=firm, search=search)) == ["Mere Tane"]

    def test_finds_a_landline_typed_in_national_format(self, firm, kauri, mere):
        assert _names(client_list(firm=firm, search="09 379 1234")) == ["Kauri Builders Limited"]

    def test_a_number_in_a_code_is_still_found_as_typed(self, firm, kauri):
        numbered = CompanyFactory(firm=firm, display_name="Numbered Limited", code="0012345")

        assert _names(client_list(firm=firm, search="0012345")) == [numbered.display_name]

    def test_no_match_is_empty(self, firm, kauri, mere):
        assert not client_list(firm=firm, search="zebra").exists()

    def test_like_wildcards_are_taken_literally(self, firm, kauri):
        assert not client_list(firm=firm, search="%").exists()
        assert not client_list(firm=firm, search="k_uri").exists()

    def test_never_lists_another_firms_clients(self, firm, other_firm, kauri):
        CompanyFactory(firm=other_firm, display_name="Kauri Timber Limited")

        assert _names(client_list(firm=firm)) == ["Kauri Builders Limited"]
        assert _names(client_list(firm=other_firm, search="kauri")) == ["Kauri Timber Limited"]


class TestClientListFilters:
    def test_kind(self, firm, kauri, mere):
        assert _names(client_list(firm=firm, kind=ClientKind.INDIVIDUAL)) == ["Mere Tane"]

    def test_active_archived_and_all(self, firm, kauri, mere):
        mere.archived_at = timezone.now()
        mere.save()

        assert _names(client_list(firm=firm)) == ["Kauri Builders Limited"]
        assert _names(client_list(firm=firm, archived=True)) == ["Mere Tane"]
        assert _names(client_list(firm=firm, archived=None)) == [
            "Kauri Builders Limited",
            "Mere Tane",
        ]


class TestClientListSort:
    @pytest.fixture
    def clients(self, firm):
        now = timezone.now()
        made = [
            CompanyFactory(firm=firm, display_name="beta Trust", code="B2", kind=ClientKind.TRUST),
            CompanyFactory(firm=firm, display_name="Alpha Limited", code="C3"),
            IndividualFactory(firm=firm, display_name="Gamma Person", code="A1"),
        ]
        # auto_now sets updated_at on save; a queryset update sets a known order.
        for days, client in zip((3, 1, 2), made, strict=True):
            type(client).objects.filter(pk=client.pk).update(
                updated_at=now - datetime.timedelta(days=days)
            )
        return made

    @pytest.mark.parametrize(
        ("sort", "expected"),
        [
            ("name", ["Alpha Limited", "beta Trust", "Gamma Person"]),
            ("-name", ["Gamma Person", "beta Trust", "Alpha Limited"]),
            ("code", ["Gamma Person", "beta Trust", "Alpha Limited"]),
            ("kind", ["Alpha Limited", "Gamma Person", "beta Trust"]),
            ("updated", ["Alpha Limited", "Gamma Person", "beta Trust"]),
            ("-updated", ["beta Trust", "Gamma Person", "Alpha Limited"]),
            ("nonsense", ["Alpha Limited", "beta Trust", "Gamma Person"]),
        ],
    )
    def test_sorts(self, firm, clients, sort, expected):
        assert _names(client_list(firm=firm, sort=sort)) == expected

    def test_loads_only_the_list_columns(self, firm, clients):
        deferred = client_list(firm=firm).first().get_deferred_fields()

        assert {"notes", "physical_line1", "tax_number"} <= deferred
        assert "display_name" not in deferred


class TestContactList:
    def test_lists_individuals_with_their_entities_in_two_queries(
        self, firm, kauri, mere, django_assert_num_queries
    ):
        trust = CompanyFactory(firm=firm, kind=ClientKind.TRUST, display_name="Tane Family Trust")
        RelationshipFactory(entity=kauri, individual=mere, role=RelationshipRole.DIRECTOR)
        RelationshipFactory(entity=trust, individual=mere, role=RelationshipRole.TRUSTEE)
        IndividualFactory(firm=firm, display_name="Aroha Lonely")

        with django_assert_num_queries(2):
            rows = [
                (contact.display_name, [str(link) for link in contact.entity_links.all()])
                for contact in contact_list(firm=firm)
            ]

        assert rows == [
            ("Aroha Lonely", []),
            (
                "Mere Tane",
                [
                    "Mere Tane is director of Kauri Builders Limited",
                    "Mere Tane is trustee of Tane Family Trust",
                ],
            ),
        ]

    def test_searches_like_the_client_list(self, firm, kauri, mere):
        assert _names(contact_list(firm=firm, search="tane")) == ["Mere Tane"]
        assert not contact_list(firm=firm, search="kauri").exists()


class TestRelationships:
    def test_an_entity_sees_its_people_and_a_person_their_entities(self, firm, kauri, mere):
        relationship = RelationshipFactory(entity=kauri, individual=mere)

        assert list(client_relationships(client=kauri)) == [relationship]
        assert list(client_relationships(client=mere)) == [relationship]

    def test_relationship_get_only_finds_the_clients_own(self, firm, kauri, mere):
        relationship = RelationshipFactory(entity=kauri, individual=mere)
        bystander = CompanyFactory(firm=firm)

        assert relationship_get(client=kauri, pk=relationship.pk) == relationship
        with pytest.raises(Http404):
            relationship_get(client=bystander, pk=relationship.pk)

    def test_candidates_are_active_clients_of_the_other_kind_in_the_firm(
        self, firm, other_firm, kauri, mere
    ):
        IndividualFactory(firm=firm, display_name="Mere Archived", archived_at=timezone.now())
        IndividualFactory(firm=other_firm, display_name="Mere Elsewhere")
        CompanyFactory(firm=firm, display_name="Mere Holdings Limited")

        assert _names(relationship_candidates(client=kauri, search="mere")) == ["Mere Tane"]
        assert _names(relationship_candidates(client=mere, search="mere")) == [
            "Mere Holdings Limited"
        ]
        assert not Relationship.objects.exists()
