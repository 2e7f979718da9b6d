"""CareCloud, the reference client-management system: a relying party of Tandem that serves
Tandem's client-feed contract (see README.md)."""

from sandbox.cms.server import (
    CARER_EMAIL,
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    SANDBOX_PASSWORD,
    TANDEM_DEMO_ADMIN_EMAIL,
    CmsSandbox,
)

__all__ = [
    "CARER_EMAIL",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "SANDBOX_PASSWORD",
    "TANDEM_DEMO_ADMIN_EMAIL",
    "CmsSandbox",
]
