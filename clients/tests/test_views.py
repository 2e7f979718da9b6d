import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.models import AuditEvent
from clients.models import Client, ClientKind, Relationship, RelationshipRole
from clients.tests.factories import CompanyFactory, IndividualFactory, RelationshipFactory


@pytest.fixture
def kauri(firm):
    return CompanyFactory(
        firm=firm, display_name="Kauri Builders Limited", code="KAU01", phone="+6493791234"
    )


@pytest.fixture
def mere(firm):
    return IndividualFactory(
        firm=firm, first_name="Mere", last_name="Tane", display_name="Mere Tane", code="TAN01"
    )


@pytest.fixture
def directorship(kauri, mere):
    return RelationshipFactory(entity=kauri, individual=mere, role=RelationshipRole.DIRECTOR)


def _company_form(**overrides) -> dict[str, str]:
    return {"kind": "company", "display_name": "Kauri Builders Limited", **overrides}


class TestPagesForMembers:
    @pytest.mark.parametrize(
        "url",
        [
            "/clients/",
            "/clients/?q=kauri&kind=company&status=all&sort=-code&page=2",
            "/clients/contacts/",
            "/clients/contacts/?q=tane",
            "/clients/new/",
            "/clients/new/?kind=individual",
        ],
    )
    def test_list_and_create_pages(self, as_staff, kauri, directorship, url):
        assert as_staff.get(url).status_code == 200

    @pytest.mark.parametrize("name", ["detail", "edit", "relationships"])
    def test_client_pages_of_an_entity_and_an_individual(
        self, as_staff, kauri, mere, directorship, name
    ):
        for client in (kauri, mere):
            response = as_staff.get(reverse(f"clients:{name}", args=[client.pk]))

            assert response.status_code == 200
            assert client.display_name in response.text

    def test_pages_need_a_signed_in_user(self, client, kauri):
        response = client.get(reverse("clients:detail", args=[kauri.pk]))

        assert response.status_code == 302
        assert "/accounts/login/" in response["Location"]


class TestAnotherFirmsClientIsNotFound:
    @pytest.mark.parametrize(
        ("name", "method"),
        [
            ("detail", "get"),
            ("edit", "get"),
            ("edit", "post"),
            ("relationships", "get"),
            ("relationship_create", "post"),
            ("archive", "post"),
            ("restore", "post"),
        ],
    )
    def test_every_client_url(self, as_outsider, kauri, name, method):
        url = reverse(f"clients:{name}", args=[kauri.pk])

        response = getattr(as_outsider, method)(url, {"display_name": "Taken over"})

        assert response.status_code == 404
        kauri.refresh_from_db()
        assert kauri.display_name == "Kauri Builders Limited"
        assert not kauri.is_archived

    def test_removing_a_relationship(self, as_outsider, directorship):
        url = reverse("clients:relationship_delete", args=[directorship.entity_id, directorship.pk])

        assert as_outsider.post(url).status_code == 404
        assert Relationship.objects.filter(pk=directorship.pk).exists()

    def test_the_lists_and_picker_show_none_of_them(self, as_outsider, kauri, mere, outsider):
        own = CompanyFactory(firm=outsider.membership.firm, display_name="Summit Own Limited")

        clients = as_outsider.get("/clients/?status=all").text
        contacts = as_outsider.get("/clients/contacts/").text
        picker = as_outsider.get(
            reverse("clients:relationships", args=[own.pk]), {"q": "mere"}
        ).text

        assert "Summit Own Limited" in clients
        assert "Kauri" not in clients
        assert "Mere Tane" not in contacts
        assert "Mere Tane" not in picker

    def test_cannot_relate_another_firms_individual(self, as_outsider, outsider, mere):
        own = CompanyFactory(firm=outsider.membership.firm)

        response = as_outsider.post(
            reverse("clients:relationship_create", args=[own.pk]),
            {"other": mere.pk, "role": RelationshipRole.DIRECTOR},
        )

        assert response.status_code == 200
        assert "Choose one of the search results." in response.text
        assert not Relationship.objects.exists()


