from csp.constants import SELF, UNSAFE_INLINE
from csp.decorators import csp_update
from django.urls import path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from api import views

app_name = "api"

# drf-spectacular's documentation pages start with inline script and style, and Redoc runs a
# worker from a blob: allowed on these two pages only; the rest of the policy (frame-ancestors
# 'none' among it) stays.
DOCS_POLICY = csp_update(
    {
        "script-src": [UNSAFE_INLINE],
        "style-src": [UNSAFE_INLINE],
        "worker-src": [SELF, "blob:"],
    }
)

urlpatterns = [
    path("clients/", views.ClientsView.as_view(), name="clients"),
    path("clients/<int:client_pk>/", views.ClientView.as_view(), name="client"),
    path(
        "clients/<int:client_pk>/archive/", views.ClientArchiveView.as_view(), name="client_archive"
    ),
    path(
        "clients/<int:client_pk>/restore/", views.ClientRestoreView.as_view(), name="client_restore"
    ),
    path(
        "clients/<int:client_pk>/relationships/",
        views.RelationshipsView.as_view(),
        name="relationships",
    ),
    path(
        "clients/<int:client_pk>/relationships/<int:relationship_pk>/",
        views.RelationshipView.as_view(),
        name="relationship",
    ),
    path(
        "clients/<int:client_pk>/appointments/",
        views.AppointmentsView.as_view(),
        name="appointments",
    ),
    path("clients/<int:client_pk>/documents/", views.DocumentsView.as_view(), name="documents"),
    path(
        "clients/<int:client_pk>/documents/<int:document_pk>/",
        views.DocumentView.as_view(),
        name="document",
    ),
    path(
        "clients/<int:client_pk>/documents/<int:document_pk>/download/",
        views.DocumentDownloadView.as_view(),
        name="document_download",
    ),
    path("clients/<int:client_pk>/links/", views.LinksView.as_view(), name="links"),
    path("clients/<int:client_pk>/links/<int:link_pk>/", views.LinkView.as_view(), name="link"),
    path("connections/", views.ConnectionsView.as_view(), name="connections"),
    path("connections/<int:connection_pk>/", views.ConnectionView.as_view(), name="connection"),
    path(
        "connections/<int:connection_pk>/link-suggestions/",
        views.LinkSuggestionsView.as_view(),
        name="link_suggestions",
    ),
    path(
        "connections/<int:connection_pk>/sync-runs/",
        views.SyncRunsView.as_view(),
        name="sync_runs",
    ),
    path("sync-runs/<int:run_pk>/", views.SyncRunView.as_view(), name="sync_run"),
    path(
        "sync-runs/<int:run_pk>/records/",
        views.SyncRunRecordsView.as_view(),
        name="sync_run_records",
    ),
    path(
        "sync-runs/<int:run_pk>/retry-failed/",
        views.SyncRunRetryView.as_view(),
        name="sync_run_retry_failed",
    ),
    path("sync-runs/<int:run_pk>/apply/", views.SyncRunApplyView.as_view(), name="sync_run_apply"),
    path("duplicates/", views.DuplicatesView.as_view(), name="duplicates"),
    path("merges/", views.MergesView.as_view(), name="merges"),
    path("merges/<int:merge_pk>/", views.MergeView.as_view(), name="merge"),
    path("merges/<int:merge_pk>/undo/", views.MergeUndoView.as_view(), name="merge_undo"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path(
        "docs/",
        DOCS_POLICY(SpectacularSwaggerView.as_view(url_name="api:schema")),
        name="docs",
    ),
    path(
        "redoc/",
        DOCS_POLICY(SpectacularRedocView.as_view(url_name="api:schema")),
        name="redoc",
    ),
    path("<path:unknown>", views.UnknownPathView.as_view(), name="unknown"),
]
