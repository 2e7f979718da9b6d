"""Login protection as configured in tandem/settings/security.py."""

from django.contrib.auth.hashers import Argon2PasswordHasher
from django.urls import reverse

from accounts.tests.factories import TEST_PASSWORD
from tandem.settings import security


def test_argon2_hashes_new_passwords_in_production():
    # conftest swaps in a fast hasher for the tests, so read the production module itself.
    assert security.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert Argon2PasswordHasher().encode("secret", "somesaltvalue").startswith("argon2$")


def test_repeated_wrong_passwords_pause_logging_in(client, staff_user):
    login_url = reverse("accounts:login")
    wrong = {"username": staff_user.email, "password": "not-my-password"}

    responses = [client.post(login_url, wrong) for _attempt in range(6)]

    assert [response.status_code for response in responses[:4]] == [200] * 4
    locked = responses[-1]
    assert locked.status_code == 429
    assert "Logging in is paused" in locked.text
    assert "try again in 15\xa0minutes" in locked.text
    right = client.post(login_url, {"username": staff_user.email, "password": TEST_PASSWORD})
    assert right.status_code == 429


def test_a_lockout_applies_to_that_email_only(client, staff_user, admin_user):
    login_url = reverse("accounts:login")
    for _attempt in range(6):
        client.post(login_url, {"username": staff_user.email, "password": "not-my-password"})

    response = client.post(login_url, {"username": admin_user.email, "password": TEST_PASSWORD})

    assert response.status_code == 302
