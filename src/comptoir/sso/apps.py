from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SsoConfig(AppConfig):
    name = "comptoir.sso"
    label = "sso"
    verbose_name = _("Single sign-on")

    def ready(self) -> None:
        from comptoir.accounts.login_checks import register_login_check
        from comptoir.sso.policy import password_login_refusal

        # Accounts (the login form) sits below us: it asks through this seam.
        register_login_check(password_login_refusal)
