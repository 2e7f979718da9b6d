from django.contrib import admin
from django.urls import include, path
from django.views.generic import RedirectView

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="clients:list", permanent=False)),
    path("accounts/", include("accounts.urls")),
    path("accounts/api-tokens/", include("api.token_urls")),
    path("clients/", include("clients.urls")),
    path("clients/", include("sync.urls")),
    path("schedule/", include("scheduling.urls")),
    path("documents/", include("documents.urls")),
    path("addons/", include("integrations.urls")),
    path("cms/", include("integrations.connectors.cms.urls")),
    path("api/v1/", include("api.urls")),
    path("developers/client-feed/", include("identity.client_feed.urls")),
    path("agent/", include("integrations.connectors.aps.urls")),
    path("", include("identity.urls")),
    path("admin/", admin.site.urls),
]
