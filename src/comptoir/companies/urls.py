from django.urls import path

from comptoir.companies import views, views_company

app_name = "companies"

urlpatterns = [
    path("cabinet/clients/", views.company_list, name="list"),
    path("cabinet/clients/ajouter/", views.company_create, name="create"),
    path("cabinet/clients/<int:pk>/", views.company_detail, name="detail"),
    path("cabinet/clients/<int:pk>/supprimer/", views.company_delete, name="delete"),
    path("cabinet/clients/<int:pk>/utilisateurs/", views.company_users, name="users"),
    path(
        "cabinet/clients/<int:pk>/utilisateurs/<int:user_id>/role/",
        views.member_role,
        name="member_role",
    ),
    path(
        "cabinet/clients/<int:pk>/utilisateurs/<int:user_id>/retirer/",
        views.member_remove,
        name="member_remove",
    ),
    # The company's own administrateur (the page itself: assignments:company_users)
    path(
        "entreprise/utilisateurs/inviter/",
        views_company.self_member_invite,
        name="self_member_invite",
    ),
    path(
        "entreprise/utilisateurs/<int:user_id>/role/",
        views_company.self_member_role,
        name="self_member_role",
    ),
    path(
        "entreprise/utilisateurs/<int:user_id>/retirer/",
        views_company.self_member_remove,
        name="self_member_remove",
    ),
]
