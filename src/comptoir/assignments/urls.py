from django.urls import path

from comptoir.assignments import views
from comptoir.assignments.views import members
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

# The users of a client company (views/members.py): their names are in the ``companies:``
# namespace (``companies:users``, ``companies:self_member_invite``…), where the pages began;
# comptoir/urls.py adds them to it.
member_patterns = [
    path("cabinet/clients/<id:pk>/utilisateurs/", members.firm_company_users, name="users"),
    path(
        "cabinet/clients/<id:pk>/utilisateurs/<id:user_id>/role/",
        members.member_role,
        name="member_role",
    ),
    path(
        "cabinet/clients/<id:pk>/utilisateurs/<id:user_id>/retirer/",
        members.member_remove,
        name="member_remove",
    ),
    path(
        "cabinet/clients/<id:pk>/invitations/<id:invitation_id>/annuler/",
        members.invitation_revoke,
        name="invitation_revoke",
    ),
    # The company's own administrateur (the page itself: assignments:company_users)
    path(
        "entreprise/invitations/<id:invitation_id>/annuler/",
        members.self_invitation_revoke,
        name="self_invitation_revoke",
    ),
    path(
        "entreprise/utilisateurs/inviter/",
        members.self_member_invite,
        name="self_member_invite",
    ),
    path(
        "entreprise/utilisateurs/<id:user_id>/role/",
        members.self_member_role,
        name="self_member_role",
    ),
    path(
        "entreprise/utilisateurs/<id:user_id>/retirer/",
        members.self_member_remove,
        name="self_member_remove",
    ),
]
