"""Reads of firms, their people, invitations and audit trail, always scoped to one firm."""

from typing import TypedDict

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.formats import date_format

from accounts.exceptions import InvitationUnusable
from accounts.models import AuditEvent, Firm, Invitation, Membership, User
from accounts.tokens import token_hash


def member_list(*, firm: Firm) -> QuerySet[Membership]:
    """Everyone in the firm, active or not, by name."""
    return (
        Membership.objects.filter(firm=firm)
        .select_related("user")
        .order_by("user__first_name", "user__last_name", "user__email")
    )


def membership_get(*, firm: Firm, pk: int) -> Membership:
    """The firm's membership, or 404: another firm's is indistinguishable from none."""
    return get_object_or_404(Membership.objects.select_related("user"), firm=firm, pk=pk)


def invitation_open_list(*, firm: Firm) -> QuerySet[Invitation]:
    """Invitations neither accepted nor revoked, newest first; some may have expired."""
    return Invitation.objects.filter(
        firm=firm, accepted_at__isnull=True, revoked_at__isnull=True
    ).select_related("invited_by")


def invitation_get(*, firm: Firm, pk: int) -> Invitation:
    """The firm's invitation, or 404: another firm's is indistinguishable from none."""
    return get_object_or_404(Invitation, firm=firm, pk=pk)


def invitation_usable_get(*, token: str, lock: bool = False) -> Invitation:
    """The invitation a link's token belongs to, if it can still be accepted.

    Raises `InvitationUnusable` saying why not. `lock` holds the row until the transaction ends,
    so the same link cannot be accepted twice at once.
    """
    invitations = Invitation.objects.select_related("firm")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=token_hash(token)).first()
    if invitation is None:
        raise InvitationUnusable(
            "This invitation link is not valid. Check that you opened the whole link from the "
            "email, or ask your firm administrator for a new invitation.",
            code="invitation_unknown",
        )
    if invitation.accepted_at is not None:
        raise InvitationUnusable(
            "This invitation has already been used. Log in with your email address instead.",
            code="invitation_used",
        )
    if invitation.revoked_at is not None:
        raise InvitationUnusable(
            "This invitation was withdrawn. Ask your firm administrator for a new one.",
            code="invitation_revoked",
        )
    if invitation.expires_at <= timezone.now():
        expired_on = date_format(timezone.localtime(invitation.expires_at), "DATE_FORMAT")
        raise InvitationUnusable(
            f"This invitation expired on {expired_on}. Ask your firm administrator for a new one.",
            code="invitation_expired",
        )
    return invitation


class AuditFilters(TypedDict, total=False):
    actor: User
    action: str
    target_type: str
    target_id: str


def audit_event_list(*, firm: Firm, filters: AuditFilters | None = None) -> QuerySet[AuditEvent]:
    """The firm's audit events, newest first, narrowed by whichever `filters` are given."""
    filters = filters or {}
    events = AuditEvent.objects.filter(firm=firm).select_related("actor")
    if filters.get("actor"):
        events = events.filter(actor=filters["actor"])
    for field in ("action", "target_type", "target_id"):
        if filters.get(field):
            events = events.filter(**{field: filters[field]})
    return events.order_by("-created_at", "-id")


def audit_action_list(*, firm: Firm) -> list[str]:
    """The actions that appear in the firm's audit log, to filter by."""
    actions = AuditEvent.objects.filter(firm=firm).values_list("action", flat=True)
    return list(actions.distinct().order_by("action"))


def audit_target_type_list(*, firm: Firm) -> list[str]:
    """The record types (`app_label.model`) that appear in the firm's audit log."""
    types = AuditEvent.objects.filter(firm=firm).values_list("target_type", flat=True)
    return list(types.distinct().order_by("target_type"))
