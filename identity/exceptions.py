"""What can go wrong registering CMS applications, in words fit for the person doing it."""

from tandem.errors import TandemError


class IdentityError(TandemError):
    """Base of the identity provider's errors."""


class ApplicationInvalid(IdentityError):
    """An application's registration failed validation; `field` names the value at fault."""

    code = "application_invalid"
