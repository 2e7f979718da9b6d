import hashlib
from datetime import timedelta

from django.utils import timezone
from oauth2_provider.models import get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings

from identity.models import RedeemedCode
from identity.selectors import user_subject


def _checksum(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


class TandemOAuth2Validator(OAuth2Validator):
    """Tandem's claims about a person, and revocation of what a replayed code obtained."""

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "email": "email",
        "email_verified": "email",
        "name": "profile",
        "given_name": "profile",
        "family_name": "profile",
    }

    def get_additional_claims(self, request):
        user = request.user
        return {
            "sub": user_subject(user),
            "email": user.email,
            # A Tandem account's email is its sign-in name, set by the firm's administrator or
            # proven by accepting the emailed invitation; a CMS may match accounts on it.
            "email_verified": True,
            "name": user.get_full_name() or user.email,
            "given_name": user.first_name,
            "family_name": user.last_name,
        }

    # oauthlib asks these for prompt=none before anyone is known; identity.views.ConsentView
    # answers login_required or consent_required once it knows the person and their consent.
    def validate_silent_login(self, request):
        return True

    def validate_silent_authorization(self, request):
        return True

    def validate_code(self, client_id, code, client, request, *args, **kwargs):
        if super().validate_code(client_id, code, client, request, *args, **kwargs):
            return True
        redeemed = RedeemedCode.objects.filter(
            code_checksum=_checksum(code), application=client
        ).first()
        if redeemed is not None:
            get_refresh_token_model().revoke_family(redeemed.token_family)
        return False

    def _save_bearer_token(self, token, request, *args, **kwargs):
        saved = super()._save_bearer_token(token, request, *args, **kwargs)
        if request.grant_type == "authorization_code" and "refresh_token" in token:
            now = timezone.now()
            RedeemedCode.objects.filter(forget_after__lt=now).delete()
            family = (
                get_refresh_token_model()
                .objects.filter(token_checksum=_checksum(token["refresh_token"]))
                .values_list("token_family", flat=True)
                .get()
            )
            # Kept as long as the tokens it obtained could still be refreshed.
            lifetime = oauth2_settings.REFRESH_TOKEN_EXPIRE_SECONDS or 30 * 24 * 60 * 60
            RedeemedCode.objects.create(
                code_checksum=_checksum(request.code),
                application=request.client,
                token_family=family,
                forget_after=now + timedelta(seconds=lifetime),
            )
        return saved
