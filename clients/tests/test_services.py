import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from clients.exceptions import (
    ClientStateError,
    RelationshipExistsError,
    RelationshipFirmError,
    RelationshipKindError,
)
from clients.models import Client, ClientKind, Relationship, RelationshipRole
from clients.services import (
    client_archive,
    client_create,
    client_restore,
    client_update,
    relationship_create,
    relationship_delete,
)
from clients.tests.factories import CompanyFactory, IndividualFactory, RelationshipFactory


def _messages(error: ValidationError) -> dict[str, list[str]]:
    return error.value.message_dict


class TestClientCreate:
    def test_creates_a_company_with_normalised_values(self, firm, staff_user):
        client = client_create(
            firm=firm,
            acting_user=staff_user,
            kind=ClientKind.COMPANY,
            display_name="  Kauri Builders Limited ",
            email=" Office@Kauri.Example.COM ",
            phone="09 379 1234",
            mobile="021 555 1234",
            website="kauri.example.com",
            code="KAU01",
        )

        client.refresh_from_db()
        assert client.display_name == "Kauri Builders Limited"
        assert client.email == "office@kauri.example.com"
        assert client.phone == "+6493791234"
        assert client.mobile == "+64215551234"
        assert client.website == "https://kauri.example.com"
        assert client.created_by == staff_user
        assert client.updated_by == staff_user
        assert client.search_text == (
            "kauri builders limited kau01 office@kauri.example.com +6493791234 +64215551234"
        )

    def test_reads_numbers_without_a_country_code_in_the_configured_region(
        self, firm, staff_user, settings
    ):
        settings.PHONE_DEFAULT_REGION = "AU"

        client = client_create(
            firm=firm,
            acting_user=staff_user,
            kind=ClientKind.COMPANY,
            display_name="Wattle Pty Ltd",
            phone="(02) 9876 5432",
            mobile="0412 345 678",
        )

        assert (client.phone, client.mobile) == ("+61298765432", "+61412345678")

    def test_keeps_a_number_with_its_own_country_code(self, firm, staff_user):
        client = client_create(
            firm=firm,
            acting_user=staff_user,
            kind=ClientKind.COMPANY,
            display_name="Trans-Tasman Limited",
            phone="+61 412 345 678",
        )

        assert client.phone == "+61412345678"

    @pytest.mark.parametrize(
        ("field", "value", "message"),
        [
            ("phone", "12ab", "Phone: '12ab' is not a valid phone number."),
            ("mobile", "021", "Mobile: '021' is not a valid phone number."),
            ("email", "not-an-email", "Email: 'not-an-email' is not a valid email address."),
            ("website", "not a site", "Website: 'not a site' is not a valid web address."),
            # A % in the value is text, never a format directive.
            ("email", "100%@x", "Email: '100%@x' is not a valid email address."),
            ("website", "50% off", "Website: '50% off' is not a valid web address."),
        ],
    )
    def test_a_bad_value_is_refused_with_a_message_naming_the_field(
        self, firm, staff_user, field, value, message
    ):
        with pytest.raises(ValidationError) as error:
            client_create(
                firm=firm,
                acting_user=staff_user,
                kind=ClientKind.COMPANY,
                display_name="Kauri Builders Limited",
                **{field: value},
            )

        assert _messages(error) == {field: [message]}
        assert not Client.objects.exists()
        assert not AuditEvent.objects.exists()

    def test_reports_every_bad_field_at_once(self, firm, staff_user):
        with pytest.raises(ValidationError) as error:
            client_create(
                firm=firm,
                acting_user=staff_user,
                kind=ClientKind.COMPANY,
                display_name="Kauri Builders Limited",
                email="nope",
                phone="12ab",
            )

        assert set(_messages(error)) == {"email", "phone"}

    def test_a_model_rule_message_names_the_field_too(self, firm, staff_user):
        with pytest.raises(ValidationError) as error:
            client_create(
                firm=firm,
                acting_user=staff_user,
                kind=ClientKind.COMPANY,
                display_name="Kauri Builders Limited",
                code="C" * 41,
            )

        assert _messages(error)["code"][0].startswith("Client code: Ensure this value has")

    def test_a_company_needs_a_name(self, firm, staff_user):
        with pytest.raises(ValidationError) as error:
            client_create(firm=firm, acting_user=staff_user, kind=ClientKind.COMPANY)

        assert _messages(error) == {"display_name": ["Name: enter the client's name."]}

    def test_an_individual_needs_a_first_or_last_name(self, firm, staff_user):
        with pytest.raises(ValidationError) as error:
            client_create(firm=firm, acting_user=staff_user, kind=ClientKind.INDIVIDUAL)

        assert _messages(error) == {
            "first_name": ["First name: enter a first name or a last name."]
        }

    def test_an_unknown_kind_is_refused(self, firm, staff_user):
        with pytest.raises(ValidationError) as error:
            client_create(firm=firm, acting_user=staff_user, kind="society", display_name="X")

        assert _messages(error)["kind"][0].startswith("Kind: 'society' is not one of company")

    def test_only_individuals_have_personal_fields(self, firm, staff_user):
        with pytest.raises(ValidationError) as error:
            client_create(
                firm=firm,
                acting_user=staff_user,
                kind=ClientKind.TRUST,
                display_name="Smith Family Trust",
                first_name="John",
            )

        assert _messages(error) == {
            "first_name": ["First name: only an individual client has this."]
        }

    @pytest.mark.parametrize(
        ("names", "display_name"),
        [
            ({"first_name": "Mere", "last_name": "Tane"}, "Mere Tane"),
            (
                {"first_name": "Robert", "middle_name": "James", "last_name": "Smith"},
                "Robert James Smith",
            ),
            (
                {"first_name": "Robert", "preferred_name": "Bob", "last_name": "Smith"},
                "Robert (Bob) Smith",
            ),
            ({"first_name": "Ana", "preferred_name": "Ana", "last_name": "Lee"}, "Ana Lee"),
            ({"last_name": "Cher"}, "Cher"),
        ],
    )
    def test_an_individuals_display_name_comes_from_its_names(
        self, firm, staff_user, names, display_name
    ):
        client = client_create(
            firm=firm, acting_user=staff_user, kind=ClientKind.INDIVIDUAL, **names
        )

        assert client.display_name == display_name

    def test_a_given_display_name_wins(self, firm, staff_user):
        client = client_create(
            firm=firm,
            acting_user=staff_user,
            kind=ClientKind.INDIVIDUAL,
            first_name="Robert",
            last_name="Smith",
            display_name="Dr Bob Smith",
        )

        assert client.display_name == "Dr Bob Smith"

    def test_a_date_of_birth_in_the_future_is_refused(self, firm, staff_user):
        tomorrow = timezone.localdate() + datetime.timedelta(days=1)

        with pytest.raises(ValidationError) as error:
            client_create(
                firm=firm,
                acting_user=staff_user,
                kind=ClientKind.INDIVIDUAL,
                first_name="Future",
                date_of_birth=tomorrow,
            )

        assert _messages(error) == {"date_of_birth": ["Date of birth: cannot be in the future."]}

    def test_a_client_code_is_unique_within_the_firm(self, firm, other_firm, staff_user):
        CompanyFactory(firm=firm, code="ACME", display_name="Acme Limited")
        CompanyFactory(firm=other_firm, code="KAU01")

        with pytest.raises(ValidationError) as error:
            client_create(
                firm=firm,
                acting_user=staff_user,
                kind=ClientKind.COMPANY,
                display_name="Acme Holdings",
                code="ACME",
            )
        other_firms_code = client_create(
            firm=firm,
            acting_user=staff_user,
            kind=ClientKind.COMPANY,
            display_name="K",
            code="KAU01",
        )

        assert _messages(error) == {
            "code": ["Client code: 'ACME' is already used by Acme Limited."]
        }
        assert other_firms_code.code == "KAU01"

    def test_writes_an_audit_row(self, firm, staff_user):
        client = client_create(
            firm=firm,
            acting_user=staff_user,
            kind=ClientKind.COMPANY,
            display_name="Kauri Builders Limited",
            email="office@kauri.example.com",
        )

        event = AuditEvent.objects.get()
        assert (event.firm, event.actor, event.action) == (firm, staff_user, "client.create")
        assert event.target_id == str(client.pk)
        assert event.changes == {
            "kind": [None, "company"],
            "display_name": [None, "Kauri Builders Limited"],
            "email": [None, "office@kauri.example.com"],
        }


