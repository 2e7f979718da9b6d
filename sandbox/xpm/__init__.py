"""A sandbox of Xero identity and Xero Practice Manager v3.1 (see README.md)."""

from sandbox.xpm.clock import ManualClock
from sandbox.xpm.server import (
    DEFAULT_USER_EMAIL,
    DEFAULT_USER_PASSWORD,
    XpmSandbox,
)

__all__ = ["DEFAULT_USER_EMAIL", "DEFAULT_USER_PASSWORD", "ManualClock", "XpmSandbox"]