class TestClientList:
    def test_search_finds_by_name_and_shows_phone_as_people_write_it(self, as_staff, kauri, mere):
        response = as_staff.get("/clients/", {"q": "kauri"})

        assert "Kauri Builders Limited" in response.text
        assert "09 379 1234" in response.text
        assert "Mere Tane" not in response.text

    def test_an_htmx_search_returns_only_the_results(self, as_staff, kauri, mere):
        response = as_staff.get(
            "/clients/",
            {"q": "tane"},
            headers={"HX-Request": "true", "HX-Target": "client-results"},
        )

        assert "Mere Tane" in response.text
        assert "Kauri" not in response.text
        assert "<html" not in response.text
        assert "HX-Request" in response["Vary"]

    def test_pages_of_fifty(self, as_staff, firm):
        CompanyFactory.create_batch(51, firm=firm)

        first = as_staff.get("/clients/")
        second = as_staff.get("/clients/", {"page": 2})

        assert first.context["page"].paginator.count == 51
        assert len(first.context["page"]) == 50
        assert len(second.context["page"]) == 1
        assert "Page 2 of 2" in second.text

    def test_bad_filter_values_fall_back_to_the_defaults(self, as_staff, kauri):
        response = as_staff.get("/clients/", {"kind": "x", "status": "x", "sort": "x", "page": "x"})

        assert response.status_code == 200
        assert list(response.context["page"]) == [kauri]

    def test_archived_filter(self, as_staff, kauri, mere):
        mere.archived_at = timezone.now()
        mere.save()

        active = as_staff.get("/clients/").text
        archived = as_staff.get("/clients/", {"status": "archived"}).text

        assert "Kauri" in active
        assert "Mere Tane" not in active
        assert "Mere Tane" in archived
        assert "Kauri" not in archived

    def test_sort_links_reverse_the_current_sort(self, as_staff, kauri):
        response = as_staff.get("/clients/", {"sort": "code", "q": "k"})

        assert response.context["sort_columns"]["code"] == {"next": "-code", "state": "ascending"}
        assert 'href="?sort=-code&amp;q=k"' in response.text


class TestContactList:
    def test_shows_each_persons_roles_grouped_by_entity(self, as_staff, directorship):
        RelationshipFactory(
            entity=directorship.entity,
            individual=directorship.individual,
            role=RelationshipRole.SHAREHOLDER,
        )

        response = as_staff.get("/clients/contacts/")

        assert "Mere Tane" in response.text
        assert 'Kauri Builders Limited</a> <span class="muted">(director, shareholder)' in (
            response.text
        )


class TestClientDetail:
    def test_links_only_to_web_addresses(self, as_staff, firm):
        site = CompanyFactory(firm=firm, website="https://kauri.example.com")
        script = CompanyFactory(firm=firm, website="javascript:alert(1)")

        site_page = as_staff.get(reverse("clients:detail", args=[site.pk])).text
        script_page = as_staff.get(reverse("clients:detail", args=[script.pk])).text

        assert '<a href="https://kauri.example.com"' in site_page
        assert 'href="javascript:' not in script_page
        assert "javascript:alert(1)" in script_page


