"""Checks every login other than a firm's single sign-on must pass (the password form, a
passkey): a seam for higher apps, which register them in their ``ready()``.

``comptoir.sso`` registers one: a firm that requires single sign-on refuses its staff's
password logins. Accounts sits below it in the import floors and cannot import it. Each check
answers None or the French message that refuses the login.
"""

from __future__ import annotations

from collections.abc import Callable

from comptoir.accounts.models import User

LoginCheck = Callable[[User], "str | None"]
_checks: list[LoginCheck] = []


def register_login_check(check: LoginCheck) -> None:
    """Called once by the app that owns the check; registering twice is harmless."""
    if check not in _checks:
        _checks.append(check)


def login_refusal(*, user: User) -> str | None:
    """Why this login may not sign in this way, or None."""
    for check in _checks:
        message = check(user)
        if message:
            return message
    return None
