"""django-allauth's pages, at our addresses.

The login, logout and "forgotten password" pages keep short French addresses (they are in
e-mails and bookmarks); the rest of allauth (password change and reset by key, two-factor,
sessions, third-party logins) lives under /compte/. The names allauth reverses
(``account_login``, ``account_logout``, ``account_reset_password``) point at our pages; the
pages we do not offer (managing several e-mail addresses: the login's address is its
identity, changed by the firm) redirect to "Mon compte".
"""

from allauth.account import views as allauth_views
from django.urls import include, path, re_path
from django.views.generic import RedirectView

from comptoir.accounts import views

# Django's reverse() takes the last pattern of a name, resolve() the first that matches: our
# redirects come before allauth's URLs, our named pages after them.
urlpatterns = [
    path("compte/login/", RedirectView.as_view(pattern_name="account_login")),
    path("compte/logout/", RedirectView.as_view(pattern_name="account_login")),
    path("compte/signup/", RedirectView.as_view(pattern_name="account_login")),
    path("compte/email/", RedirectView.as_view(pattern_name="accounts:settings")),
    path("compte/password/change/", views.PasswordChangeView.as_view()),
    re_path(
        r"^compte/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        views.PasswordResetFromKeyView.as_view(),
    ),
    path("compte/", include("allauth.urls")),
    path("connexion/", views.LoginView.as_view(), name="account_login"),
    path("deconnexion/", views.LogoutView.as_view(), name="account_logout"),
    path("mot-de-passe-oublie/", allauth_views.password_reset, name="account_reset_password"),
    path(
        "compte/password/change/",
        views.PasswordChangeView.as_view(),
        name="account_change_password",
    ),
    re_path(
        r"^compte/password/reset/key/(?P<uidb36>[0-9A-Za-z]+)-(?P<key>.+)/$",
        views.PasswordResetFromKeyView.as_view(),
        name="account_reset_password_from_key",
    ),
]
