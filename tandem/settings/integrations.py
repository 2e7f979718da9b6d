"""External systems Tandem connects to, and the keys that encrypt their credentials at rest."""

import base64
import hashlib

from .env import env

# Demo only: derived from a published phrase, so anyone can decrypt tokens stored under it.
# Set TANDEM_ENCRYPTION_KEYS (comma-separated Fernet keys; the first encrypts, all decrypt)
# everywhere but on a demo machine. Generate one with
# `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())"`.
DEMO_ENCRYPTION_KEY = base64.urlsafe_b64encode(
    hashlib.sha256(b"tandem demo-only encryption key, never for real credentials").digest()
).decode()
TANDEM_ENCRYPTION_KEYS = env.list("TANDEM_ENCRYPTION_KEYS", default=[DEMO_ENCRYPTION_KEY])

# Xero Practice Manager. The defaults point at the XPM sandbox (`python -m sandbox.xpm`);
# production values are https://login.xero.com/identity/connect/authorize,
# https://identity.xero.com/connect/token, https://api.xero.com/connections and
# https://api.xero.com/practicemanager/.
_XPM_SANDBOX = env.str("XPM_SANDBOX_URL", default="http://127.0.0.1:8101")
XPM_CLIENT_ID = env.str("XPM_CLIENT_ID", default="tandem-sandbox")
XPM_CLIENT_SECRET = env.str("XPM_CLIENT_SECRET", default="tandem-sandbox-secret")
XERO_AUTHORIZE_URL = env.str(
    "XERO_AUTHORIZE_URL", default=f"{_XPM_SANDBOX}/identity/connect/authorize"
)
XERO_TOKEN_URL = env.str("XERO_TOKEN_URL", default=f"{_XPM_SANDBOX}/connect/token")
XERO_CONNECTIONS_URL = env.str("XERO_CONNECTIONS_URL", default=f"{_XPM_SANDBOX}/connections")
XPM_API_BASE = env.str("XPM_API_BASE", default=f"{_XPM_SANDBOX}/practicemanager/")

# Connect Now refreshes a connection's directory of external records when it is older than
# this; a whole listing costs one call per thousand records, a refresh of changes one call.
DIRECTORY_MAX_AGE_MINUTES = env.int("DIRECTORY_MAX_AGE_MINUTES", default=15)

# The Tandem sync agent (`tandem-agent`), which sends an on-premises APS database's clients to
# Tandem: the OAuth client id it signs in with (device authorization grant), and how long it
# may stay silent before the Add-ons page warns (it normally pushes at least daily).
TANDEM_AGENT_CLIENT_ID = env.str("TANDEM_AGENT_CLIENT_ID", default="tandem-agent")
TANDEM_AGENT_SILENT_HOURS = env.int("TANDEM_AGENT_SILENT_HOURS", default=26)
