"""Who may do what with the Store, and who may see (and open) an installed app.

Pages and the API check the context (``TenantContext``); services check the acting user again
(``require_firm_admin``), so that a forgotten check in a view cannot let a collaborator in.
"""

from django.utils.translation import gettext as _

from comptoir.core.errors import Forbidden
from comptoir.store.models import COMPANY_AUDIENCES, FIRM_AUDIENCES, AppType


def can_manage_store(context) -> bool:
    """Add, configure, remove, create custom apps, order tiles: firm admins only."""
    return context is not None and context.is_firm_admin


def can_see_unused_apps(context) -> bool:
    return can_manage_store(context)


def is_firm_admin(user, firm) -> bool:
    from comptoir.firms.models import FirmMembership, FirmRole

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return FirmMembership.objects.filter(user=user, firm=firm, role=FirmRole.ADMIN).exists()


def require_firm_admin(actor, firm) -> None:
    if not is_firm_admin(actor, firm):
        raise Forbidden(
            _("Only an administrator of the firm can change its applications."), code="admin_only"
        )


def may_see_installation(context, installation) -> bool:
    """May the user of ``context`` see this installation's tile and open it?

    Only redirect apps are tiles. In a firm context: the firm's own installations whose
    audience includes the firm. In a company context: apps whose audience includes companies
    and that the company user was given (``company_user_may_see``).
    """
    if context is None or installation.firm_id != context.firm.pk:
        return False
    app = installation.app
    if app.type != AppType.REDIRECT:
        return False
    if context.is_firm:
        return app.audience in FIRM_AUDIENCES
    if app.audience not in COMPANY_AUDIENCES:
        return False
    return company_user_may_see(context, installation)


def company_user_may_see(context, installation) -> bool:
    """Whether a company user was given this installation.

    Access for company users is granted by the assignments: the app is assigned to the
    company and enabled, and the user has an access (given by hand or by a role grant).
    """
    from comptoir.assignments.selectors import user_may_see

    return user_may_see(context=context, installation=installation)
