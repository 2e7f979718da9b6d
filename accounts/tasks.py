"""Background work of the accounts app, run by the `db_worker` process."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django_tasks import task

from accounts.models import Invitation
from accounts.tokens import invitation_token


@task()
def invitation_email_send(invitation_id: int) -> None:
    """Emails the invitation's link to the invited address, unless it was withdrawn meanwhile."""
    invitation = (
        Invitation.objects.select_related("firm", "invited_by").filter(pk=invitation_id).first()
    )
    if invitation is None or not invitation.is_open or invitation.is_expired:
        return
    link = settings.SITE_URL.rstrip("/") + reverse(
        "accounts:invitation_accept", args=[invitation_token(invitation)]
    )
    context = {"invitation": invitation, "link": link}
    send_mail(
        subject=f"You are invited to join {invitation.firm} on Tandem",
        message=render_to_string("accounts/email/invitation.txt", context),
        from_email=None,
        recipient_list=[invitation.email],
    )