class TestClientUpdate:
    def test_changes_the_given_fields_and_records_what_changed(self, firm, staff_user, admin_user):
        client = CompanyFactory(firm=firm, email="old@kauri.example.com", created_by=admin_user)

        client_update(client=client, acting_user=staff_user, email="New@Kauri.Example.com")

        client.refresh_from_db()
        assert client.email == "new@kauri.example.com"
        assert client.updated_by == staff_user
        assert client.created_by == admin_user
        event = AuditEvent.objects.get(action="client.update")
        assert event.actor == staff_user
        assert event.changes == {"email": ["old@kauri.example.com", "new@kauri.example.com"]}

    def test_an_unchanged_save_writes_nothing(self, firm, staff_user):
        client = CompanyFactory(firm=firm, phone="+6493791234")

        client_update(client=client, acting_user=staff_user, phone="09 379 1234")

        assert not AuditEvent.objects.exists()

    def test_a_bad_value_changes_nothing_in_the_database_or_the_object(self, firm, staff_user):
        client = CompanyFactory(firm=firm, display_name="Kauri Builders Limited", phone="")
        other = CompanyFactory(firm=firm, code="TAKEN")

        with pytest.raises(ValidationError) as error:
            client_update(
                client=client, acting_user=staff_user, display_name="Renamed", code=other.code
            )

        assert set(_messages(error)) == {"code"}
        assert client.display_name == "Kauri Builders Limited"
        client.refresh_from_db()
        assert client.display_name == "Kauri Builders Limited"
        assert not AuditEvent.objects.exists()

    def test_keeping_its_own_code_is_not_a_duplicate(self, firm, staff_user):
        client = CompanyFactory(firm=firm, code="KAU01")

        client_update(client=client, acting_user=staff_user, code="KAU01", notes="Busy in March")

        client.refresh_from_db()
        assert client.notes == "Busy in March"

    def test_the_kind_cannot_change(self, firm, staff_user):
        client = IndividualFactory(firm=firm)

        with pytest.raises(ValidationError) as error:
            client_update(client=client, acting_user=staff_user, kind=ClientKind.COMPANY)

        assert list(_messages(error)) == ["kind"]

    def test_a_derived_display_name_follows_the_names(self, firm, staff_user):
        client = client_create(
            firm=firm,
            acting_user=staff_user,
            kind=ClientKind.INDIVIDUAL,
            first_name="Mere",
            last_name="Tane",
        )

        client_update(
            client=client, acting_user=staff_user, display_name="Mere Tane", last_name="Parata"
        )

        assert client.display_name == "Mere Parata"

    def test_a_customised_display_name_stays(self, firm, staff_user):
        client = client_create(
            firm=firm,
            acting_user=staff_user,
            kind=ClientKind.INDIVIDUAL,
            first_name="Robert",
            last_name="Smith",
            display_name="Dr Bob Smith",
        )

        client_update(client=client, acting_user=staff_user, first_name="Rob")

        assert client.display_name == "Dr Bob Smith"

    def test_clearing_the_display_name_derives_it_again(self, firm, staff_user):
        client = IndividualFactory(
            firm=firm, first_name="Robert", last_name="Smith", display_name="Dr Bob Smith"
        )

        client_update(client=client, acting_user=staff_user, display_name="")

        assert client.display_name == "Robert Smith"


