from django.urls import path

from integrations.connectors.cms import views
from sync import cms_views

app_name = "cms"

urlpatterns = [
    # Called by a CMS with a Bearer access token (the client-feed contract's "tandem" tag).
    path("accounts/", views.accounts_view, name="accounts"),
    path("accounts/<str:account_id>/", views.account_view, name="account"),
    # Pages of the firm's people.
    path("add/", cms_views.addon_add_view, name="add"),
    path("connected-accounts/", cms_views.connected_accounts_view, name="connected_accounts"),
    path(
        "connected-accounts/<int:connection_pk>/disconnect/",
        cms_views.connected_account_disconnect_view,
        name="disconnect",
    ),
    path("sync/", cms_views.sync_account_select_view, name="sync"),
    path("sync/<int:connection_pk>/", cms_views.sync_clients_view, name="sync_clients"),
]
