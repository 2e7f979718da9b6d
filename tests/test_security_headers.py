"""Security headers on every response, and the cookies and sessions of a signed-in person.

Every URL pattern of the project (Tandem's pages, the API, the OAuth and OIDC endpoints, the
admin) is requested by GET as a signed-in firm administrator and by GET and POST anonymously,
over https with the settings `TANDEM_ENV=production` gives, read from a process started with
them. Whatever the answer (a page, a redirect, a 401 problem, a 404), it carries the headers.
"""

import json
import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from django.contrib.sessions.models import Session
from django.test import Client as HttpClient
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from accounts.tests.factories import TEST_PASSWORD
from tests.test_deploy_check import PRODUCTION, manage

# What production changes about headers and cookies; everything else is the same in the demo.
PRODUCTION_SETTING_NAMES = (
    "SECURE_HSTS_SECONDS",
    "SECURE_HSTS_INCLUDE_SUBDOMAINS",
    "SECURE_HSTS_PRELOAD",
    "SECURE_SSL_REDIRECT",
    "SESSION_COOKIE_SECURE",
    "CSRF_COOKIE_SECURE",
    "CONTENT_SECURITY_POLICY",
)

EXPECTED_HEADERS = {
    "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}
EXPECTED_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self'",
    "img-src": "'self' data:",
    "object-src": "'none'",
    "base-uri": "'none'",
    "frame-ancestors": "'none'",
    "upgrade-insecure-requests": "",
}

# drf-spectacular's API documentation pages start with inline script and style: their policy
# allows those on top of the rest, which still applies (frame-ancestors 'none' among it).
DOCS_PAGES = {"api/v1/docs/", "api/v1/redoc/"}
DOCS_POLICY = EXPECTED_POLICY | {
    "script-src": "'self' 'unsafe-inline'",
    "style-src": "'self' 'unsafe-inline'",
    "worker-src": "'self' blob:",
}

# A value for each kind of path argument: objects that do not exist are fine, a 404 is a
# response like any other.
CONVERTER_VALUES = {"int": "1", "uuid": "00000000-0000-0000-0000-000000000000"}


def urls_walk(patterns=None, prefix: str = "") -> Iterator[tuple[str, str]]:
    """(name or route, a URL) for every pattern of the project, includes followed."""
    for pattern in get_resolver().url_patterns if patterns is None else patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            yield from urls_walk(pattern.url_patterns, route)
        elif isinstance(pattern, URLPattern):
            # The admin's few re_path patterns: each named group becomes "1", anchors go.
            url = re.sub(r"\(\?P<\w+>[^)]*\)", "1", route).replace("^", "").replace("$", "")
            url = re.sub(
                r"<(?:(\w+):)?(\w+)>",
                lambda match: CONVERTER_VALUES.get(match[1] or "str", "xpm"),
                url,
            )
            yield route or "/", "/" + url


URLS = sorted(set(urls_walk()))


@pytest.fixture(scope="module")
def production_settings() -> dict:
    script = (
        "import json; from django.conf import settings; "
        f"names = {PRODUCTION_SETTING_NAMES}; "
        "print(json.dumps({name: getattr(settings, name) for name in names}))"
    )
    result = manage("shell", "--no-imports", "-c", script, **PRODUCTION)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


@pytest.fixture
def in_production(settings, production_settings):
    for name, value in production_settings.items():
        setattr(settings, name, value)


def header_problems(response, *, policy_expected: dict = EXPECTED_POLICY) -> list[str]:
    problems = [
        f"{header}: {response.get(header)!r}, not {expected!r}"
        for header, expected in EXPECTED_HEADERS.items()
        if response.get(header) != expected
    ]
    header = response.get("Content-Security-Policy")
    policy = header and {
        name: value for name, _, value in (part.partition(" ") for part in header.split("; "))
    }
    if policy != policy_expected:
        problems.append(f"Content-Security-Policy: {header!r}")
    return problems


