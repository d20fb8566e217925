"""Checks every login other than a firm's single sign-on must pass (the password form, a
passkey).

Single sign-on has its say through its seam (``sso.hooks.login_refusal``): a firm that requires
single sign-on refuses its staff's password logins. Accounts sits below sso in the import
floors, so it calls that one module and nothing else of sso's. The answer is None or the
French message that refuses the login.
"""

from __future__ import annotations

from comptoir.accounts.models import User
from comptoir.sso import hooks as sso_hooks


def login_refusal(*, user: User) -> str | None:
    """Why this login may not sign in this way, or None."""
    return sso_hooks.login_refusal(user=user)
