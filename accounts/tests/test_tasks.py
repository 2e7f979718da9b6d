import pytest
from django.core.management import call_command
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from accounts import services
from accounts.models import Role
from accounts.tasks import invitation_email_send
from accounts.tokens import invitation_token


def _invite(firm, admin_user):
    return services.invitation_create(
        firm=firm, acting_user=admin_user, email="ruth@harbour.example.com", role=Role.STAFF
    )


def test_emails_the_link_to_the_invited_address(firm, admin_user, mailoutbox, settings):
    settings.SITE_URL = "https://tandem.example.com/"
    invitation = _invite(firm, admin_user)

    invitation_email_send.call(invitation.pk)

    [email] = mailoutbox
    assert email.to == ["ruth@harbour.example.com"]
    assert email.subject == "You are invited to join Harbour Accounting Limited on Tandem"
    link = f"https://tandem.example.com/accounts/invitations/accept/{invitation_token(invitation)}/"
    assert link in email.body
    assert "Aroha Admin has invited you" in email.body


def test_sends_nothing_for_an_invitation_revoked_before_the_worker_ran(
    firm, admin_user, mailoutbox
):
    invitation = _invite(firm, admin_user)
    invitation.revoked_at = timezone.now()
    invitation.save()

    invitation_email_send.call(invitation.pk)

    assert mailoutbox == []


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_the_queued_invitation(firm, admin_user, mailoutbox):
    invitation = _invite(firm, admin_user)
    assert DBTaskResult.objects.get().status == TaskResultStatus.READY

    call_command("db_worker", "--batch", "--no-startup-delay", "--no-reload", verbosity=0)

    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    [email] = mailoutbox
    assert invitation_token(invitation) in email.body
