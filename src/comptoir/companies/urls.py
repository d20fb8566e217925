from django.urls import path

from comptoir.companies import views

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
]
