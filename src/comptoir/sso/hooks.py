"""What single sign-on says when another app acts: the one module they call.

Lower floors call these functions explicitly, at the point where they need the answer; nothing
is registered (see ARCHITECTURE.md, "Floors"):

- ``accounts.login_checks.login_refusal`` (the password form, a passkey: any login but a
  firm's single sign-on) → :func:`login_refusal`: a firm that requires single sign-on refuses
  its staff's other logins.
"""

from __future__ import annotations

from comptoir.accounts.models import User
from comptoir.sso.policy import password_login_refusal


def login_refusal(*, user: User) -> str | None:
    """The message refusing this login other than by the firm's single sign-on, or None."""
    return password_login_refusal(user)
