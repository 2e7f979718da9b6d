import secrets
from datetime import timedelta

from django.utils import timezone
from oauth2_provider.models import get_access_token_model

from integrations.connectors.cms.selectors import PROVIDER, cms_account_key
from integrations.tests.factories import ConnectionFactory


def access_token_create(*, user, application, scope: str = "openid connect") -> str:
    """A live access token of `user` for `application`, as Tandem's OAuth flow issues them."""
    token = secrets.token_urlsafe(24)
    get_access_token_model().objects.create(
        user=user,
        application=application,
        token=token,
        scope=scope,
        expires=timezone.now() + timedelta(minutes=10),
    )
    return token


def cms_connection_create(*, firm, application, account_id: str, user, **fields):
    """A CMS account connected to `firm` through `application`, as the CMS's call leaves it."""
    return ConnectionFactory(
        firm=firm,
        provider=PROVIDER,
        external_account_id=cms_account_key(client_id=application.client_id, account_id=account_id),
        provider_connection_id="",
        connected_by=user,
        **fields,
    )
