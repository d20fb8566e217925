"""Mandatory single sign-on: the check the password login (and any login but a firm's SSO)
runs; ``accounts.login_checks`` asks it through ``sso.hooks.login_refusal``."""

from __future__ import annotations

from django.utils.translation import gettext as _

from comptoir.accounts.models import User
from comptoir.sso.selectors import providers_requiring_sso


def password_login_refusal(user: User) -> str | None:
    """The French message refusing a non-SSO login of a firm's staff that requires SSO."""
    if user.is_superuser:  # the platform operator, who can switch it off in the admin
        return None
    required = providers_requiring_sso(user=user)
    if not required:
        return None
    idp = required[0]
    return _(
        "%(firm)s requires single sign-on for its staff: click “Continue with single sign-on” "
        "below, then “Sign in with %(name)s”."
    ) % {"firm": idp.firm.name, "name": idp.display_name}
