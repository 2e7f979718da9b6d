"""The provider's pages: consent, connected applications, and the published metadata."""

import json
from urllib.parse import urlsplit

from csp.constants import NONE
from csp.decorators import csp_replace
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.cache import patch_cache_control
from django.utils.decorators import method_decorator
from django.views.decorators.clickjacking import xframe_options_deny
from django.views.decorators.http import require_POST
from oauth2_provider.exceptions import OAuthToolkitError
from oauth2_provider.scopes import get_scopes_backend
from oauth2_provider.settings import oauth2_settings
from oauth2_provider.views import (
    AuthorizationView,
    ConnectDiscoveryInfoView,
    DeviceAuthorizationView,
    UserInfoView,
)
from oauth2_provider.views.metadata import OAuthServerMetadataView
from oauthlib.common import add_params_to_uri
from oauthlib.oauth2.rfc6749.errors import InvalidRequestError
from oauthlib.openid.connect.core.exceptions import ConsentRequired, LoginRequired

from identity import keys, selectors, services
from identity.models import Application


# A consent screen inside someone else's frame could be clickjacked into "Authorise": this page
# refuses framing whatever the site-wide policy says.
@method_decorator(xframe_options_deny, name="dispatch")
@method_decorator(csp_replace({"frame-ancestors": [NONE]}), name="dispatch")
class ConsentView(AuthorizationView):
    """The authorization endpoint: log in, then Authorise or Cancel, once per set of scopes."""

    template_name = "identity/authorize.html"

    def dispatch(self, request, *args, **kwargs):
        response = super().dispatch(request, *args, **kwargs)
        patch_cache_control(response, no_store=True)
        return response

    def get(self, request, *args, **kwargs):
        try:
            scopes, credentials = self.validate_authorization_request(request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        application = Application.objects.get(client_id=credentials["client_id"])
        if credentials.get("code_challenge_method") == "plain":
            # Refused before the person is asked anything; the toolkit would only refuse
            # once they had pressed Authorise.
            return self._refuse(
                InvalidRequestError(
                    description='PKCE code_challenge_method "plain" is not accepted; use "S256".'
                ),
                credentials,
                application,
            )
        prompt = self._prompt()
        consent = selectors.consent_get(user=request.user, application=application)
        consented = consent is not None and set(scopes) <= consent.scopes
        if not consented and "none" in prompt:
            return self._refuse(ConsentRequired(), credentials, application)
        if not consented or prompt & {"consent", "login"}:
            return super().get(request, *args, **kwargs)
        try:
            uri, _headers, _body, _status = self.create_authorization_response(
                request=request, scopes=" ".join(scopes), credentials=credentials, allow=True
            )
        except OAuthToolkitError as error:
            return self.error_response(error, application)
        return self.redirect(uri, application)

    def handle_no_permission(self):
        # OIDC Core 3.1.2.1: with prompt=none no page may be shown, not even the login page.
        if "none" not in self._prompt():
            return super().handle_no_permission()
        try:
            _scopes, credentials = self.validate_authorization_request(self.request)
        except OAuthToolkitError as error:
            return self.error_response(error, application=None)
        application = Application.objects.get(client_id=credentials["client_id"])
        return self._refuse(LoginRequired(), credentials, application)

    def _prompt(self) -> set[str]:
        return set(self.request.GET.get("prompt", "").split())

    def _refuse(self, error, credentials, application):
        error.state = credentials.get("state")
        return self.error_response(
            OAuthToolkitError(error=error, redirect_uri=credentials["redirect_uri"]), application
        )

    def create_authorization_response(self, request, scopes, credentials, allow):
        uri, headers, body, status = super().create_authorization_response(
            request=request, scopes=scopes, credentials=credentials, allow=allow
        )
        # Reached only once the toolkit has issued a code: a refused request remembers nothing.
        services.consent_grant(
            user=request.user,
            application=Application.objects.get(client_id=credentials["client_id"]),
            scopes=scopes.split(),
            firm=request.firm,
        )
        return uri, headers, body, status

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        application = context.get("application")
        if application is not None and application.logo_url:
            # The supplier's logo is the one thing this page loads from another origin.
            logo = urlsplit(application.logo_url)
            response._csp_update = {"img-src": [f"{logo.scheme}://{logo.netloc}"]}
        return response

    def error_response(self, error, application, **kwargs):
        response = super().error_response(error, application, **kwargs)
        if response.status_code == 302:
            # RFC 9207: error responses name the issuer too, or a mix-up attacker could
            # replay them; the toolkit adds `iss` to successful responses only.
            response["Location"] = add_params_to_uri(response["Location"], [("iss", keys.issuer())])
        return response


class BearerHeaderUserInfoView(UserInfoView):
    """UserInfo, refusing access tokens in the query string (RFC 9700 4.3.2, RFC 6750 5.3).

    The toolkit's COMPLIANT_BCP_RFC9700_ACCESS_TOKEN_TRANSPORT gate covers protected
    resources only; its userinfo endpoint would still read a token from the URL, where logs
    and Referer headers keep it.
    """

    def dispatch(self, request, *args, **kwargs):
        if "access_token" in request.GET:
            return JsonResponse(
                {
                    "error": "invalid_request",
                    "error_description": "Send the access token in the Authorization header.",
                },
                status=400,
            )
        return super().dispatch(request, *args, **kwargs)


class AgentDeviceAuthorizationView(DeviceAuthorizationView):
    """The RFC 8628 device authorization endpoint, for agents such as the APS sync agent.

    oauthlib 4 echoes the resolved `scope` in its answer, which django-oauth-toolkit 3.4.1's
    view cannot take (it resolves the scope again itself); without this every request fails.
    """

    def create_device_authorization_response(self, request):
        headers, body, status = super().create_device_authorization_response(request)
        if status == 200:
            body.pop("scope", None)
        return headers, body, status


class _TandemMetadataMixin:
    """The toolkit's metadata documents, with Tandem's endpoint URLs and only what it accepts.

    The endpoints keep the toolkit's URL names in the `identity` namespace, under the
    configured issuer; the toolkit leaves out revocation and the device endpoint, and
    offers HS256 id_tokens, which Tandem never signs.
    """

    def _get_endpoint_url(self, request, view_name, required=False):
        try:
            path = reverse(f"identity:{view_name}")
        except NoReverseMatch:
            if required:
                raise
            return None
        return f"{keys.issuer()}{path}"

    def get(self, request, *args, **kwargs):
        document = json.loads(super().get(request, *args, **kwargs).content)
        document.update(
            id_token_signing_alg_values_supported=["RS256"],
            response_modes_supported=["query"],
            grant_types_supported=list(oauth2_settings.OAUTH2_GRANT_TYPES_SUPPORTED),
            revocation_endpoint=self._get_endpoint_url(request, "revoke-token", required=True),
            device_authorization_endpoint=self._get_endpoint_url(
                request, "device-authorization", required=True
            ),
        )
        response = JsonResponse(document)
        response["Access-Control-Allow-Origin"] = "*"
        return response


class DiscoveryView(_TandemMetadataMixin, ConnectDiscoveryInfoView):
    """OpenID Connect Discovery 1.0, at /.well-known/openid-configuration."""


class ServerMetadataView(_TandemMetadataMixin, OAuthServerMetadataView):
    """RFC 8414 authorization server metadata, at /.well-known/oauth-authorization-server."""


def jwks(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(keys.jwks())
    response["Access-Control-Allow-Origin"] = "*"
    # Short enough that a relying party picks up a rotated key within the hour.
    patch_cache_control(response, public=True, max_age=3600)
    return response


@login_required
def connected_applications(request: HttpRequest) -> HttpResponse:
    descriptions = get_scopes_backend().get_all_scopes()
    granted = {
        consent.application_id: consent.scopes
        for consent in selectors.consent_list(user=request.user)
    }
    connected = [
        {
            "application": application,
            # In the order the scopes are declared, as the consent page listed them.
            "permissions": [
                description
                for scope, description in descriptions.items()
                if scope in granted.get(application.pk, ())
            ],
        }
        for application in selectors.connected_application_list(user=request.user)
    ]
    return render(
        request,
        "identity/connected_applications.html",
        {"connected": connected, "nav": "connected_applications"},
    )


@login_required
@require_POST
def connected_application_revoke(request: HttpRequest) -> HttpResponse:
    application = get_object_or_404(
        selectors.connected_application_list(user=request.user),
        client_id=request.POST.get("client_id", ""),
    )
    services.connected_application_revoke(
        user=request.user, application=application, firm=request.firm
    )
    messages.success(request, f"{application} can no longer use your Tandem account.")
    return redirect("identity:connected_applications")
