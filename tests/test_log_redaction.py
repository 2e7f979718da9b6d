"""Logs never carry tokens, secrets or tax numbers, through the handlers the settings configure."""

import logging

import httpx
import pytest

from tandem.logging import RedactSecrets, redact

ACCESS_TOKEN = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiI0MiJ9.c2lnbmF0dXJlLW9mLXRoZS10b2tlbg"
REFRESH_TOKEN = "rt_7f3a9c2e1b5d4f6a8c0e2b4d6f8a0c2e"
CLIENT_SECRET = "cs_Z3Vlc3MtdGhpcy1jbGllbnQtc2VjcmV0"
CODE = "SplxlOBeZQQYbYS6WxSbIA"
TAX_NUMBER = "123-456-789"
SECRETS = [ACCESS_TOKEN, REFRESH_TOKEN, CLIENT_SECRET, CODE, TAX_NUMBER, "123456789"]


def configured_handlers() -> list[logging.Handler]:
    """The handlers that write records anywhere, on any logger (pytest's own left out)."""
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    return [
        handler
        for logger in loggers
        if isinstance(logger, logging.Logger)
        for handler in logger.handlers
        if not isinstance(handler, logging.NullHandler)
        and not type(handler).__module__.startswith("_pytest")
    ]


def test_every_configured_handler_redacts():
    handlers = configured_handlers()

    assert len(handlers) >= 2  # the console and the development server's request lines
    assert [
        handler
        for handler in handlers
        if not any(isinstance(f, RedactSecrets) for f in handler.filters)
    ] == []


def test_a_failed_token_exchange_logged_with_its_traceback_shows_no_secret(caplog):
    request = httpx.Request(
        "POST",
        f"https://identity.example.com/connect/token?code={CODE}",
        headers={"Authorization": f"Bearer {ACCESS_TOKEN}"},
        data={"grant_type": "refresh_token", "refresh_token": REFRESH_TOKEN},
    )
    logger = logging.getLogger("integrations.connectors.xpm")

    with caplog.at_level(logging.INFO):
        logger.info("POST %s with %s", request.url, request.content.decode())
        try:
            raise RuntimeError(
                f"token endpoint refused: Authorization: {request.headers['Authorization']}, "
                f'body {{"client_secret": "{CLIENT_SECRET}", "access_token": "{ACCESS_TOKEN}"}}'
            )
        except RuntimeError:
            logger.exception("Refreshing the XPM token of client %s (%s) failed", 42, TAX_NUMBER)

    assert len(caplog.records) == 2
    text = caplog.text
    assert [secret for secret in SECRETS if secret in text] == []
    assert "grant_type=refresh_token" in text
    assert "refresh_token=[redacted]" in text
    assert "Bearer [redacted]" in text
    assert "client 42 ([redacted])" in text
    assert "RuntimeError: token endpoint refused" in text


def test_a_request_line_of_the_development_server_shows_no_code(caplog):
    (handler,) = logging.getLogger("django.server").handlers
    record = logging.LogRecord(
        "django.server",
        logging.INFO,
        __file__,
        1,
        '"%s" %s %s',
        (f"GET /addons/xpm/callback/?code={CODE}&state=abc HTTP/1.1", "302", "0"),
        None,
    )
    record.status_code = 302

    assert handler.filter(record)
    line = handler.format(record)

    assert CODE not in line
    assert "?code=[redacted]&state=abc" in line


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Authorization: Bearer abc.def-ghi_jkl", "Authorization: Bearer [redacted]"),
        ("Authorization: Basic dGFuZGVtOnNlY3JldA==", "Authorization: Basic [redacted]"),
        ("/cb?code=abc123&state=xyz", "/cb?code=[redacted]&state=xyz"),
        (
            '{"access_token": "at-1", "expires_in": 600}',
            '{"access_token": "[redacted]", "expires_in": 600}',
        ),
        ("client_secret=s3cr3t&client_id=cms", "client_secret=[redacted]&client_id=cms"),
        ("code_verifier=v-e-r", "code_verifier=[redacted]"),
        ("{'tax_number': 'AB12345'}", "{'tax_number': '[redacted]'}"),
        ("IRD 49-091-850 and TFN 123 456 782", "IRD [redacted] and TFN [redacted]"),
        ("ABN 51 824 753 556", "ABN [redacted]"),
        ("IRD 049091850.", "IRD [redacted]."),
    ],
)
def test_redact_hides_secrets_and_tax_numbers(text, expected):
    assert redact(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "error_code=invalid_grant",
        "Imported 1234 of 100000 clients",
        "Run 00000000-0000-0000-0000-000000123456 started at 2026-11-22 22:54:29",
        "client code ACME-001 renamed",
    ],
)
def test_redact_leaves_ordinary_text_alone(text):
    assert redact(text) == text
