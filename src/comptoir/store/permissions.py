"""Who may do what with the Store, and who may see (and open) an installed app.

Pages and the API check the context (``TenantContext``); services check the acting user again
(``require_firm_admin``), so that a forgotten check in a view cannot let a collaborator in.
"""

from django.utils.translation import gettext as _

from comptoir.core.errors import Forbidden


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
