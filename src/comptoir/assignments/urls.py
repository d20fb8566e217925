from django.urls import path

from comptoir.assignments import views
from comptoir.assignments.views.export import installation_export

app_name = "assignments"

_APP = "cabinet/parametres/applications/<id:pk>/"
_CLIENT = "cabinet/clients/<id:pk>/"

urlpatterns = [
    # One app of the space (⚙ on its Store row)
    path(f"{_APP}clients/", views.installation_clients, name="installation"),
    path(f"{_APP}clients/ajouter/", views.add_companies, name="add_companies"),
    path(f"{_APP}clients/export/", installation_export, name="installation_export"),
    path(f"{_APP}tous-les-clients/", views.assign_all, name="assign_all"),
    path(f"{_APP}tous-les-clients/arreter/", views.assign_all_stop, name="assign_all_stop"),
    path(f"{_APP}importer/", views.import_upload, name="import"),
    path(f"{_APP}importer/modele.csv", views.import_template, name="import_template"),
    path(f"{_APP}importer/<id:import_id>/", views.import_preview, name="import_preview"),
    path(f"{_APP}importer/<id:import_id>/appliquer/", views.import_apply, name="import_apply"),
    path(f"{_APP}importer/<id:import_id>/erreurs.csv", views.import_errors, name="import_errors"),
    path(f"{_APP}portail-client/", views.portal, name="portal"),
    path(
        f"{_APP}portail-client/<id:grant_id>/arreter/",
        views.portal_grant_stop,
        name="portal_grant_stop",
    ),
    # One client company
    path(f"{_CLIENT}applications/", views.company_apps, name="company_apps"),
    path(
        f"{_CLIENT}applications/<id:installation_id>/",
        views.company_assignment,
        name="company_assignment",
    ),
    path(
        f"{_CLIENT}applications/<id:installation_id>/activer/",
        views.company_assignment_toggle,
        name="company_assignment_toggle",
    ),
    path(
        f"{_CLIENT}applications/<id:installation_id>/retirer/",
        views.company_assignment_remove,
        name="company_assignment_remove",
    ),
    path(
        f"{_CLIENT}utilisateurs/<id:user_id>/applications/",
        views.firm_user_apps,
        name="firm_user_apps",
    ),
    # The company's own administrateur
    path("entreprise/utilisateurs/", views.company_users, name="company_users"),
    path(
        "entreprise/utilisateurs/<id:user_id>/applications/",
        views.company_user_apps,
        name="company_user_apps",
    ),
]
