"""What the tenancy does when another app changes something: the one module they call.

Called explicitly by the services that make memberships, inside their transaction (see
ARCHITECTURE.md, "Floors"):

- ``companies.invitations`` (a user joins a company or a firm), ``sso.services`` (a login
  made by the firm's identity provider joins the firm) → :func:`user_joining`, before the new
  membership exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from comptoir.tenancy.contexts import pin_default_context

if TYPE_CHECKING:
    from comptoir.accounts.models import User


def user_joining(user: User) -> None:
    """Keep the user's current default context: a new membership never becomes it by itself."""
    pin_default_context(user)
