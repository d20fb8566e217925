from django.urls import path

from comptoir.audit import views

app_name = "audit"

urlpatterns = [
    path("cabinet/parametres/journal/", views.index, name="index"),
    path("cabinet/parametres/journal/export/", views.export, name="export"),
]
