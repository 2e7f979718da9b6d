from integrations.exceptions import IntegrationError


class CmsAccountRefused(IntegrationError):
    """A CMS asked to connect or disconnect an account and Tandem said no; `code` is the
    client-feed contract's problem code: "forbidden", "invalid_request" or "not_found"."""

    code = "cms_account_refused"
