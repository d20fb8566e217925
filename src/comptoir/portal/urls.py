from django.urls import path

from comptoir.portal import views

app_name = "portal"

urlpatterns = [
    path("", views.start, name="start"),
    path("contexte/", views.switch_context, name="switch_context"),
    path("cabinet/", views.firm_home, name="firm_home"),
    path("cabinet/parametres/", views.firm_settings, name="firm_settings"),
    path("entreprise/", views.company_home, name="company_home"),
    path("marque/logo/", views.firm_logo, name="firm_logo"),
    path("apps/<id:installation_id>/open", views.open_app, name="open"),
    path("apps/logos/<id:app_id>/<str:version>", views.logo, name="logo"),
]
