"""Who may see and add documents. Reaching the company at all is the selectors' job (404).

- firm users (admin and collaborator): every company of their firm, read and upload;
- company users: their own company only; ``administrateur`` and ``collaborateur`` upload,
  ``invite`` only reads and downloads.
"""

from comptoir.companies.models import Company, CompanyRole
from comptoir.tenancy.contexts import TenantContext

UPLOADER_ROLES = frozenset({CompanyRole.ADMINISTRATEUR, CompanyRole.COLLABORATEUR})


def is_document_reading_allowed(context: TenantContext | None, company: Company) -> bool:
    """See and download the company's documents: its firm's users, its own users."""
    if context is None or company.firm_id != context.firm.pk:
        return False
    if context.is_firm:
        return True
    membership = context.company_membership
    return membership is not None and membership.company_id == company.pk


def is_document_upload_allowed(context: TenantContext | None, company: Company) -> bool:
    """Upload documents and versions: those who read them, but a company's invités."""
    if not is_document_reading_allowed(context, company):
        return False
    assert context is not None
    return context.is_firm or context.company_role in UPLOADER_ROLES
