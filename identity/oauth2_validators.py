import hashlib
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from oauth2_provider.models import get_device_grant_model, get_refresh_token_model
from oauth2_provider.oauth2_validators import OAuth2Validator
from oauth2_provider.settings import oauth2_settings
from oauthlib.oauth2.rfc8628.grant_types.device_code import DeviceCodeGrant

from identity.models import RedeemedCode
from identity.selectors import user_subject

DeviceGrant = get_device_grant_model()


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

    def validate_device_code(self, client_id, code, request, *args, **kwargs):
        """Where a polling device's code stands (RFC 8628 section 3.5); once approved, the
        token is the approving person's, with the scopes they approved. The code is taken
        under a row lock and spent by the token it yields, so two polls cannot both get one."""
        with transaction.atomic():
            grant = (
                DeviceGrant.objects.select_for_update()
                .filter(client_id=client_id, device_code=code)
                .first()
            )
            if grant is None:
                return None
            if grant.status == DeviceGrant.DENIED:
                return DeviceCodeGrant.DEVICE_CODE_DENIED
            if grant.is_expired():
                return DeviceCodeGrant.DEVICE_CODE_EXPIRED
            if grant.status != DeviceGrant.AUTHORIZED or grant.user is None:
                return DeviceCodeGrant.DEVICE_CODE_PENDING
            request.user = grant.user
            request.scopes = grant.scope.split()
            grant.status = DeviceGrant.EXPIRED
            grant.save(update_fields=["status"])
        return DeviceCodeGrant.DEVICE_CODE_AUTHORIZED

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
