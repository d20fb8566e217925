from django.urls import path

from comptoir.deliveries import views, views_export

app_name = "deliveries"

urlpatterns = [
    path("cabinet/envois/", views.index, name="index"),
    path("cabinet/envois/export/", views_export.export, name="export"),
    path("cabinet/envois/<id:pk>/renvoyer/", views.resend, name="resend"),
    path(
        "documents/<id:pk>/versions/<id:number>/envois/",
        views.version_history,
        name="version_history",
    ),
]
