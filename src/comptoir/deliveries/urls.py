from django.urls import path

from comptoir.deliveries import views

app_name = "deliveries"

urlpatterns = [
    path("cabinet/envois/", views.index, name="index"),
    path("cabinet/envois/<int:pk>/renvoyer/", views.resend, name="resend"),
    path(
        "documents/<int:pk>/versions/<int:number>/envois/",
        views.version_history,
        name="version_history",
    ),
]
