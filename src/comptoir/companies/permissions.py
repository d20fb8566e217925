"""Who an acting user is in a client company: the services' own checks (one query each).

The vocabulary is the one described in ``firms.permissions``: ``is_<role>`` for the fact,
``require_<role>`` for the guard taking the caller's message; a page's or the API's context
reads the same fact as ``context.is_company_administrateur``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy

from comptoir.companies.models import Company, CompanyMembership, CompanyRole
from comptoir.core.errors import Forbidden

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

    from comptoir.accounts.models import User

# The refusal for a collaborateur or an invité who tries to manage the company's users (the
# services' guard, and the API's check of the context).
ADMINISTRATEUR_ONLY_MESSAGE = gettext_lazy(
    "Only an administrator of the company can manage its users."
)


def is_company_administrateur(actor: User | None, company: Company | int) -> bool:
    """Whether ``actor`` is an administrateur of the company; ``company`` or its id."""
    if actor is None or not getattr(actor, "is_authenticated", False):
        return False
    return CompanyMembership.objects.filter(
        user=actor, company=company, role=CompanyRole.ADMINISTRATEUR
    ).exists()


def require_company_administrateur(
    actor: User | None,
    company: Company | int,
    *,
    message: StrOrPromise | None = None,
    code: str = "company_admin_only",
) -> None:
    """Forbidden (with the caller's message) unless ``actor`` administers the company."""
    if not is_company_administrateur(actor, company):
        raise Forbidden(message, code=code)