class TestClientCreate:
    def test_without_a_kind_asks_for_one(self, as_staff):
        response = as_staff.get("/clients/new/")

        assert response.context.get("form") is None
        assert "Choose the kind of client" in response.text

    def test_the_fields_depend_on_the_kind(self, as_staff):
        company = as_staff.get("/clients/new/", {"kind": "company"}).context["form"]
        person = as_staff.get("/clients/new/", {"kind": "individual"}).context["form"]

        assert "first_name" not in company.fields
        assert {"first_name", "middle_name", "last_name", "preferred_name", "date_of_birth"} <= set(
            person.fields
        )

    def test_creates_a_company(self, as_staff, staff_user, firm):
        response = as_staff.post(
            "/clients/new/",
            _company_form(
                email="Office@Kauri.example.com",
                phone="09 379 1234",
                physical_line1="1 Queen Street",
                physical_city="Auckland",
                postal_same_as_physical="on",
            ),
        )

        client = Client.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("clients:detail", args=[client.pk])
        assert (client.firm, client.kind, client.created_by) == (firm, "company", staff_user)
        assert (client.email, client.phone) == ("office@kauri.example.com", "+6493791234")
        assert (client.postal_line1, client.postal_city) == ("1 Queen Street", "Auckland")

    def test_creates_an_individual_with_a_derived_name(self, as_staff):
        as_staff.post(
            "/clients/new/", {"kind": "individual", "first_name": "Mere", "last_name": "Tane"}
        )

        assert Client.objects.get().display_name == "Mere Tane"

    def test_a_bad_email_shows_the_field_error_and_writes_nothing(self, as_staff):
        response = as_staff.post("/clients/new/", _company_form(email="not-an-email"))

        assert response.status_code == 200
        assert response.context["form"].errors == {
            "email": ["Email: 'not-an-email' is not a valid email address."]
        }
        assert 'aria-invalid="true"' in response.text
        assert not Client.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_a_duplicate_code_is_shown_on_the_code_field(self, as_staff, kauri):
        response = as_staff.post("/clients/new/", _company_form(code="KAU01"))

        assert response.context["form"].errors == {
            "code": ["Client code: 'KAU01' is already used by Kauri Builders Limited."]
        }
        assert Client.objects.count() == 1

    def test_a_kind_outside_the_choices_starts_over(self, as_staff):
        response = as_staff.post("/clients/new/", {"kind": ClientKind.INDIVIDUAL + "x"})

        assert "Choose the kind of client" in response.text
        assert not Client.objects.exists()


class TestClientEdit:
    def test_shows_phone_numbers_as_people_write_them(self, as_staff, kauri):
        response = as_staff.get(reverse("clients:edit", args=[kauri.pk]))

        assert response.context["form"]["phone"].value() == "09 379 1234"

    def test_saves_and_says_so(self, as_staff, staff_user, kauri):
        url = reverse("clients:edit", args=[kauri.pk])

        response = as_staff.post(
            url, _company_form(code="KAU01", phone="021 555 1234"), follow=True
        )

        kauri.refresh_from_db()
        assert kauri.phone == "+64215551234"
        assert kauri.updated_by == staff_user
        assert "Saved the details of Kauri Builders Limited." in response.text
        assert AuditEvent.objects.get().changes["phone"] == ["+6493791234", "+64215551234"]

    def test_a_bad_email_is_shown_next_to_the_field_and_nothing_changes(self, as_staff, kauri):
        url = reverse("clients:edit", args=[kauri.pk])

        response = as_staff.post(url, _company_form(display_name="Renamed", email="nope"))

        assert response.status_code == 200
        assert "Email: &#x27;nope&#x27; is not a valid email address." in response.text
        assert "The client was not saved" in response.text
        kauri.refresh_from_db()
        assert kauri.display_name == "Kauri Builders Limited"
        assert not AuditEvent.objects.exists()


