from django.urls import path
from oauth2_provider import views as oauth2_views

from identity import views

app_name = "identity"

# The toolkit's endpoints keep its URL names (the discovery views look them up by name) but
# live in this namespace, under /o/; the well-known documents sit at the site root.
urlpatterns = [
    path(
        ".well-known/openid-configuration",
        views.DiscoveryView.as_view(),
        name="oidc-connect-discovery-info",
    ),
    path(
        ".well-known/oauth-authorization-server",
        views.ServerMetadataView.as_view(),
        name="oauth-server-metadata",
    ),
    path(".well-known/jwks.json", views.jwks, name="jwks-info"),
    path("o/authorize/", views.ConsentView.as_view(), name="authorize"),
    path("o/token/", oauth2_views.TokenView.as_view(), name="token"),
    path("o/revoke_token/", oauth2_views.RevokeTokenView.as_view(), name="revoke-token"),
    path("o/userinfo/", views.BearerHeaderUserInfoView.as_view(), name="user-info"),
    path(
        "o/device-authorization/",
        views.AgentDeviceAuthorizationView.as_view(),
        name="device-authorization",
    ),
    path("connected-applications/", views.connected_applications, name="connected_applications"),
    path(
        "connected-applications/revoke/",
        views.connected_application_revoke,
        name="connected_application_revoke",
    ),
]
