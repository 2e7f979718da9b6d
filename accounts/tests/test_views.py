import pytest
from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.urls import reverse

from accounts import services
from accounts.audit import audit_record
from accounts.models import AuditEvent, Invitation, Role, User
from accounts.tests.factories import TEST_PASSWORD, member_create
from accounts.tokens import invitation_token

NEW_PASSWORD = "tussock-lighthouse-42"
HTMX = {"HTTP_HX_REQUEST": "true"}


def _invite(firm, admin_user, email="new@harbour.example.com", role=Role.STAFF) -> Invitation:
    return services.invitation_create(firm=firm, acting_user=admin_user, email=email, role=role)


def _accept_url(invitation: Invitation) -> str:
    return reverse("accounts:invitation_accept", args=[invitation_token(invitation)])


def _accept_data(**overrides) -> dict[str, str]:
    return {
        "first_name": "Nina",
        "last_name": "New",
        "password": NEW_PASSWORD,
        "password_confirm": NEW_PASSWORD,
        **overrides,
    }


def _add_user_data(**overrides) -> dict[str, str]:
    fields = {
        "email": "tui@harbour.example.com",
        "first_name": "Tui",
        "last_name": "Ngata",
        "role": Role.STAFF,
        "password": NEW_PASSWORD,
        **overrides,
    }
    return {f"add-{name}": value for name, value in fields.items()}


class TestLogin:
    def test_the_form_asks_for_email_and_password(self, client):
        page = client.get(reverse("accounts:login")).content.decode()

        assert 'for="id_username">Email</label>' in page
        assert 'for="id_password">Password</label>' in page
        assert ">Log in</button>" in page

    def test_right_credentials_sign_in_on_a_new_session(self, client, staff_user):
        session = client.session
        session["before"] = "login"
        session.save()
        key_before = session.session_key

        response = client.post(
            reverse("accounts:login"), {"username": staff_user.email, "password": TEST_PASSWORD}
        )

        assert response.status_code == 302
        assert response.url == reverse(settings.LOGIN_REDIRECT_URL)
        assert client.session[SESSION_KEY] == str(staff_user.pk)
        assert client.session.session_key != key_before

    def test_a_wrong_password_says_so(self, client, staff_user):
        response = client.post(
            reverse("accounts:login"), {"username": staff_user.email, "password": "nope"}
        )

        assert response.status_code == 200
        assert "That email and password do not match an active account" in response.text
        assert SESSION_KEY not in client.session

    def test_a_deactivated_member_cannot_log_in(self, client, firm, admin_user, staff_user):
        services.user_deactivate(firm=firm, acting_user=admin_user, user=staff_user)

        response = client.post(
            reverse("accounts:login"), {"username": staff_user.email, "password": TEST_PASSWORD}
        )

        assert response.status_code == 200
        assert SESSION_KEY not in client.session


class TestLogout:
    def test_logs_out_on_post_only(self, as_staff):
        assert as_staff.get(reverse("accounts:logout")).status_code == 405

        response = as_staff.post(reverse("accounts:logout"))

        assert response.url == reverse("accounts:login")
        assert SESSION_KEY not in as_staff.session


ADMIN_PAGES = [
    ("get", "accounts:users", False),
    ("post", "accounts:user_add", False),
    ("post", "accounts:invitation_create", False),
    ("get", "accounts:audit", False),
    ("post", "accounts:membership_role_change", True),
    ("post", "accounts:user_deactivate", True),
    ("post", "accounts:user_reactivate", True),
]


class TestAccess:
    @pytest.mark.parametrize(("method", "name", "takes_membership"), ADMIN_PAGES)
    def test_staff_are_forbidden(self, as_staff, staff_user, method, name, takes_membership):
        args = [staff_user.membership.pk] if takes_membership else []

        response = getattr(as_staff, method)(reverse(name, args=args))

        assert response.status_code == 403

    def test_staff_cannot_revoke_invitations(self, as_staff, firm, admin_user):
        invitation = _invite(firm, admin_user)

        response = as_staff.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))

        assert response.status_code == 403
        invitation.refresh_from_db()
        assert invitation.revoked_at is None

    def test_anonymous_visitors_are_sent_to_log_in(self, client):
        response = client.get(reverse("accounts:users"))

        assert response.status_code == 302
        assert response.url.startswith(reverse("accounts:login"))

    @pytest.mark.parametrize(
        "name", ["accounts:membership_role_change", "accounts:user_deactivate"]
    )
    def test_another_firms_membership_is_not_found(self, as_outsider, staff_user, name):
        response = as_outsider.post(
            reverse(name, args=[staff_user.membership.pk]), {"role": "admin"}
        )

        assert response.status_code == 404
        staff_user.refresh_from_db()
        assert staff_user.is_active
        assert staff_user.membership.role == Role.STAFF

    def test_another_firms_deactivated_member_is_not_found(self, as_outsider, firm, admin_user):
        dormant = member_create(firm=firm, is_active=False)

        response = as_outsider.post(
            reverse("accounts:user_reactivate", args=[dormant.membership.pk])
        )

        assert response.status_code == 404
        dormant.refresh_from_db()
        assert not dormant.is_active

    def test_another_firms_invitation_is_not_found(self, as_outsider, firm, admin_user):
        invitation = _invite(firm, admin_user)

        response = as_outsider.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))

        assert response.status_code == 404
        invitation.refresh_from_db()
        assert invitation.revoked_at is None


