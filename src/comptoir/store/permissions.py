"""Who may do what with the Store, and who may see (and open) an installed app.

Pages and the API check the context (``TenantContext``); services check the acting user again
(``firms.permissions.require_firm_admin`` with ``ADMIN_ONLY_MESSAGE``), so that a forgotten
check in a view cannot let a collaborator in.
"""

from django.utils.translation import gettext_lazy

from comptoir.tenancy.contexts import TenantContext

# The refusal of ``firms.permissions.require_firm_admin`` for the Store's services.
ADMIN_ONLY_MESSAGE = gettext_lazy("Only an administrator of the firm can change its applications.")


def is_store_management_allowed(context: TenantContext | None) -> bool:
    """Add, configure, remove, create custom apps, order tiles, see the apps not in the space:
    firm admins only."""
    return context is not None and context.is_firm_admin
