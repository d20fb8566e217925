from django.urls import path

from comptoir.accounts import views

app_name = "accounts"

urlpatterns = [
    path("connexion/", views.LoginView.as_view(), name="login"),
    path("deconnexion/", views.LogoutView.as_view(), name="logout"),
    path("compte/", views.account_settings, name="settings"),
    path("compte/jetons/", views.token_create, name="token_create"),
    path("compte/jetons/<id:pk>/revoquer/", views.token_revoke, name="token_revoke"),
    path("compte/sessions/<id:pk>/fin/", views.session_end, name="session_end"),
    path("compte/sessions/fin/", views.sessions_end_all, name="sessions_end_all"),
]
