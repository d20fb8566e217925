from django.urls import path

from comptoir.core import views

app_name = "core"

urlpatterns = [
    path("", views.start, name="start"),
    path("contexte/", views.switch_context, name="switch_context"),
    path("cabinet/", views.firm_home, name="firm_home"),
    path("cabinet/parametres/", views.firm_settings, name="firm_settings"),
    path("entreprise/", views.company_home, name="company_home"),
    path("marque/logo/", views.firm_logo, name="firm_logo"),
]
