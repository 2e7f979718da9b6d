from django.urls import path

from integrations import views
from integrations.connectors.registry import provider_keys

app_name = "integrations"

urlpatterns = [
    path("", views.addon_list, name="addons"),
    path("add/", views.addon_add, name="add"),
    path("<slug:provider>/connect/", views.addon_connect, name="connect"),
    path("<slug:provider>/select-account/", views.account_select, name="select_account"),
    path("<int:pk>/reauthorise/", views.connection_reauthorise, name="reauthorise"),
    path("<int:pk>/disconnect/", views.connection_disconnect, name="disconnect"),
    # One callback per provider (`integrations:xpm_callback`), each the redirect URI registered
    # with that provider.
    *(
        path(
            f"{key}/callback/", views.authorise_callback, {"provider": key}, name=f"{key}_callback"
        )
        for key in provider_keys()
    ),
]
