"""The REST API under /api/v1/: bearer tokens only, problem responses, per-token rate limits."""

from .env import env

# Requests per token (per OAuth application and user) before 429 with Retry-After:
# "<count>/<second|minute|hour|day>".
TANDEM_API_RATE = env.str("TANDEM_API_RATE", default="600/minute")
# How long a create call's Idempotency-Key and its answer are kept for retries.
TANDEM_API_IDEMPOTENCY_HOURS = env.int("TANDEM_API_IDEMPOTENCY_HOURS", default=24)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.PersonalAccessTokenAuthentication",
        "api.authentication.FirmOAuth2Authentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "api.permissions.TokenRequired",
        "api.permissions.ScopeRequired",
    ],
    "DEFAULT_THROTTLE_CLASSES": ["api.permissions.CredentialRateThrottle"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "api.schema.TandemAutoSchema",
    "EXCEPTION_HANDLER": "api.problems.problem_exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Tandem API",
    "DESCRIPTION": (
        "Clients, their relationships, appointments, documents and links to practice-management "
        "systems, duplicate contacts and sync runs of one practice. Authenticate with a personal "
        "access token (Account menu > API tokens) or an OAuth 2.0 access token from Tandem's "
        "provider, as `Authorization: Bearer <token>`. Errors are RFC 9457 problem details."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_AUTHENTICATION": [],
    "SERVE_PERMISSIONS": ["rest_framework.permissions.AllowAny"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ClientKindEnum": "clients.models.ClientKind",
        "RelationshipRoleEnum": "clients.models.RelationshipRole",
        "AppointmentStatusEnum": "scheduling.models.AppointmentStatus",
        "ConnectionStatusEnum": "integrations.models.ConnectionStatus",
        "RemoteStatusEnum": "sync.models.RemoteStatus",
        "SyncKindEnum": "sync.models.SyncKind",
        "SyncRunStatusEnum": "sync.models.SyncRunStatus",
        "RecordOutcomeEnum": "sync.models.RecordOutcome",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "OAUTH2_FLOWS": ["authorizationCode"],
    "OAUTH2_AUTHORIZATION_URL": "/o/authorize/",
    "OAUTH2_TOKEN_URL": "/o/token/",
    "OAUTH2_REFRESH_URL": "/o/token/",
    "OAUTH2_SCOPES": {
        "clients:read": "Read clients, their appointments, documents and links",
        "clients:write": "Create and change clients, links, documents and merges",
        "sync:run": "Start sync runs and read their progress and outcomes",
    },
}
