from api.models import PersonalAccessToken
from api.services import personal_access_token_create


def test_a_new_token_is_shown_once(as_admin, admin_user):
    created = as_admin.post(
        "/accounts/api-tokens/",
        {"name": "Nightly export", "scopes": ["clients:read", "sync:run"], "expires_in": "30"},
    )
    token = PersonalAccessToken.objects.get()
    again = as_admin.get("/accounts/api-tokens/")

    assert created.status_code == 200
    assert created.context["new"].raw.encode() in created.content
    assert token.scopes == ["clients:read", "sync:run"]
    assert token.expires_at is not None
    assert token.prefix.encode() in again.content
    assert created.context["new"].raw.encode() not in again.content


def test_a_token_without_a_scope_is_refused_on_the_form(as_admin):
    response = as_admin.post("/accounts/api-tokens/", {"name": "Script", "expires_in": ""})

    assert response.status_code == 400
    assert response.context["form"].errors["scopes"]
    assert not PersonalAccessToken.objects.exists()


def test_a_token_is_revoked_by_its_owner(as_admin, admin_user):
    token = personal_access_token_create(
        user=admin_user, name="Script", scopes=["clients:read"], expires_at=None
    ).token

    response = as_admin.post(f"/accounts/api-tokens/{token.pk}/revoke/")

    token.refresh_from_db()
    assert response.status_code == 302
    assert token.revoked_at is not None


def test_a_colleagues_token_is_neither_listed_nor_revocable(as_staff, admin_user):
    token = personal_access_token_create(
        user=admin_user, name="Admin's script", scopes=["clients:read"], expires_at=None
    ).token

    listed = as_staff.get("/accounts/api-tokens/")
    revoked = as_staff.post(f"/accounts/api-tokens/{token.pk}/revoke/")

    token.refresh_from_db()
    assert b"Admin&#x27;s script" not in listed.content
    assert revoked.status_code == 404
    assert token.revoked_at is None
