import pytest
from django.test import Client as HttpClient

from accounts.tests.factories import UserFactory
from identity.models import Application
from identity.tests.factories import ApplicationFactory


@pytest.fixture
def as_superuser(db) -> HttpClient:
    http = HttpClient()
    http.force_login(UserFactory(is_staff=True, is_superuser=True))
    return http


def test_admin_edits_the_cms_fields_of_an_application(as_superuser):
    application = ApplicationFactory(name="Ledgerly CMS")

    page = as_superuser.get(f"/admin/identity/application/{application.pk}/change/")

    assert page.status_code == 200
    assert "Client feed URL" in page.content.decode()
    assert "Logo URL" in page.content.decode()


def test_admin_refuses_an_implicit_grant_application(as_superuser):
    response = as_superuser.post(
        "/admin/identity/application/add/",
        {
            "name": "Old CMS",
            "client_id": "old-cms",
            "client_type": Application.CLIENT_CONFIDENTIAL,
            "client_secret": "old-cms-secret",
            "hash_client_secret": "on",
            "authorization_grant_type": Application.GRANT_IMPLICIT,
            "redirect_uris": "https://old.example.com/cb",
            "post_logout_redirect_uris": "",
            "algorithm": Application.RS256_ALGORITHM,
        },
    )

    assert response.status_code == 200
    assert "authorization code or the device code grant" in response.content.decode()
    assert not Application.objects.exists()
