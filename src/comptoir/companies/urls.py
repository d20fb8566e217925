from django.urls import path

from comptoir.companies import views, views_company, views_export, views_invitations

app_name = "companies"

urlpatterns = [
    path("invitation/<str:token>/", views_invitations.invitation_accept, name="invitation_accept"),
    path(
        "invitations/<id:pk>/accepter/",
        views_invitations.invitation_respond,
        {"answer": "accept"},
        name="invitation_accept_mine",
    ),
    path(
        "invitations/<id:pk>/refuser/",
        views_invitations.invitation_respond,
        {"answer": "decline"},
        name="invitation_decline_mine",
    ),
    path("cabinet/clients/", views.company_list, name="list"),
    path("cabinet/clients/export/", views_export.company_list_export, name="export"),
    path("cabinet/clients/ajouter/", views.company_create, name="create"),
    path("cabinet/clients/<id:pk>/", views.company_detail, name="detail"),
    path("cabinet/clients/<id:pk>/supprimer/", views.company_delete, name="delete"),
    path("cabinet/clients/<id:pk>/utilisateurs/", views.company_users, name="users"),
    path(
        "cabinet/clients/<id:pk>/utilisateurs/<id:user_id>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "cabinet/clients/<id:pk>/utilisateurs/<id:user_id>/retirer/",
        views.member_remove,
        name="member_remove",
    ),
    path(
        "cabinet/clients/<id:pk>/invitations/<id:invitation_id>/annuler/",
        views.invitation_revoke,
        name="invitation_revoke",
    ),
    # The company's own administrateur (the page itself: assignments:company_users)
    path(
        "entreprise/invitations/<id:invitation_id>/annuler/",
        views_company.self_invitation_revoke,
        name="self_invitation_revoke",
    ),
    path(
        "entreprise/utilisateurs/inviter/",
        views_company.self_member_invite,
        name="self_member_invite",
    ),
    path(
        "entreprise/utilisateurs/<id:user_id>/role/",
        views_company.self_member_role,
        name="self_member_role",
    ),
    path(
        "entreprise/utilisateurs/<id:user_id>/retirer/",
        views_company.self_member_remove,
        name="self_member_remove",
    ),
]