def test_the_walk_reaches_pages_the_api_and_the_oauth_endpoints():
    routes = {route for route, _ in URLS}
    assert len(routes) > 150
    assert {"clients/", "api/v1/clients/", "o/authorize/", "o/token/", "o/userinfo/"} <= routes
    assert ".well-known/openid-configuration" in routes


def test_every_response_carries_the_security_headers(in_production, admin_user):
    signed_in = HttpClient(raise_request_exception=False)
    signed_in.force_login(admin_user)
    anonymous = HttpClient(raise_request_exception=False)
    problems = {}
    statuses = set()

    for route, url in URLS:
        responses = {
            "signed-in GET": signed_in.get(url, secure=True),
            "anonymous GET": anonymous.get(url, secure=True),
            "anonymous POST": anonymous.post(url, secure=True),
        }
        statuses |= {response.status_code for response in responses.values()}
        problems |= {
            f"{request} {route} ({response.status_code})": found
            for request, response in responses.items()
            if (
                found := header_problems(
                    response,
                    policy_expected=DOCS_POLICY if route in DOCS_PAGES else EXPECTED_POLICY,
                )
            )
        }

    assert not problems
    # Successes, redirects, refusals and not-founds alike were checked.
    assert {200, 302, 401, 404, 405} <= statuses


def test_static_files_and_bearer_token_answers_carry_them_too(in_production, db):
    client = HttpClient(raise_request_exception=False)

    static = client.get("/static/tandem/app.css", secure=True)
    refused = client.get("/api/v1/clients/", secure=True, HTTP_AUTHORIZATION="Bearer forged")

    assert static.status_code == 200
    assert refused.status_code == 401
    assert header_problems(static) == []
    assert header_problems(refused) == []


def test_the_demo_on_plain_http_sends_no_hsts_but_every_other_header(admin_user):
    client = HttpClient()
    client.force_login(admin_user)

    response = client.get(reverse("clients:list"))

    assert response.status_code == 200
    assert "Strict-Transport-Security" not in response
    assert "frame-ancestors 'none'" in response["Content-Security-Policy"]
    assert response["X-Frame-Options"] == "DENY"


def log_in(client: HttpClient, user, **extra):
    return client.post(
        reverse("accounts:login"),
        {"username": user.email, "password": TEST_PASSWORD},
        **extra,
    )


def test_cookies_are_secure_httponly_and_samesite_lax_in_production(in_production, admin_user):
    client = HttpClient(enforce_csrf_checks=False)
    client.get(reverse("accounts:login"), secure=True)

    response = log_in(client, admin_user, secure=True)

    assert response.status_code == 302
    for name in ("sessionid", "csrftoken"):
        cookie = client.cookies[name]
        assert cookie["secure"] is True, name
        assert cookie["httponly"] is True, name
        assert cookie["samesite"] == "Lax", name


def test_logging_in_rotates_the_session_key(client, admin_user):
    session = client.session
    session["seen_before_login"] = True
    session.save()
    client.cookies["sessionid"] = session.session_key
    before = session.session_key

    response = log_in(client, admin_user)

    assert response.status_code == 302
    after = client.cookies["sessionid"].value
    assert after != before
    assert not Session.objects.filter(session_key=before).exists()
    assert Session.objects.get(session_key=after).get_decoded()["_auth_user_id"] == str(
        admin_user.pk
    )


def test_each_request_extends_the_session_by_the_idle_timeout(client, admin_user, settings):
    log_in(client, admin_user)
    key = client.cookies["sessionid"].value
    nearly_over = timezone.now() + timedelta(minutes=1)
    Session.objects.filter(session_key=key).update(expire_date=nearly_over)

    assert client.get(reverse("clients:list")).status_code == 200

    extended = Session.objects.get(session_key=key).expire_date
    assert extended > nearly_over + timedelta(seconds=settings.SESSION_COOKIE_AGE / 2)


def test_an_idle_session_past_its_timeout_signs_the_person_out(client, admin_user):
    log_in(client, admin_user)
    key = client.cookies["sessionid"].value
    Session.objects.filter(session_key=key).update(
        expire_date=timezone.now() - timedelta(seconds=1)
    )

    response = client.get(reverse("clients:list"))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("accounts:login"))
