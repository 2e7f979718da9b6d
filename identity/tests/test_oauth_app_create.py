import json
from io import StringIO

import pytest
from django.contrib.auth.hashers import check_password
from django.core.management import CommandError, call_command

from identity.models import Application


def _run(*args) -> dict:
    out = StringIO()
    call_command("oauth_app_create", *args, stdout=out)
    return json.loads(out.getvalue())


def test_creates_a_confidential_application_and_shows_its_secret_once(db):
    printed = _run(
        "--name",
        "Ledgerly CMS",
        "--redirect-uri",
        "https://cms.example.com/callback",
        "--redirect-uri",
        "http://127.0.0.1:8123/callback",
        "--client-feed-url",
        "https://cms.example.com/tandem/feed",
    )

    application = Application.objects.get(client_id=printed["client_id"])
    assert application.name == "Ledgerly CMS"
    assert application.redirect_uris.split() == [
        "https://cms.example.com/callback",
        "http://127.0.0.1:8123/callback",
    ]
    assert application.client_feed_url == "https://cms.example.com/tandem/feed"
    assert application.client_type == Application.CLIENT_CONFIDENTIAL
    assert application.authorization_grant_type == Application.GRANT_AUTHORIZATION_CODE
    assert application.algorithm == Application.RS256_ALGORITHM
    assert application.client_secret != printed["client_secret"]
    assert check_password(printed["client_secret"], application.client_secret)


def test_public_application_has_no_secret(db):
    printed = _run("--name", "Desk app", "--redirect-uri", "http://127.0.0.1/cb", "--public")

    assert printed["client_secret"] is None
    assert Application.objects.get().client_type == Application.CLIENT_PUBLIC


def test_device_application_needs_no_redirect_uri(db):
    printed = _run("--name", "APS sync agent", "--device")

    application = Application.objects.get(client_id=printed["client_id"])
    assert printed["client_secret"] is None
    assert application.authorization_grant_type == Application.GRANT_DEVICE_CODE


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--name", "Ledgerly"], "redirect_uris cannot be empty"),
        (["--name", " ", "--redirect-uri", "https://cms.example.com/cb"], "needs a name"),
        (
            ["--name", "Ledgerly", "--redirect-uri", "http://cms.example.com/cb"],
            "must use https; only loopback addresses may use http",
        ),
        (["--name", "Ledgerly", "--redirect-uri", "cms.example.com/cb"], "redirect"),
        (
            [
                "--name",
                "Ledgerly",
                "--redirect-uri",
                "https://cms.example.com/cb",
                "--client-feed-url",
                "not a url",
            ],
            "Enter a valid URL",
        ),
    ],
)
def test_bad_input_is_one_clear_line_and_creates_nothing(db, args, message):
    with pytest.raises(CommandError, match=message) as raised:
        call_command("oauth_app_create", *args)

    assert "\n" not in str(raised.value)
    assert not Application.objects.exists()
