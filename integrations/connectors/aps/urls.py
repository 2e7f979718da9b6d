"""Mounted at /agent/: the inbound API under v1/, and the pages a firm administrator uses."""

from django.urls import path

from integrations.connectors.aps import api, views

app_name = "aps"

urlpatterns = [
    path("v1/connection", api.connection_view, name="api_connection"),
    path("v1/clients/batch", api.clients_batch_view, name="api_clients_batch"),
    path("v1/clients/removed", api.clients_removed_view, name="api_clients_removed"),
    path("activate/", views.activate_view, name="activate"),
    path("setup/", views.setup_view, name="setup"),
    path("device/", views.device_view, name="device"),
]
