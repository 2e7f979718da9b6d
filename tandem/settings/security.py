"""Browser-facing hardening: passwords, login lockout, sessions, cookies, HTTPS and headers.

`TANDEM_ENV=production` turns on everything `manage.py check --deploy` asks for and refuses the
published demo secrets. The demo default serves plain http on 127.0.0.1 for `make run`, so its
cookies cannot be Secure and it sends no HSTS (which would pin the browser to https on loopback).
"""

from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from .core import DEBUG, DEMO_SECRET_KEY, SECRET_KEY
from .env import env
from .integrations import DEMO_ENCRYPTION_KEY, TANDEM_ENCRYPTION_KEYS

TANDEM_ENV = env.str("TANDEM_ENV", default="demo")
if TANDEM_ENV not in ("demo", "production"):
    raise ImproperlyConfigured(f"TANDEM_ENV is {TANDEM_ENV!r}: use demo or production.")
PRODUCTION = TANDEM_ENV == "production"

if PRODUCTION:
    if DEBUG:
        raise ImproperlyConfigured("TANDEM_DEBUG must be off when TANDEM_ENV=production.")
    if SECRET_KEY == DEMO_SECRET_KEY:
        raise ImproperlyConfigured("Set TANDEM_SECRET_KEY: the demo secret key is public.")
    if DEMO_ENCRYPTION_KEY in TANDEM_ENCRYPTION_KEYS:
        raise ImproperlyConfigured(
            "Set TANDEM_ENCRYPTION_KEYS without the demo key: anyone can decrypt what it encrypts."
        )
    if "TANDEM_ALLOWED_HOSTS" not in env.ENVIRON:
        raise ImproperlyConfigured("Set TANDEM_ALLOWED_HOSTS to the host names Tandem serves.")

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

# Failed logins: lock the (username, address) pair, not the whole address, so one person's typos
# never lock out a whole office behind one NAT address.
AXES_FAILURE_LIMIT = env.int("TANDEM_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("TANDEM_LOGIN_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_USERNAME_FORM_FIELD = "username"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

# An idle timeout: every request pushes the expiry on, so a sign-in lasts this long after the
# last request, not after logging in.
SESSION_COOKIE_AGE = env.int("TANDEM_SESSION_SECONDS", default=8 * 60 * 60)
SESSION_SAVE_EVERY_REQUEST = True
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
# htmx sends the token from the page (hx-headers in base.html); no script reads the cookie.
CSRF_COOKIE_HTTPONLY = True
CSRF_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SECURE = PRODUCTION
CSRF_TRUSTED_ORIGINS = env.list("TANDEM_CSRF_TRUSTED_ORIGINS", default=[])

SECURE_SSL_REDIRECT = env.bool("TANDEM_SSL_REDIRECT", default=PRODUCTION)
# Behind a load balancer that ends TLS, Django only knows the request was https from the header
# the balancer sets; trust it only when the balancer strips any copy the client sent.
if env.bool("TANDEM_TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
_ONE_YEAR = 365 * 24 * 60 * 60
SECURE_HSTS_SECONDS = env.int("TANDEM_HSTS_SECONDS", default=_ONE_YEAR if PRODUCTION else 0)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("TANDEM_HSTS_INCLUDE_SUBDOMAINS", default=PRODUCTION)
SECURE_HSTS_PRELOAD = env.bool("TANDEM_HSTS_PRELOAD", default=PRODUCTION)
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# Pages load scripts and styles only from Tandem itself (no template has inline script or style);
# Pico's icons are data: images. No form-action: the consent and Connect Now forms end in
# redirects to other origins, which browsers check against form-action.
CONTENT_SECURITY_POLICY = {
    # The API's documentation pages add inline script and style to it (api/urls.py).
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [NONE],
        "frame-ancestors": [NONE],
        "upgrade-insecure-requests": PRODUCTION,
    },
}

# The toolkit warns that http redirect URIs are allowed at all; identity.Application.clean
# allows them for loopback hosts only (RFC 8252 native apps), which is what RFC 9700 asks.
SILENCED_SYSTEM_CHECKS = ["oauth2_provider.W008"]
