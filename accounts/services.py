"""Changes to firms, their people and invitations: one transaction and one audit row each."""

from datetime import timedelta
from functools import partial

from django.contrib.auth import password_validation
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import models, transaction
from django.utils import timezone

from accounts.audit import audit_record
from accounts.exceptions import (
    EmailTaken,
    InvalidInput,
    InvitationUnusable,
    LastAdministrator,
    NotPermitted,
    PasswordRejected,
    SlugTaken,
)
from accounts.models import Firm, Invitation, Membership, Role, User
from accounts.selectors import invitation_usable_get
from accounts.tasks import invitation_email_send
from accounts.tokens import invitation_token, token_hash, token_seed_new

INVITATION_LIFETIME = timedelta(days=7)
LAST_ADMINISTRATOR = "A firm needs at least one firm administrator."


@transaction.atomic
def firm_create(
    *,
    name: str,
    slug: str,
    admin_email: str,
    admin_password: str,
    admin_first_name: str = "",
    admin_last_name: str = "",
) -> Firm:
    """A new firm with its first firm administrator, who can then add everyone else."""
    firm = Firm(name=name.strip(), slug=slug.strip().lower())
    _clean(firm)
    if Firm.objects.filter(slug=firm.slug).exists():
        raise SlugTaken(f"The slug “{firm.slug}” is already used by another firm.", field="slug")
    admin = _user_new(
        email=admin_email,
        first_name=admin_first_name,
        last_name=admin_last_name,
        password=admin_password,
        field_names={
            "email": "admin_email",
            "first_name": "admin_first_name",
            "last_name": "admin_last_name",
            "password": "admin_password",
        },
    )
    firm.save()
    _membership_new(firm=firm, user=admin, role=Role.ADMIN)
    audit_record(
        firm=firm,
        actor=None,
        action="firm.create",
        target=firm,
        changes={"name": firm.name, "slug": firm.slug, "administrator": admin.email},
    )
    return firm


@transaction.atomic
def user_add(
    *,
    firm: Firm,
    acting_user: User,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    password: str,
) -> User:
    """A new member of `firm` with a password the administrator chose and passes on to them."""
    _require_admin(firm=firm, acting_user=acting_user)
    _require_role(role)
    user = _user_new(email=email, first_name=first_name, last_name=last_name, password=password)
    _membership_new(firm=firm, user=user, role=role)
    audit_record(
        firm=firm,
        actor=acting_user,
        action="user.add",
        target=user,
        changes={"email": user.email, "role": Role(role).label},
    )
    return user


@transaction.atomic
def invitation_create(*, firm: Firm, acting_user: User, email: str, role: str) -> Invitation:
    """An invitation to join `firm`, emailed by a background task once the transaction commits."""
    _require_admin(firm=firm, acting_user=acting_user)
    _require_role(role)
    email = User.objects.normalize_email(email.strip())
    invitation = Invitation(
        firm=firm,
        email=email,
        role=role,
        invited_by=acting_user,
        token_seed=token_seed_new(),
        expires_at=timezone.now() + INVITATION_LIFETIME,
    )
    invitation.token_hash = token_hash(invitation_token(invitation))
    _clean(invitation)
    _require_email_free(email)
    already_invited = Invitation.objects.filter(
        firm=firm,
        email__iexact=email,
        accepted_at__isnull=True,
        revoked_at__isnull=True,
        expires_at__gt=timezone.now(),
    )
    if already_invited.exists():
        raise EmailTaken(
            f"{email} has already been invited. Revoke that invitation to send a new one.",
            field="email",
        )
    invitation.save()
    audit_record(
        firm=firm,
        actor=acting_user,
        action="invitation.create",
        target=invitation,
        changes={"email": email, "role": Role(role).label},
    )
    transaction.on_commit(partial(invitation_email_send.enqueue, invitation.pk))
    return invitation


@transaction.atomic
def invitation_revoke(*, firm: Firm, acting_user: User, invitation: Invitation) -> Invitation:
    """Withdraws an invitation so its link no longer works."""
    _require_admin(firm=firm, acting_user=acting_user)
    invitation = Invitation.objects.select_for_update().filter(pk=invitation.pk, firm=firm).first()
    if invitation is None:
        raise NotPermitted("This invitation is not one of your firm's.")
    if invitation.accepted_at is not None:
        raise InvitationUnusable(
            f"{invitation.email} has already accepted this invitation.", code="invitation_used"
        )
    if invitation.revoked_at is None:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(
            firm=firm,
            actor=acting_user,
            action="invitation.revoke",
            target=invitation,
            changes={"status": ["Pending", "Revoked"]},
        )
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, first_name: str, last_name: str, password: str) -> User:
    """The invited person's new account, a member of the inviting firm with the invited role."""
    invitation = invitation_usable_get(token=token, lock=True)
    if User.objects.filter(email__iexact=invitation.email).exists():
        raise EmailTaken(
            f"{invitation.email} already has a Tandem account: log in with it instead, or ask "
            f"{invitation.firm} to invite a different address."
        )
    user = _user_new(
        email=invitation.email, first_name=first_name, last_name=last_name, password=password
    )
    _membership_new(firm=invitation.firm, user=user, role=invitation.role)
    invitation.accepted_at = timezone.now()
    invitation.save(update_fields=["accepted_at"])
    audit_record(
        firm=invitation.firm,
        actor=user,
        action="invitation.accept",
        target=invitation,
        changes={"status": ["Pending", "Accepted"], "user": str(user)},
    )
    return user


