"""Who may assign apps to companies and users, and which apps can be assigned at all.

Pages and the API check the context; services check the acting user again, so that a
forgotten check in a view cannot let anyone through.

- Every firm member (admin or collaborator) assigns the apps of the firm's space to client
  companies and their users (PRODUCT.md: collaborators "assign apps already in the space").
- A company administrateur manages which users of their own company see the apps the firm
  assigned to it — and nothing else.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from comptoir.companies.models import Company
from comptoir.companies.permissions import is_company_administrateur
from comptoir.core.errors import Forbidden, ValidationFailed
from comptoir.firms.permissions import is_firm_member
from comptoir.store.models import COMPANY_AUDIENCES, App, AppType
from comptoir.tenancy.contexts import TenantContext

if TYPE_CHECKING:
    from comptoir.accounts.models import User


def is_assignable(app: App) -> bool:
    """Automation apps connect companies whatever their audience (they are never tiles);
    a redirect app reaches companies only if its audience includes them."""
    return app.type == AppType.AUTOMATION or app.audience in COMPANY_AUDIENCES


def gives_tiles(app: App) -> bool:
    """Apps that company users see as tiles: the only ones user access is about."""
    return app.type == AppType.REDIRECT and app.audience in COMPANY_AUDIENCES


def require_assignable(app: App) -> None:
    if not is_assignable(app):
        raise ValidationFailed(
            _(
                "“%(app)s” is meant for the firm only: it cannot be given to client companies. "
                "Choose an application whose audience includes companies."
            )
            % {"app": app.name},
            code="firm_only_app",
        )


def require_redirect_for_companies(app: App, action: str) -> None:
    """ "Affecter à tous les clients" and role grants are for redirect apps (tiles) only."""
    require_assignable(app)
    if app.type != AppType.REDIRECT:
        raise ValidationFailed(
            _(
                "%(action)s is for redirect applications only. Connect “%(app)s” to each "
                "client company with its settings, one by one or by importing a file."
            )
            % {"action": action, "app": app.name},
            code="redirect_only",
        )


def require_gives_tiles(app: App) -> None:
    if not gives_tiles(app):
        raise ValidationFailed(
            _(
                "“%(app)s” is not shown to company users (it has no tile on their home page): "
                "there is no access to give."
            )
            % {"app": app.name},
            code="no_user_access",
        )


# --- contexts (pages, API) ----------------------------------------------------------------------


def is_access_management_allowed(context: TenantContext | None, company: Company | None) -> bool:
    """Choose which users of ``company`` see its apps: the firm, or that company's admin."""
    if context is None or company is None or company.firm_id != context.firm.pk:
        return False
    if context.is_firm:
        return True
    return context.company_membership is not None and (
        context.company_membership.company_id == company.pk and context.is_company_administrateur
    )


# --- actors (services) --------------------------------------------------------------------------

# The refusal of ``firms.permissions.require_firm_member`` for the assignments' services.
FIRM_ONLY_MESSAGE = gettext_lazy(
    "Only the firm's members can give its applications to client companies."
)


def is_access_manager(actor: User | None, company: Company) -> bool:
    """A member of the company's firm, or an administrateur of that very company."""
    return is_firm_member(actor, company.firm_id) or is_company_administrateur(actor, company)


def require_access_manager(actor: User | None, company: Company) -> None:
    if not is_access_manager(actor, company):
        raise Forbidden(
            _("Only the firm or an administrator of the company can choose who sees its apps."),
            code="access_manager_only",
        )