class TestRelationships:
    def test_the_picker_finds_individuals_for_an_entity(self, as_staff, kauri, mere):
        response = as_staff.get(
            reverse("clients:relationships", args=[kauri.pk]),
            {"q": "tane"},
            headers={"HX-Request": "true", "HX-Target": "relationship-candidates"},
        )

        assert list(response.context["candidates"]) == [mere]
        assert f'value="{mere.pk}"' in response.text
        assert "<html" not in response.text

    def test_the_picker_works_without_javascript(self, as_staff, kauri, mere):
        response = as_staff.get(reverse("clients:relationships", args=[mere.pk]), {"q": "kauri"})

        assert list(response.context["candidates"]) == [kauri]
        assert "<html" in response.text

    def test_add_an_individual_to_an_entity(self, as_staff, staff_user, kauri, mere):
        response = as_staff.post(
            reverse("clients:relationship_create", args=[kauri.pk]),
            {"other": mere.pk, "role": RelationshipRole.DIRECTOR},
            follow=True,
        )

        relationship = Relationship.objects.get()
        assert (relationship.entity, relationship.individual) == (kauri, mere)
        assert relationship.created_by == staff_user
        assert "Mere Tane is director of Kauri Builders Limited." in response.text

    def test_add_an_individual_to_an_entity_from_the_individuals_page(self, as_staff, kauri, mere):
        as_staff.post(
            reverse("clients:relationship_create", args=[mere.pk]),
            {"other": kauri.pk, "role": RelationshipRole.SHAREHOLDER},
        )

        relationship = Relationship.objects.get()
        assert (relationship.entity, relationship.individual) == (kauri, mere)

    def test_the_same_role_twice_is_explained(self, as_staff, directorship):
        response = as_staff.post(
            reverse("clients:relationship_create", args=[directorship.entity_id]),
            {"other": directorship.individual_id, "role": RelationshipRole.DIRECTOR, "q": "tane"},
        )

        assert "Mere Tane is already director of Kauri Builders Limited." in response.text
        assert list(response.context["candidates"]) == [directorship.individual]
        assert Relationship.objects.count() == 1

    def test_only_individuals_can_be_added_to_an_entity(self, as_staff, kauri, firm):
        other_company = CompanyFactory(firm=firm)

        response = as_staff.post(
            reverse("clients:relationship_create", args=[kauri.pk]),
            {"other": other_company.pk, "role": RelationshipRole.DIRECTOR},
        )

        assert response.context["form"].errors["other"] == ["Choose one of the search results."]
        assert not Relationship.objects.exists()

    def test_remove(self, as_staff, directorship):
        response = as_staff.post(
            reverse(
                "clients:relationship_delete", args=[directorship.individual_id, directorship.pk]
            ),
            follow=True,
        )

        assert not Relationship.objects.exists()
        assert "Removed: Mere Tane is director of Kauri Builders Limited." in response.text

    def test_remove_through_an_unrelated_client_is_not_found(self, as_staff, directorship, firm):
        bystander = CompanyFactory(firm=firm)

        response = as_staff.post(
            reverse("clients:relationship_delete", args=[bystander.pk, directorship.pk])
        )

        assert response.status_code == 404
        assert Relationship.objects.exists()

    def test_remove_needs_a_post(self, as_staff, directorship):
        url = reverse("clients:relationship_delete", args=[directorship.entity_id, directorship.pk])

        assert as_staff.get(url).status_code == 405
        assert Relationship.objects.exists()


class TestArchiveAndRestore:
    def test_archive_then_restore(self, as_staff, kauri):
        archived = as_staff.post(reverse("clients:archive", args=[kauri.pk]), follow=True)
        kauri.refresh_from_db()
        assert kauri.is_archived
        assert "Kauri Builders Limited was archived." in archived.text

        restored = as_staff.post(reverse("clients:restore", args=[kauri.pk]), follow=True)
        kauri.refresh_from_db()
        assert not kauri.is_archived
        assert "Kauri Builders Limited was restored." in restored.text

    def test_archiving_twice_says_why_nothing_happened(self, as_staff, kauri):
        kauri.archived_at = timezone.now()
        kauri.save()

        response = as_staff.post(reverse("clients:archive", args=[kauri.pk]), follow=True)

        assert "Kauri Builders Limited is already archived." in response.text
        assert not AuditEvent.objects.exists()

    def test_archive_needs_a_post(self, as_staff, kauri):
        assert as_staff.get(reverse("clients:archive", args=[kauri.pk])).status_code == 405
