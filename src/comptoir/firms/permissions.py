"""Who an acting user is in a firm: the services' own checks (one query each).

The project's permission vocabulary, the same in every app:

- ``is_<role>(actor, <object>) -> bool``: a fact about an acting user, read from the
  memberships (services; a forgotten check in a view cannot let anyone through);
- ``require_<role>(actor, <object>, message=..., code=...)``: the guard over that fact; it
  raises ``Forbidden`` with the calling app's own message and code;
- ``context.is_firm``, ``context.is_firm_admin``, ``context.is_company_administrateur``
  (``tenancy.contexts.TenantContext``): the same facts for a page's or the API's context, no
  query; ``tenancy.permissions`` has the view decorators and guards built on them;
- ``is_<doing>_allowed(context, ...) -> bool`` in an app's ``permissions.py`` (the tiles' in
  ``portal.tiles``): what a page's or the API's context may do in that app (show a button,
  403 a page), composed of the context's facts. Named after the doing, never after a role, so
  it cannot be taken for an actor's ``is_<role>``: ``is_store_management_allowed(context)``,
  ``is_resend_allowed(context)``, ``is_document_reading_allowed(context, company)``,
  ``is_document_upload_allowed(context, company)``,
  ``is_access_management_allowed(context, company)`` (beside the actor's
  ``is_access_manager(actor, company)``), ``is_tile_opening_allowed(context, installation)``.

No other form: a predicate starts with ``is_``, a guard with ``require_`` (the context's guards
in ``tenancy.permissions`` end in ``_context``: ``require_firm_admin_context(request)``).

Firm roles live here; company roles in ``companies.permissions``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from comptoir.core.errors import Forbidden
from comptoir.firms.models import Firm, FirmMembership, FirmRole

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from comptoir.accounts.models import User


def _is_signed_in(actor: User | None) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False)


def is_firm_member(actor: User | None, firm: Firm | int) -> bool:
    """Whether ``actor`` is a user of the firm (admin or collaborator); ``firm`` or its id."""
    if not _is_signed_in(actor):
        return False
    return FirmMembership.objects.filter(user=actor, firm=firm).exists()


def is_firm_admin(actor: User | None, firm: Firm | int) -> bool:
    """Whether ``actor`` is an administrator of the firm; ``firm`` or its id."""
    if not _is_signed_in(actor):
        return False
    return FirmMembership.objects.filter(user=actor, firm=firm, role=FirmRole.ADMIN).exists()


def require_firm_member(
    actor: User | None,
    firm: Firm | int,
    *,
    message: StrOrPromise | None = None,
    code: str = "firm_member_only",
) -> None:
    """Forbidden (with the caller's message) unless ``actor`` is a user of the firm."""
    if not is_firm_member(actor, firm):
        raise Forbidden(message, code=code)


def require_firm_admin(
    actor: User | None,
    firm: Firm | int,
    *,
    message: StrOrPromise | None = None,
    code: str = "admin_only",
) -> None:
    """Forbidden (with the caller's message) unless ``actor`` is an administrator of the firm."""
    if not is_firm_admin(actor, firm):
        raise Forbidden(message, code=code)
