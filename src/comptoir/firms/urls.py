from django.urls import path

from comptoir.firms import views

app_name = "firms"

urlpatterns = [
    path("cabinet/parametres/securite/", views.security, name="security"),
]
