from datetime import timedelta

import pytest
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from accounts import services
from accounts.exceptions import (
    EmailTaken,
    InvalidInput,
    InvitationUnusable,
    LastAdministrator,
    NotPermitted,
    PasswordRejected,
    SlugTaken,
)
from accounts.models import AuditEvent, Firm, Invitation, Membership, Role, User
from accounts.tests.factories import member_create
from accounts.tokens import invitation_token, token_hash

NEW_PASSWORD = "tussock-lighthouse-42"


def _firm_create(**overrides) -> Firm:
    arguments = {
        "name": "Kauri Partners",
        "slug": "kauri",
        "admin_email": "ana@kauri.example.com",
        "admin_password": NEW_PASSWORD,
        "admin_first_name": "Ana",
        "admin_last_name": "Kauri",
        **overrides,
    }
    return services.firm_create(**arguments)


def _user_add(firm, acting_user, **overrides) -> User:
    arguments = {
        "email": "tui@harbour.example.com",
        "first_name": "Tui",
        "last_name": "Ngata",
        "role": Role.STAFF,
        "password": NEW_PASSWORD,
        **overrides,
    }
    return services.user_add(firm=firm, acting_user=acting_user, **arguments)


def _invite(firm, acting_user, email="new@harbour.example.com", role=Role.STAFF) -> Invitation:
    return services.invitation_create(firm=firm, acting_user=acting_user, email=email, role=role)


def _accept(invitation: Invitation, **overrides) -> User:
    arguments = {
        "token": invitation_token(invitation),
        "first_name": "Nina",
        "last_name": "New",
        "password": NEW_PASSWORD,
        **overrides,
    }
    return services.invitation_accept(**arguments)


class TestFirmCreate:
    def test_creates_the_firm_and_its_first_administrator(self, db):
        firm = _firm_create()

        admin = User.objects.get(email="ana@kauri.example.com")
        assert (firm.name, firm.slug) == ("Kauri Partners", "kauri")
        assert admin.membership.firm == firm
        assert admin.membership.role == Role.ADMIN
        assert admin.check_password(NEW_PASSWORD)
        event = AuditEvent.objects.get(firm=firm)
        assert event.action == "firm.create"
        assert event.changes["administrator"] == "ana@kauri.example.com"

    def test_refuses_a_slug_with_spaces(self, db):
        with pytest.raises(InvalidInput) as raised:
            _firm_create(slug="kauri partners")
        assert raised.value.field == "slug"
        assert raised.value.message.startswith("Slug:")
        assert not Firm.objects.exists()

    def test_refuses_a_slug_another_firm_has(self, firm):
        with pytest.raises(SlugTaken) as raised:
            _firm_create(slug="Harbour")
        assert raised.value.field == "slug"
        assert "harbour" in raised.value.message

    def test_refuses_a_malformed_email(self, db):
        with pytest.raises(InvalidInput) as raised:
            _firm_create(admin_email="ana at kauri")
        assert raised.value.field == "admin_email"

    def test_refuses_an_email_that_already_has_an_account(self, admin_user):
        with pytest.raises(EmailTaken) as raised:
            _firm_create(admin_email=admin_user.email.upper())
        assert raised.value.field == "admin_email"

    @pytest.mark.parametrize("password", ["short1", "password123", "12345678901"])
    def test_refuses_a_weak_password_and_creates_nothing(self, db, password):
        with pytest.raises(PasswordRejected) as raised:
            _firm_create(admin_password=password)
        assert raised.value.field == "admin_password"
        assert not Firm.objects.exists()
        assert not User.objects.exists()


class TestUserAdd:
    def test_adds_a_member_who_can_log_in(self, firm, admin_user):
        user = _user_add(firm, admin_user, email="  tui@harbour.example.com ")

        assert user.email == "tui@harbour.example.com"
        assert user.membership.firm == firm
        assert user.membership.role == Role.STAFF
        assert user.check_password(NEW_PASSWORD)
        event = AuditEvent.objects.get(firm=firm, action="user.add")
        assert event.actor == admin_user
        assert event.target_id == str(user.pk)

    def test_staff_cannot_add_users(self, firm, staff_user):
        with pytest.raises(NotPermitted):
            _user_add(firm, staff_user)

    def test_an_administrator_of_another_firm_cannot_add_users(self, firm, outsider):
        with pytest.raises(NotPermitted):
            _user_add(firm, outsider, role=Role.ADMIN)
        assert not User.objects.filter(email="tui@harbour.example.com").exists()

    def test_refuses_an_email_in_use_whatever_its_case(self, firm, admin_user, staff_user):
        with pytest.raises(EmailTaken) as raised:
            _user_add(firm, admin_user, email="Staff@Harbour.example.com")
        assert raised.value.field == "email"

    def test_refuses_a_password_like_the_persons_name(self, firm, admin_user):
        with pytest.raises(PasswordRejected) as raised:
            _user_add(firm, admin_user, email="tuingata@harbour.example.com", password="tuingata")
        assert raised.value.field == "password"
        assert "similar" in raised.value.message

    def test_refuses_an_unknown_role(self, firm, admin_user):
        with pytest.raises(InvalidInput) as raised:
            _user_add(firm, admin_user, role="owner")
        assert raised.value.field == "role"


