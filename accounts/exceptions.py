"""What can go wrong when managing firms, users and invitations, in words fit for the user.

Every error is a `TandemError`: `message` is shown as is, `field` names the form field at fault
(when one is), and `code` is stable for the API and tests.
"""

from tandem.errors import TandemError


class AccountsError(TandemError):
    """Base of the accounts errors."""


class InvalidInput(AccountsError):
    """A value failed validation (format, length); `field` says which."""

    code = "invalid"


class SlugTaken(AccountsError):
    code = "slug_taken"


class EmailTaken(AccountsError):
    """The email address already belongs to a Tandem account (or has an open invitation)."""

    code = "email_taken"


class PasswordRejected(AccountsError):
    """The password failed the project's password validators; the message lists why."""

    code = "password_rejected"


class NotPermitted(AccountsError):
    """The acting user may not make this change (not an administrator, or their own account)."""

    code = "not_permitted"


class LastAdministrator(AccountsError):
    """The change would leave the firm without an active firm administrator."""

    code = "last_administrator"


class InvitationUnusable(AccountsError):
    """The invitation link is unknown, expired, already used or revoked; `code` says which."""

    code = "invitation_unusable"
