from oauth2_provider.oauth2_validators import OAuth2Validator

from identity.selectors import user_subject


class TandemOAuth2Validator(OAuth2Validator):
    """Claims Tandem releases about a person; django-oauth-toolkit filters them by scope."""

    oidc_claim_scope = {
        **OAuth2Validator.oidc_claim_scope,
        "email": "email",
        "name": "profile",
        "given_name": "profile",
        "family_name": "profile",
    }

    def get_additional_claims(self, request):
        user = request.user
        return {
            "sub": user_subject(user),
            "email": user.email,
            "name": user.get_full_name() or user.email,
            "given_name": user.first_name,
            "family_name": user.last_name,
        }