class TestInvitationCreate:
    def test_stores_only_the_hash_of_the_links_token(self, firm, admin_user):
        invitation = _invite(firm, admin_user)

        token = invitation_token(invitation)
        assert invitation.token_hash == token_hash(token)
        stored = Invitation.objects.filter(pk=invitation.pk).values().get()
        assert token not in [str(value) for value in stored.values()]

    def test_expires_in_seven_days(self, firm, admin_user):
        invitation = _invite(firm, admin_user)

        remaining = invitation.expires_at - timezone.now()
        assert timedelta(days=7) - timedelta(minutes=1) < remaining <= timedelta(days=7)

    def test_queues_the_email_only_once_the_transaction_commits(
        self, firm, admin_user, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks() as callbacks:
            invitation = _invite(firm, admin_user)
            assert not DBTaskResult.objects.exists()
        for callback in callbacks:
            callback()

        queued = DBTaskResult.objects.get()
        assert queued.task_path == "accounts.tasks.invitation_email_send"
        assert queued.args_kwargs == {"args": [invitation.pk], "kwargs": {}}

    def test_writes_an_audit_row(self, firm, admin_user):
        invitation = _invite(firm, admin_user, role=Role.ADMIN)

        event = AuditEvent.objects.get(action="invitation.create")
        assert (event.firm, event.actor, event.target_id) == (firm, admin_user, str(invitation.pk))
        assert event.changes == {"email": invitation.email, "role": "Firm administrator"}

    def test_refuses_an_email_that_already_has_an_account(self, firm, admin_user, outsider):
        with pytest.raises(EmailTaken) as raised:
            _invite(firm, admin_user, email=outsider.email)
        assert raised.value.field == "email"

    def test_refuses_a_second_open_invitation_until_the_first_is_revoked(self, firm, admin_user):
        first = _invite(firm, admin_user)
        with pytest.raises(EmailTaken, match="already been invited"):
            _invite(firm, admin_user, email="NEW@harbour.example.com")

        services.invitation_revoke(firm=firm, acting_user=admin_user, invitation=first)

        assert _invite(firm, admin_user).pk != first.pk

    def test_staff_cannot_invite(self, firm, staff_user):
        with pytest.raises(NotPermitted):
            _invite(firm, staff_user)


class TestInvitationRevoke:
    def test_revoked_link_no_longer_works(self, firm, admin_user):
        invitation = _invite(firm, admin_user)

        services.invitation_revoke(firm=firm, acting_user=admin_user, invitation=invitation)

        with pytest.raises(InvitationUnusable) as raised:
            _accept(invitation)
        assert raised.value.code == "invitation_revoked"
        assert AuditEvent.objects.filter(action="invitation.revoke").count() == 1

    def test_an_accepted_invitation_cannot_be_revoked(self, firm, admin_user):
        invitation = _invite(firm, admin_user)
        _accept(invitation)

        with pytest.raises(InvitationUnusable, match="already accepted"):
            services.invitation_revoke(firm=firm, acting_user=admin_user, invitation=invitation)

    def test_another_firms_invitation_cannot_be_revoked(self, firm, admin_user, outsider):
        invitation = _invite(firm, admin_user)

        with pytest.raises(NotPermitted):
            services.invitation_revoke(
                firm=outsider.membership.firm, acting_user=outsider, invitation=invitation
            )
        invitation.refresh_from_db()
        assert invitation.revoked_at is None


class TestInvitationAccept:
    def test_makes_a_member_of_the_inviting_firm_with_the_invited_role(self, firm, admin_user):
        invitation = _invite(firm, admin_user, role=Role.ADMIN)

        user = _accept(invitation)

        assert user.email == "new@harbour.example.com"
        assert (user.first_name, user.last_name) == ("Nina", "New")
        assert user.check_password(NEW_PASSWORD)
        assert (user.membership.firm, user.membership.role) == (firm, Role.ADMIN)
        invitation.refresh_from_db()
        assert invitation.accepted_at is not None
        event = AuditEvent.objects.get(action="invitation.accept")
        assert (event.firm, event.actor) == (firm, user)

    def test_a_link_works_only_once(self, firm, admin_user):
        invitation = _invite(firm, admin_user)
        _accept(invitation)

        with pytest.raises(InvitationUnusable) as raised:
            _accept(invitation, first_name="Someone", last_name="Else")
        assert raised.value.code == "invitation_used"
        assert User.objects.filter(email=invitation.email).count() == 1

    def test_an_expired_link_is_refused(self, firm, admin_user):
        invitation = _invite(firm, admin_user)
        Invitation.objects.filter(pk=invitation.pk).update(
            expires_at=timezone.now() - timedelta(seconds=1)
        )

        with pytest.raises(InvitationUnusable) as raised:
            _accept(invitation)
        assert raised.value.code == "invitation_expired"
        assert "expired" in raised.value.message
        assert not User.objects.filter(email=invitation.email).exists()

    def test_an_unknown_token_is_refused(self, db):
        with pytest.raises(InvitationUnusable) as raised:
            services.invitation_accept(
                token="not-a-token", first_name="A", last_name="B", password=NEW_PASSWORD
            )
        assert raised.value.code == "invitation_unknown"

    def test_an_email_registered_since_the_invitation_is_refused(self, firm, admin_user):
        invitation = _invite(firm, admin_user)
        member_create(firm=firm, email="new@harbour.example.com")

        with pytest.raises(EmailTaken, match="already has a Tandem account"):
            _accept(invitation)
        invitation.refresh_from_db()
        assert invitation.accepted_at is None

    def test_a_weak_password_leaves_the_invitation_open(self, firm, admin_user):
        invitation = _invite(firm, admin_user)

        with pytest.raises(PasswordRejected) as raised:
            _accept(invitation, password="abc")
        assert raised.value.field == "password"
        invitation.refresh_from_db()
        assert invitation.accepted_at is None
        assert not User.objects.filter(email=invitation.email).exists()


class TestMembershipRoleChange:
    def test_promotes_staff_and_records_old_and_new_role(self, firm, admin_user, staff_user):
        membership = services.membership_role_change(
            firm=firm, acting_user=admin_user, membership=staff_user.membership, role=Role.ADMIN
        )

        assert membership.role == Role.ADMIN
        event = AuditEvent.objects.get(action="user.role_change")
        assert event.changes == {"role": ["Staff", "Firm administrator"]}
        assert event.target_id == str(staff_user.pk)

    def test_the_last_administrator_cannot_step_down(self, firm, admin_user, staff_user):
        with pytest.raises(LastAdministrator) as raised:
            services.membership_role_change(
                firm=firm, acting_user=admin_user, membership=admin_user.membership, role=Role.STAFF
            )
        assert raised.value.message == "A firm needs at least one firm administrator."
        admin_user.membership.refresh_from_db()
        assert admin_user.membership.role == Role.ADMIN
        assert not AuditEvent.objects.filter(action="user.role_change").exists()

    def test_a_deactivated_administrator_does_not_count(self, firm, admin_user):
        dormant = member_create(firm=firm, role=Role.ADMIN, is_active=False)

        with pytest.raises(LastAdministrator):
            services.membership_role_change(
                firm=firm, acting_user=admin_user, membership=admin_user.membership, role=Role.STAFF
            )
        assert dormant.membership.role == Role.ADMIN

    def test_an_administrator_may_step_down_while_another_remains(self, firm, admin_user):
        member_create(firm=firm, role=Role.ADMIN)

        membership = services.membership_role_change(
            firm=firm, acting_user=admin_user, membership=admin_user.membership, role=Role.STAFF
        )

        assert membership.role == Role.STAFF

    def test_another_firms_membership_cannot_be_changed(self, firm, admin_user, outsider):
        with pytest.raises(NotPermitted):
            services.membership_role_change(
                firm=firm, acting_user=admin_user, membership=outsider.membership, role=Role.STAFF
            )
        assert Membership.objects.get(user=outsider).role == Role.ADMIN

    def test_staff_cannot_change_roles(self, firm, admin_user, staff_user):
        with pytest.raises(NotPermitted):
            services.membership_role_change(
                firm=firm, acting_user=staff_user, membership=staff_user.membership, role=Role.ADMIN
            )


class TestUserDeactivateAndReactivate:
    def test_deactivates_and_reactivates_a_member(self, firm, admin_user, staff_user):
        services.user_deactivate(firm=firm, acting_user=admin_user, user=staff_user)
        staff_user.refresh_from_db()
        assert not staff_user.is_active

        services.user_reactivate(firm=firm, acting_user=admin_user, user=staff_user)
        staff_user.refresh_from_db()
        assert staff_user.is_active

        actions = AuditEvent.objects.filter(target_id=str(staff_user.pk)).values_list(
            "action", flat=True
        )
        assert sorted(actions) == ["user.deactivate", "user.reactivate"]

    def test_another_administrator_can_be_deactivated(self, firm, admin_user):
        other_admin = member_create(firm=firm, role=Role.ADMIN)

        services.user_deactivate(firm=firm, acting_user=admin_user, user=other_admin)

        other_admin.refresh_from_db()
        assert not other_admin.is_active

    def test_nobody_can_deactivate_themselves(self, firm, admin_user):
        with pytest.raises(NotPermitted, match="your own account"):
            services.user_deactivate(firm=firm, acting_user=admin_user, user=admin_user)

    def test_staff_cannot_deactivate_anyone(self, firm, staff_user, admin_user):
        with pytest.raises(NotPermitted):
            services.user_deactivate(firm=firm, acting_user=staff_user, user=admin_user)

    def test_another_firms_user_cannot_be_deactivated(self, firm, admin_user, outsider):
        with pytest.raises(NotPermitted):
            services.user_deactivate(firm=firm, acting_user=admin_user, user=outsider)
        outsider.refresh_from_db()
        assert outsider.is_active