class TestArchiveAndRestore:
    def test_archive_then_restore(self, firm, staff_user):
        client = CompanyFactory(firm=firm)

        client_archive(client=client, acting_user=staff_user)
        client.refresh_from_db()
        assert client.is_archived
        assert client.updated_by == staff_user

        client_restore(client=client, acting_user=staff_user)
        client.refresh_from_db()
        assert not client.is_archived

        actions = list(AuditEvent.objects.order_by("id").values_list("action", flat=True))
        assert actions == ["client.archive", "client.restore"]

    def test_archiving_twice_is_refused(self, firm, staff_user):
        client = CompanyFactory(firm=firm, archived_at=timezone.now())

        with pytest.raises(ClientStateError, match="already archived"):
            client_archive(client=client, acting_user=staff_user)

    def test_restoring_an_active_client_is_refused(self, firm, staff_user):
        client = CompanyFactory(firm=firm)

        with pytest.raises(ClientStateError, match="is not archived"):
            client_restore(client=client, acting_user=staff_user)


class TestRelationships:
    def test_an_individual_becomes_director_of_a_company(self, firm, staff_user):
        company = CompanyFactory(firm=firm, display_name="Kauri Builders Limited")
        person = IndividualFactory(firm=firm, display_name="Mere Tane")

        relationship = relationship_create(
            entity=company,
            individual=person,
            role=RelationshipRole.DIRECTOR,
            acting_user=staff_user,
        )

        assert (relationship.firm, relationship.created_by) == (firm, staff_user)
        assert str(relationship) == "Mere Tane is director of Kauri Builders Limited"
        event = AuditEvent.objects.get()
        assert event.action == "relationship.create"
        assert event.changes["role"] == "director"

    def test_the_entity_must_be_a_company_trust_or_partnership(self, firm, staff_user):
        first, second = IndividualFactory.create_batch(2, firm=firm)

        with pytest.raises(RelationshipKindError) as error:
            relationship_create(
                entity=first,
                individual=second,
                role=RelationshipRole.CONTACT,
                acting_user=staff_user,
            )

        assert error.value.field == "entity"
        assert "only a company, trust or partnership" in error.value.message

    def test_the_person_must_be_an_individual(self, firm, staff_user):
        company, other_company = CompanyFactory.create_batch(2, firm=firm)

        with pytest.raises(RelationshipKindError) as error:
            relationship_create(
                entity=company,
                individual=other_company,
                role=RelationshipRole.SHAREHOLDER,
                acting_user=staff_user,
            )

        assert error.value.field == "individual"

    def test_both_must_belong_to_the_same_firm(self, firm, other_firm, staff_user):
        company = CompanyFactory(firm=firm)
        stranger = IndividualFactory(firm=other_firm)

        with pytest.raises(RelationshipFirmError):
            relationship_create(
                entity=company,
                individual=stranger,
                role=RelationshipRole.DIRECTOR,
                acting_user=staff_user,
            )

        assert not Relationship.objects.exists()

    def test_the_same_role_twice_is_refused_but_another_role_is_fine(self, firm, staff_user):
        existing = RelationshipFactory(
            entity__firm=firm,
            entity__display_name="Kauri Builders Limited",
            individual__display_name="Mere Tane",
        )

        with pytest.raises(RelationshipExistsError) as error:
            relationship_create(
                entity=existing.entity,
                individual=existing.individual,
                role=RelationshipRole.DIRECTOR,
                acting_user=staff_user,
            )
        relationship_create(
            entity=existing.entity,
            individual=existing.individual,
            role=RelationshipRole.SHAREHOLDER,
            acting_user=staff_user,
        )

        assert error.value.message == "Mere Tane is already director of Kauri Builders Limited."
        assert Relationship.objects.count() == 2

    def test_an_unknown_role_is_refused_naming_the_field(self, firm, staff_user):
        company = CompanyFactory(firm=firm)
        person = IndividualFactory(firm=firm)

        with pytest.raises(ValidationError) as error:
            relationship_create(
                entity=company, individual=person, role="overlord", acting_user=staff_user
            )

        assert _messages(error)["role"][0].startswith("Role: Value 'overlord' is not a valid")

    def test_delete_leaves_both_clients_and_an_audit_row(self, firm, staff_user):
        relationship = RelationshipFactory(entity__firm=firm)
        entity_id, individual_id = relationship.entity_id, relationship.individual_id

        relationship_delete(relationship=relationship, acting_user=staff_user)

        assert not Relationship.objects.exists()
        assert Client.objects.filter(pk__in=[entity_id, individual_id]).count() == 2
        event = AuditEvent.objects.get()
        assert event.action == "relationship.delete"
        assert event.changes["individual"][0] == individual_id