@transaction.atomic
def membership_role_change(
    *, firm: Firm, acting_user: User, membership: Membership, role: str
) -> Membership:
    _require_admin(firm=firm, acting_user=acting_user)
    _require_role(role)
    membership = _membership_locked(firm=firm, user_id=membership.user_id)
    old_role = membership.role
    if old_role == role:
        return membership
    if old_role == Role.ADMIN:
        _require_another_admin(firm=firm, membership=membership)
    membership.role = role
    _clean(membership)
    membership.save(update_fields=["role"])
    audit_record(
        firm=firm,
        actor=acting_user,
        action="user.role_change",
        target=membership.user,
        changes={"role": [Role(old_role).label, Role(role).label]},
    )
    return membership


@transaction.atomic
def user_deactivate(*, firm: Firm, acting_user: User, user: User) -> User:
    """Stops `user` signing in (their open sessions end on their next request); keeps their work."""
    return _user_active_set(firm=firm, acting_user=acting_user, user=user, active=False)


@transaction.atomic
def user_reactivate(*, firm: Firm, acting_user: User, user: User) -> User:
    return _user_active_set(firm=firm, acting_user=acting_user, user=user, active=True)


def _user_active_set(*, firm: Firm, acting_user: User, user: User, active: bool) -> User:
    _require_admin(firm=firm, acting_user=acting_user)
    if user.pk == acting_user.pk:
        verb = "reactivate" if active else "deactivate"
        raise NotPermitted(f"You cannot {verb} your own account.")
    membership = _membership_locked(firm=firm, user_id=user.pk)
    user = membership.user
    if user.is_active == active:
        return user
    if not active and membership.is_admin:
        _require_another_admin(firm=firm, membership=membership)
    user.is_active = active
    user.save(update_fields=["is_active"])
    status = ["Deactivated", "Active"] if active else ["Active", "Deactivated"]
    audit_record(
        firm=firm,
        actor=acting_user,
        action="user.reactivate" if active else "user.deactivate",
        target=user,
        changes={"status": status},
    )
    return user


def _require_admin(*, firm: Firm, acting_user: User) -> None:
    is_admin = Membership.objects.filter(
        firm=firm, user=acting_user, user__is_active=True, role=Role.ADMIN
    ).exists()
    if not is_admin:
        raise NotPermitted("Only a firm administrator can manage users.")


def _require_role(role: str) -> None:
    if role not in Role.values:
        choices = " or ".join(f"“{label}”" for label in Role.labels)
        raise InvalidInput(f"Role: choose {choices}.", field="role")


def _require_email_free(email: str, *, field: str = "email") -> None:
    if User.objects.filter(email__iexact=email).exists():
        raise EmailTaken(f"{email} already has a Tandem account.", field=field)


def _membership_locked(*, firm: Firm, user_id: int) -> Membership:
    # Locking the firm row serialises every change to who administers it, so two administrators
    # demoting each other at the same moment cannot leave the firm with none.
    Firm.objects.select_for_update().get(pk=firm.pk)
    members = Membership.objects.select_related("user")
    membership = members.filter(firm=firm, user_id=user_id).first()
    if membership is None:
        raise NotPermitted("This person is not a member of your firm.")
    return membership


def _require_another_admin(*, firm: Firm, membership: Membership) -> None:
    others = Membership.objects.filter(firm=firm, role=Role.ADMIN, user__is_active=True).exclude(
        pk=membership.pk
    )
    if not others.exists():
        raise LastAdministrator(LAST_ADMINISTRATOR, field="role")


def _user_new(
    *,
    email: str,
    first_name: str,
    last_name: str,
    password: str,
    field_names: dict[str, str] | None = None,
) -> User:
    """A saved, validated user; `field_names` maps the user's fields to the caller's inputs."""
    field_names = field_names or {}
    user = User(
        email=User.objects.normalize_email(email.strip()),
        first_name=first_name.strip(),
        last_name=last_name.strip(),
    )
    _clean(user, exclude=["password"], field_names=field_names)
    _require_email_free(user.email, field=field_names.get("email", "email"))
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as error:
        raise PasswordRejected(
            " ".join(error.messages), field=field_names.get("password", "password")
        ) from error
    user.set_password(password)
    user.save()
    return user


def _membership_new(*, firm: Firm, user: User, role: str) -> Membership:
    membership = Membership(firm=firm, user=user, role=role)
    _clean(membership)
    membership.save()
    return membership


def _clean(
    instance: models.Model,
    *,
    exclude: list[str] | None = None,
    field_names: dict[str, str] | None = None,
) -> None:
    """`full_clean()`, its first error re-raised as `InvalidInput` naming the field at fault.

    Uniqueness is left to the explicit checks above, whose messages say more than Django's.
    """
    try:
        instance.full_clean(exclude=exclude, validate_unique=False)
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        if field == NON_FIELD_ERRORS:
            raise InvalidInput(messages[0]) from error
        label = str(instance._meta.get_field(field).verbose_name).capitalize()
        raise InvalidInput(
            f"{label}: {messages[0]}", field=(field_names or {}).get(field, field)
        ) from error