class TestUsersPage:
    def test_lists_the_firms_members_and_open_invitations(
        self, as_admin, firm, admin_user, staff_user, outsider
    ):
        _invite(firm, admin_user, email="invited@harbour.example.com")

        page = as_admin.get(reverse("accounts:users")).text

        assert staff_user.email in page
        assert admin_user.email in page
        assert "invited@harbour.example.com" in page
        assert outsider.email not in page

    def test_adds_a_user(self, as_admin, firm):
        response = as_admin.post(reverse("accounts:user_add"), _add_user_data())

        assert response.status_code == 302
        assert User.objects.get(email="tui@harbour.example.com").membership.firm == firm

    def test_a_rejected_password_is_shown_by_the_password_field(self, as_admin):
        response = as_admin.post(reverse("accounts:user_add"), _add_user_data(password="abc"))

        assert response.status_code == 200
        assert (
            response.context["add_form"]
            .errors["password"][0]
            .startswith("This password is too short.")
        )
        assert not User.objects.filter(email="tui@harbour.example.com").exists()

    def test_invites_a_user(self, as_admin, firm):
        response = as_admin.post(
            reverse("accounts:invitation_create"),
            {"invite-email": "ruth@harbour.example.com", "invite-role": Role.ADMIN},
        )

        assert response.status_code == 302
        invitation = Invitation.objects.get(firm=firm)
        assert (invitation.email, invitation.role) == ("ruth@harbour.example.com", Role.ADMIN)

    def test_inviting_a_registered_email_is_refused_by_the_email_field(self, as_admin, staff_user):
        response = as_admin.post(
            reverse("accounts:invitation_create"),
            {"invite-email": staff_user.email, "invite-role": Role.STAFF},
        )

        assert response.context["invite_form"].errors["email"] == [
            f"{staff_user.email} already has a Tandem account."
        ]

    def test_revokes_an_invitation(self, as_admin, firm, admin_user):
        invitation = _invite(firm, admin_user)

        as_admin.post(reverse("accounts:invitation_revoke", args=[invitation.pk]))

        invitation.refresh_from_db()
        assert invitation.revoked_at is not None

    def test_changes_a_role_inline(self, as_admin, staff_user):
        response = as_admin.post(
            reverse("accounts:membership_role_change", args=[staff_user.membership.pk]),
            {"role": Role.ADMIN},
            **HTMX,
        )

        assert response.templates[0].name == "accounts/_member_row.html"
        assert "Sam Staff is now firm administrator." in response.text
        staff_user.membership.refresh_from_db()
        assert staff_user.membership.role == Role.ADMIN

    def test_the_row_explains_why_the_last_administrator_cannot_step_down(
        self, as_admin, admin_user
    ):
        response = as_admin.post(
            reverse("accounts:membership_role_change", args=[admin_user.membership.pk]),
            {"role": Role.STAFF},
            **HTMX,
        )

        assert "A firm needs at least one firm administrator." in response.text
        assert '<option value="admin" selected>' in response.text

    def test_without_htmx_a_role_change_returns_to_the_page(self, as_admin, staff_user):
        response = as_admin.post(
            reverse("accounts:membership_role_change", args=[staff_user.membership.pk]),
            {"role": Role.ADMIN},
        )

        assert response.url == reverse("accounts:users")

    def test_an_administrator_who_steps_down_leaves_the_page(self, as_admin, firm, admin_user):
        member_create(firm=firm, role=Role.ADMIN)

        response = as_admin.post(
            reverse("accounts:membership_role_change", args=[admin_user.membership.pk]),
            {"role": Role.STAFF},
            **HTMX,
        )

        assert response.headers["HX-Redirect"] == reverse(settings.LOGIN_REDIRECT_URL)

    def test_deactivates_and_reactivates(self, as_admin, staff_user):
        as_admin.post(reverse("accounts:user_deactivate", args=[staff_user.membership.pk]))
        staff_user.refresh_from_db()
        assert not staff_user.is_active

        response = as_admin.post(
            reverse("accounts:user_reactivate", args=[staff_user.membership.pk]), **HTMX
        )
        staff_user.refresh_from_db()
        assert staff_user.is_active
        assert "can log in again" in response.text


