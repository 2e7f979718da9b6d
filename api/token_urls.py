from django.urls import path

from api import token_views

app_name = "api_tokens"

urlpatterns = [
    path("", token_views.token_list_view, name="list"),
    path("<int:token_pk>/revoke/", token_views.token_revoke_view, name="revoke"),
]
