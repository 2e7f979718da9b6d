"""The one user-facing base error every app's exceptions derive from."""


class TandemError(Exception):
    """An error whose `message` is fit to show the person who caused it.

    `code` is stable (API problem responses and tests rely on it); `field` names the input at
    fault where there is one.
    """

    code = "error"

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