class TestInvitationAccept:
    def test_shows_whom_the_invitation_is_from(self, client, firm, admin_user):
        invitation = _invite(firm, admin_user)

        page = client.get(_accept_url(invitation))

        assert page.status_code == 200
        assert "Join Harbour Accounting Limited" in page.text
        assert invitation.email in page.text

    def test_accepting_creates_the_account_and_signs_in(self, client, firm, admin_user):
        invitation = _invite(firm, admin_user)

        response = client.post(_accept_url(invitation), _accept_data())

        user = User.objects.get(email=invitation.email)
        assert response.url == reverse(settings.LOGIN_REDIRECT_URL)
        assert client.session[SESSION_KEY] == str(user.pk)
        assert user.membership.firm == firm

    def test_different_passwords_are_refused(self, client, firm, admin_user):
        invitation = _invite(firm, admin_user)

        response = client.post(
            _accept_url(invitation), _accept_data(password_confirm=NEW_PASSWORD + "!")
        )

        assert response.context["form"].errors["password_confirm"] == [
            "The two passwords are not the same."
        ]
        assert not User.objects.filter(email=invitation.email).exists()

    def test_an_unknown_link_is_not_found(self, client, db):
        response = client.get(reverse("accounts:invitation_accept", args=["f" * 64]))

        assert response.status_code == 404
        assert "This invitation link is not valid." in response.text

    def test_a_used_link_says_it_was_used(self, client, firm, admin_user):
        invitation = _invite(firm, admin_user)
        services.invitation_accept(
            token=invitation_token(invitation),
            first_name="Nina",
            last_name="New",
            password=NEW_PASSWORD,
        )

        response = client.get(_accept_url(invitation))

        assert response.status_code == 410
        assert "This invitation has already been used." in response.text


class TestAuditLog:
    def test_shows_who_did_what_to_which_record_and_the_changes(
        self, as_admin, firm, admin_user, staff_user
    ):
        services.membership_role_change(
            firm=firm, acting_user=admin_user, membership=staff_user.membership, role=Role.ADMIN
        )

        page = as_admin.get(reverse("accounts:audit")).text

        assert "user.role_change" in page
        assert 'Sam Staff <span class="muted">(User)</span>' in page
        assert (
            '<span class="old">Staff</span> → <span class="new">Firm administrator</span>' in page
        )

    def test_shows_only_the_firms_own_events(self, as_admin, firm, other_firm, outsider):
        audit_record(firm=other_firm, actor=outsider, action="secret.thing", target=other_firm)

        response = as_admin.get(reverse("accounts:audit"))

        assert "secret.thing" not in response.text
        assert all(event.firm == firm for event in response.context["page"].object_list)

    def test_filters_by_action(self, as_admin, firm, admin_user, staff_user):
        audit_record(firm=firm, actor=admin_user, action="user.add", target=staff_user)
        audit_record(firm=firm, actor=admin_user, action="user.deactivate", target=staff_user)

        response = as_admin.get(reverse("accounts:audit"), {"action": "user.deactivate"})

        assert [event.action for event in response.context["page"].object_list] == [
            "user.deactivate"
        ]

    def test_a_person_from_another_firm_is_not_a_filter(self, as_admin, firm, admin_user, outsider):
        audit_record(firm=firm, actor=admin_user, action="user.add", target=admin_user)

        response = as_admin.get(reverse("accounts:audit"), {"person": outsider.pk})

        assert "person" in response.context["form"].errors
        assert list(response.context["page"].object_list) == []

    def test_pages_through_the_events_newest_first(self, as_admin, firm, admin_user):
        AuditEvent.objects.bulk_create(
            AuditEvent(
                firm=firm, actor=admin_user, action=f"thing.{number}", target_type="accounts.firm"
            )
            for number in range(51)
        )

        first = as_admin.get(reverse("accounts:audit")).context["page"]
        second = as_admin.get(reverse("accounts:audit"), {"page": 2}).context["page"]

        assert len(first.object_list) == 50
        assert first.object_list[0].action == "thing.50"
        assert [event.action for event in second.object_list] == ["thing.0"]
