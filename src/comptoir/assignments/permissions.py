"""Who may assign apps to companies and users, and which apps can be assigned at all.

Pages and the API check the context; services check the acting user again, so that a
forgotten check in a view cannot let anyone through.

- Every firm member (admin or collaborator) assigns the apps of the firm's space to client
  companies and their users (PRODUCT.md: collaborators "assign apps already in the space").
- A company administrateur manages which users of their own company see the apps the firm
  assigned to it — and nothing else.
"""

from django.utils.translation import gettext as _

from comptoir.core.errors import Forbidden, ValidationFailed
from comptoir.store.models import COMPANY_AUDIENCES, AppType
from comptoir.tenancy.permissions import is_firm_member


def is_assignable(app) -> bool:
    """Automation apps connect companies whatever their audience (they are never tiles);
    a redirect app reaches companies only if its audience includes them."""
    return app.type == AppType.AUTOMATION or app.audience in COMPANY_AUDIENCES


def gives_tiles(app) -> bool:
    """Apps that company users see as tiles: the only ones user access is about."""
    return app.type == AppType.REDIRECT and app.audience in COMPANY_AUDIENCES


def require_assignable(app) -> None:
    if not is_assignable(app):
        raise ValidationFailed(
            _(
                "“%(app)s” is meant for the firm only: it cannot be given to client companies. "
                "Choose an application whose audience includes companies."
            )
            % {"app": app.name},
            code="firm_only_app",
        )


def require_redirect_for_companies(app, action: str) -> None:
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


def require_gives_tiles(app) -> None:
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


def can_manage_user_access(context, company) -> bool:
    """Choose which users of ``company`` see its apps: the firm, or that company's admin."""
    if context is None or company is None or company.firm_id != context.firm.pk:
        return False
    if context.is_firm:
        return True
    return context.company.pk == company.pk and context.company_role == "administrateur"


# --- actors (services) --------------------------------------------------------------------------


def require_firm_member(actor, firm_id) -> None:
    if not is_firm_member(actor, firm_id):
        raise Forbidden(
            _("Only the firm's members can give its applications to client companies."),
            code="firm_member_only",
        )


def require_access_manager(actor, company) -> None:
    """A member of the company's firm, or an administrateur of that very company."""
    from comptoir.companies.models import CompanyMembership, CompanyRole

    if is_firm_member(actor, company.firm_id):
        return
    if (
        actor is not None
        and getattr(actor, "is_authenticated", False)
        and CompanyMembership.objects.filter(
            user=actor, company=company, role=CompanyRole.ADMINISTRATEUR
        ).exists()
    ):
        return
    raise Forbidden(
        _("Only the firm or an administrator of the company can choose who sees its apps."),
        code="access_manager_only",
    )
