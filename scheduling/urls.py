from django.urls import path

from scheduling import views

app_name = "scheduling"

urlpatterns = [
    path("", views.calendar, name="calendar"),
    path(
        "clients/<int:client_pk>/appointments/",
        views.appointments_tab,
        name="client_appointments",
    ),
    path("appointments/<int:pk>/edit/", views.appointment_edit, name="appointment_edit"),
    path("appointments/<int:pk>/status/", views.appointment_status, name="appointment_status"),
]
