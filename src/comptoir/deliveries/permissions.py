"""Who may see and resend deliveries.

- firm users (admin and collaborator) see every delivery of their firm and may resend
  ("Renvoyer");
- company users see the send history of their own company's documents, read only: they
  never resend (403), and never see another company's deliveries (404, by the selectors).
"""

from django.utils.translation import gettext as _

from comptoir.core.errors import Forbidden
from comptoir.tenancy.contexts import TenantContext
from comptoir.tenancy.permissions import is_firm_member


def can_resend(context: TenantContext | None) -> bool:
    return context is not None and context.is_firm


def require_firm_member(actor, firm_id) -> None:
    if not is_firm_member(actor, firm_id):
        raise Forbidden(
            _("Only the firm's users can send a document again."), code="firm_member_only"
        )
