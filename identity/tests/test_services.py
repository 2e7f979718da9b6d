from accounts.models import AuditEvent
from accounts.tests.factories import UserFactory
from identity.models import Consent
from identity.services import consent_grant


def test_consent_grant_adds_scopes_to_what_was_granted_before(staff_user, firm, cms_app):
    consent_grant(user=staff_user, application=cms_app, scopes=["openid", "email"], firm=firm)

    consent = consent_grant(
        user=staff_user, application=cms_app, scopes=["openid", "clients:read"], firm=firm
    )

    assert consent.scopes == {"openid", "email", "clients:read"}
    assert Consent.objects.count() == 1
    assert list(
        AuditEvent.objects.filter(action="oauth_application.authorise").values_list(
            "changes", flat=True
        )
    ) == [
        {"scopes": ["email openid", "clients:read email openid"]},
        {"scopes": ["", "email openid"]},
    ]


def test_consent_grant_of_nothing_new_writes_no_audit_row(staff_user, firm, cms_app):
    consent_grant(user=staff_user, application=cms_app, scopes=["openid"], firm=firm)

    consent_grant(user=staff_user, application=cms_app, scopes=["openid"], firm=firm)

    assert AuditEvent.objects.filter(action="oauth_application.authorise").count() == 1


def test_consent_grant_for_a_person_without_a_firm_is_kept_unaudited(db, cms_app):
    loner = UserFactory()

    consent = consent_grant(user=loner, application=cms_app, scopes=["openid"], firm=None)

    assert consent.scopes == {"openid"}
    assert not AuditEvent.objects.exists()
