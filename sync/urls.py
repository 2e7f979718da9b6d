from django.urls import path

from sync import import_views, run_views, suggestion_views, views

app_name = "sync"

urlpatterns = [
    path(
        "<int:pk>/practice-management/",
        views.practice_management_view,
        name="practice_management",
    ),
    path(
        "<int:pk>/practice-management/<int:connection_pk>/refresh/",
        views.directory_refresh_view,
        name="directory_refresh",
    ),
    path(
        "<int:pk>/practice-management/<int:connection_pk>/link/",
        views.link_create_view,
        name="link_create",
    ),
    path(
        "<int:pk>/practice-management/links/<int:link_pk>/disconnect/",
        views.link_delete_view,
        name="link_delete",
    ),
    path(
        "<int:client_pk>/links/<int:link_pk>/fields/",
        views.link_fields_view,
        name="link_fields",
    ),
    path(
        "<int:client_pk>/links/<int:link_pk>/sync/",
        views.field_sync_view,
        name="field_sync",
    ),
    path(
        "suggested-links/<int:connection_pk>/",
        suggestion_views.suggested_links_view,
        name="suggested_links",
    ),
    path(
        "connections/<int:connection_pk>/sync/",
        run_views.connection_sync_view,
        name="connection_sync",
    ),
    path(
        "connections/<int:connection_pk>/sync/refresh/",
        run_views.connection_refresh_view,
        name="connection_refresh",
    ),
    path(
        "connections/<int:connection_pk>/sync/schedule/",
        run_views.connection_schedule_view,
        name="connection_schedule",
    ),
    path(
        "connections/<int:connection_pk>/history/",
        run_views.connection_history_view,
        name="connection_history",
    ),
    path("import/", import_views.import_choose_view, name="import"),
    path("import/<int:connection_pk>/", import_views.import_clients_view, name="import_clients"),
    path("import/<int:connection_pk>/link/", import_views.import_link_view, name="import_link"),
    path("sync-runs/<int:pk>/", run_views.run_detail_view, name="run_detail"),
    path("sync-runs/<int:pk>/apply/", run_views.run_apply_view, name="run_apply"),
    path(
        "sync-runs/<int:pk>/retry-failed/",
        run_views.run_retry_failed_view,
        name="run_retry_failed",
    ),
]
