from django.urls import path

from clients import views

app_name = "clients"

urlpatterns = [
    path("", views.client_list_view, name="list"),
    path("contacts/", views.contact_list_view, name="contacts"),
    path("contacts/duplicates/", views.contact_duplicates_view, name="duplicates"),
    path("contacts/merge/", views.contact_merge_view, name="contact_merge"),
    path("merges/<int:pk>/undo/", views.client_merge_undo_view, name="merge_undo"),
    path("new/", views.client_create_view, name="create"),
    path("<int:pk>/", views.client_detail_view, name="detail"),
    path("<int:pk>/edit/", views.client_edit_view, name="edit"),
    path("<int:pk>/relationships/", views.client_relationships_view, name="relationships"),
    path(
        "<int:pk>/relationships/add/",
        views.relationship_create_view,
        name="relationship_create",
    ),
    path(
        "<int:pk>/relationships/<int:relationship_pk>/remove/",
        views.relationship_delete_view,
        name="relationship_delete",
    ),
    path("<int:pk>/archive/", views.client_archive_view, name="archive"),
    path("<int:pk>/restore/", views.client_restore_view, name="restore"),
]
