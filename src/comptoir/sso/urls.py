from django.urls import path

from comptoir.sso import views

app_name = "sso"

urlpatterns = [
    path("cabinet/parametres/authentification-unique/", views.firm_sso, name="firm_settings"),
    path(
        "cabinet/parametres/authentification-unique/deconnecter/",
        views.firm_sso_remove,
        name="firm_settings_remove",
    ),
    path("connexion/sso/", views.discover, name="discover"),
    path("connexion/<slug:slug>/", views.firm_login, name="firm_login"),
    path("connexion/<slug:slug>/continuer/", views.firm_login_start, name="firm_login_start"),
]
