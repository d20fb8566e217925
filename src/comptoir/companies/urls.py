from django.urls import path

from comptoir.companies import views, views_export, views_invitations

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
    # The tab "Utilisateurs" and the company's own users pages (companies:users,
    # companies:member_role, companies:self_member_invite…) show which user sees which app:
    # their views are in assignments/views/members.py, their patterns in assignments/urls.py
    # (member_patterns), joined to this namespace in comptoir/urls.py.
]
