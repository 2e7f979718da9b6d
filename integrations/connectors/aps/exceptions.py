"""What Tandem refuses from the Tandem sync agent or from a person setting it up.

`code` is stable: the inbound API returns it in its problem documents, and the agent shows the
message as it is.
"""

from integrations.exceptions import IntegrationError


class ApsError(IntegrationError):
    code = "aps_error"


class ApsNotActivated(ApsError):
    """The firm has no active APS add-on for the agent to send to."""

    code = "not_activated"

    def __init__(self, firm_name: str):
        super().__init__(
            f"APS is not activated for {firm_name}: a firm administrator activates it on "
            "Tandem's Add-ons page (Add add-on, APS)."
        )


class AgentForbidden(ApsError):
    code = "forbidden"


class BatchRefused(ApsError):
    """The request as a whole makes no sense; nothing in it was taken."""

    code = "invalid_request"


class DeviceCodeRefused(ApsError):
    """The code a person typed to approve the agent's sign-in is not one Tandem can approve."""

    code = "invalid_user_code"

    def __init__(self, message: str):
        super().__init__(message, field="user_code")
