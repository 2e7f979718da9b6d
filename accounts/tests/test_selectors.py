import pytest
from django.http import Http404

from accounts import selectors, services
from accounts.audit import audit_record
from accounts.exceptions import InvitationUnusable
from accounts.models import Role
from accounts.tests.factories import member_create
from accounts.tokens import invitation_token


def test_member_list_holds_only_the_firms_members_by_name(firm, admin_user, staff_user, outsider):
    dormant = member_create(firm=firm, first_name="Zed", last_name="Zulu", is_active=False)

    people = [membership.user for membership in selectors.member_list(firm=firm)]

    assert people == [admin_user, staff_user, dormant]


def test_membership_get_hides_another_firms_membership(firm, outsider):
    with pytest.raises(Http404):
        selectors.membership_get(firm=firm, pk=outsider.membership.pk)


def test_invitation_open_list_leaves_out_answered_and_other_firms_invitations(
    firm, admin_user, outsider
):
    kept = services.invitation_create(
        firm=firm, acting_user=admin_user, email="kept@example.com", role=Role.STAFF
    )
    revoked = services.invitation_create(
        firm=firm, acting_user=admin_user, email="revoked@example.com", role=Role.STAFF
    )
    services.invitation_revoke(firm=firm, acting_user=admin_user, invitation=revoked)
    accepted = services.invitation_create(
        firm=firm, acting_user=admin_user, email="accepted@example.com", role=Role.STAFF
    )
    services.invitation_accept(
        token=invitation_token(accepted), first_name="A", last_name="B", password="kiwi-fern-77"
    )
    services.invitation_create(
        firm=outsider.membership.firm,
        acting_user=outsider,
        email="elsewhere@example.com",
        role=Role.STAFF,
    )

    assert list(selectors.invitation_open_list(firm=firm)) == [kept]


def test_invitation_get_hides_another_firms_invitation(firm, other_firm, outsider):
    theirs = services.invitation_create(
        firm=other_firm, acting_user=outsider, email="x@example.com", role=Role.STAFF
    )

    with pytest.raises(Http404):
        selectors.invitation_get(firm=firm, pk=theirs.pk)


def test_invitation_usable_get_finds_the_invitation_by_its_token(firm, admin_user):
    invitation = services.invitation_create(
        firm=firm, acting_user=admin_user, email="x@example.com", role=Role.STAFF
    )

    assert selectors.invitation_usable_get(token=invitation_token(invitation)) == invitation
    with pytest.raises(InvitationUnusable):
        selectors.invitation_usable_get(token=invitation_token(invitation)[:-1])


class TestAuditEventList:
    @pytest.fixture
    def events(self, firm, other_firm, admin_user, staff_user, outsider):
        return {
            "first": audit_record(
                firm=firm, actor=admin_user, action="user.add", target=staff_user
            ),
            "second": audit_record(firm=firm, actor=staff_user, action="firm.rename", target=firm),
            "theirs": audit_record(
                firm=other_firm, actor=outsider, action="user.add", target=outsider
            ),
        }

    def test_holds_only_the_firms_events_newest_first(self, firm, events):
        assert list(selectors.audit_event_list(firm=firm)) == [events["second"], events["first"]]

    def test_filters_by_person(self, firm, staff_user, events):
        found = selectors.audit_event_list(firm=firm, filters={"actor": staff_user})

        assert list(found) == [events["second"]]

    def test_filters_by_action(self, firm, events):
        found = selectors.audit_event_list(firm=firm, filters={"action": "user.add"})

        assert list(found) == [events["first"]]

    def test_filters_by_record(self, firm, events):
        found = selectors.audit_event_list(
            firm=firm, filters={"target_type": "accounts.firm", "target_id": str(firm.pk)}
        )

        assert list(found) == [events["second"]]

    def test_filter_choices_come_from_the_firms_own_events(self, firm, other_firm, events):
        audit_record(firm=other_firm, actor=None, action="secret.thing", target=other_firm)

        assert selectors.audit_action_list(firm=firm) == ["firm.rename", "user.add"]
        assert selectors.audit_target_type_list(firm=firm) == ["accounts.firm", "accounts.user"]
