"""Who may see and add documents. Reaching the company at all is the selectors' job (404).

- firm users (admin and collaborator): every company of their firm, read and upload;
- company users: their own company only; ``administrateur`` and ``collaborateur`` upload,
  ``invite`` only reads and downloads.
"""

from comptoir.companies.models import Company, CompanyRole
from comptoir.tenancy.contexts import TenantContext

UPLOADER_ROLES = frozenset({CompanyRole.ADMINISTRATEUR, CompanyRole.COLLABORATEUR})


def can_view_documents(context: TenantContext | None, company: Company) -> bool:
    if context is None or company.firm_id != context.firm.pk:
        return False
    if context.is_firm:
        return True
    membership = context.company_membership
    return membership is not None and membership.company_id == company.pk


def can_upload_documents(context: TenantContext | None, company: Company) -> bool:
    if not can_view_documents(context, company):
        return False
    assert context is not None
    return context.is_firm or context.company_role in UPLOADER_ROLES
