"""Who may see and resend deliveries.

- firm users (admin and collaborator) see every delivery of their firm and may resend
  ("Renvoyer");
- company users see the send history of their own company's documents, read only: they
  never resend (403), and never see another company's deliveries (404, by the selectors).

The resend service checks the acting user again: ``firms.permissions.require_firm_member``
with ``FIRM_ONLY_MESSAGE``.
"""

from django.utils.translation import gettext_lazy

from comptoir.tenancy.contexts import TenantContext

# The refusal of ``firms.permissions.require_firm_member`` for the resend service.
FIRM_ONLY_MESSAGE = gettext_lazy("Only the firm's users can send a document again.")


def is_resend_allowed(context: TenantContext | None) -> bool:
    """Send a delivery again ("Renvoyer"): the firm's users, never a company's."""
    return context is not None and context.is_firm
