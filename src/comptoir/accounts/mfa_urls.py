"""Our wrappers of a few of django-allauth's two-factor pages, at allauth's own addresses.

The page "Double authentification" (whether the firm requires it), the login's second step
(what the user has), and a passkey's pages (404 for someone else's, before anything else).
Included before allauth's URLs (``urls_allauth``: allauth under /compte/): Django resolves the
first pattern that matches, so these answer at /compte/2fa/...; the names are allauth's, and
the paths the same, so allauth's links and reverse() lead to the same addresses.
"""

from django.urls import path

from comptoir.accounts import mfa_views

urlpatterns = [
    path("compte/2fa/", mfa_views.index, name="mfa_index"),
    path("compte/2fa/authenticate/", mfa_views.authenticate, name="mfa_authenticate"),
    # <int:…> like allauth's, so that no id ever reaches its view: ours answers 404 itself.
    path(
        "compte/2fa/webauthn/keys/<int:pk>/remove/",
        mfa_views.remove_passkey,
        name="mfa_remove_webauthn",
    ),
    path(
        "compte/2fa/webauthn/keys/<int:pk>/edit/",
        mfa_views.edit_passkey,
        name="mfa_edit_webauthn",
    ),
]
