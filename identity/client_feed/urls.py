from django.urls import path

from identity.client_feed import views

app_name = "client_feed"

urlpatterns = [
    path("openapi.yaml", views.contract, name="contract"),
]
