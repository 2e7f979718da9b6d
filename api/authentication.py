"""Who is calling: a personal access token, or an OAuth 2.0 access token from Tandem's own
provider. Either way the request's `auth` becomes an `ApiCredential` naming the firm every
query is scoped by, the scopes granted and a stable key for rate limits and idempotency."""

from dataclasses import dataclass

from django.utils import timezone
from oauth2_provider.contrib.rest_framework import OAuth2Authentication
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from accounts.models import Firm, Membership, User
from api.selectors import personal_access_token_find
from api.services import personal_access_token_touch
from api.tokens import TOKEN_PREFIX


@dataclass(frozen=True)
class ApiCredential:
    firm: Firm
    membership: Membership
    scopes: frozenset[str]
    # One per token, or per (application, user) for OAuth, whose access tokens rotate.
    key: str


class PersonalAccessTokenAuthentication(BaseAuthentication):
    """`Authorization: Bearer tnd_...`; other bearer tokens are left to OAuth."""

    www_authenticate_realm = "api"

    def authenticate(self, request: Request) -> tuple[User, ApiCredential] | None:
        parts = get_authorization_header(request).split()
        if len(parts) != 2 or parts[0].lower() != b"bearer":
            return None
        raw = parts[1].decode("latin-1")
        if not raw.startswith(TOKEN_PREFIX):
            return None
        token = personal_access_token_find(raw=raw)
        if token is None or not token.is_usable:
            raise exceptions.AuthenticationFailed(
                "This personal access token is unknown, revoked or expired.",
                code="token_invalid",
            )
        membership = _membership(token.user)
        if membership is None or membership.firm_id != token.firm_id:
            raise exceptions.AuthenticationFailed(
                "The owner of this token is no longer a member of its firm.",
                code="token_invalid",
            )
        personal_access_token_touch(token=token, now=timezone.now())
        credential = ApiCredential(
            firm=membership.firm,
            membership=membership,
            scopes=frozenset(token.scopes),
            key=f"pat:{token.pk}",
        )
        return token.user, credential

    def authenticate_header(self, request: Request) -> str:
        return f'Bearer realm="{self.www_authenticate_realm}"'


class FirmOAuth2Authentication(OAuth2Authentication):
    """django-oauth-toolkit's bearer token check, then the firm of the user it acts for."""

    def authenticate(self, request: Request) -> tuple[User, ApiCredential] | None:
        authenticated = super().authenticate(request)
        if authenticated is None:
            return None
        user, access_token = authenticated
        membership = _membership(user) if user is not None else None
        if membership is None:
            raise exceptions.AuthenticationFailed(
                "This access token acts for nobody who belongs to a firm.", code="token_invalid"
            )
        credential = ApiCredential(
            firm=membership.firm,
            membership=membership,
            scopes=frozenset(access_token.scope.split()),
            key=f"oauth:{access_token.application_id}:{user.pk}",
        )
        return user, credential


def _membership(user: User) -> Membership | None:
    if not user.is_active:
        return None
    return Membership.objects.select_related("firm").filter(user=user).first()
