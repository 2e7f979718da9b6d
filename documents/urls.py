from django.urls import path

from documents import views

app_name = "documents"

urlpatterns = [
    path("clients/<int:client_pk>/", views.documents_tab, name="client_documents"),
    path("<int:pk>/download/", views.download, name="download"),
    path("<int:pk>/delete/", views.delete, name="delete"),
    path("<int:pk>/restore/", views.restore, name="restore"),
]
