import hashlib
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import AuditEvent
from accounts.tests.factories import UserFactory
from api.exceptions import TokenStateError
from api.models import PersonalAccessToken
from api.selectors import personal_access_token_find
from api.services import personal_access_token_create, personal_access_token_revoke


def test_a_token_is_stored_only_as_its_hash_with_a_visible_prefix(admin_user, firm):
    new = personal_access_token_create(
        user=admin_user, name="Nightly export", scopes=["clients:read"], expires_at=None
    )

    stored = PersonalAccessToken.objects.get()
    assert new.raw.startswith(stored.prefix)
    assert stored.prefix.startswith("tnd_")
    assert stored.token_hash == hashlib.sha256(new.raw.encode()).hexdigest()
    assert (stored.firm, stored.scopes) == (firm, ["clients:read"])
    assert personal_access_token_find(raw=new.raw) == stored
    assert AuditEvent.objects.filter(action="api_token.create", actor=admin_user).exists()


def test_each_token_is_new(admin_user):
    made = {
        personal_access_token_create(
            user=admin_user, name="Script", scopes=["clients:read"], expires_at=None
        ).raw
        for _ in range(3)
    }

    assert len(made) == 3


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"name": " ", "scopes": ["clients:read"]}, "name"),
        ({"name": "Script", "scopes": []}, "scopes"),
        ({"name": "Script", "scopes": ["admin"]}, "scopes"),
        (
            {
                "name": "Script",
                "scopes": ["clients:read"],
                "expires_at": timezone.now() - timedelta(days=1),
            },
            "expires_at",
        ),
    ],
)
def test_a_token_without_a_name_scopes_or_future_expiry_is_refused(admin_user, fields, field):
    fields.setdefault("expires_at", None)

    with pytest.raises(ValidationError) as refused:
        personal_access_token_create(user=admin_user, **fields)

    assert field in refused.value.message_dict
    assert not PersonalAccessToken.objects.exists()


def test_only_a_member_of_a_firm_makes_tokens(db):
    with pytest.raises(TokenStateError):
        personal_access_token_create(
            user=UserFactory(), name="Script", scopes=["clients:read"], expires_at=None
        )


def test_a_revoked_token_stays_listed_and_revoking_it_again_is_refused(admin_user):
    token = personal_access_token_create(
        user=admin_user, name="Script", scopes=["clients:read"], expires_at=None
    ).token

    personal_access_token_revoke(token=token, acting_user=admin_user)

    assert not token.is_usable
    with pytest.raises(TokenStateError):
        personal_access_token_revoke(token=token, acting_user=admin_user)
