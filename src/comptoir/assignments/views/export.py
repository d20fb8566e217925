"""An app's export: who has it ("qui a quelle application"), as CSV or XLSX."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from comptoir.assignments import selectors
from comptoir.companies.models import CompanyRole
from comptoir.companies.siret import format_siret
from comptoir.core.exports import Column, export_response
from comptoir.core.sorting import sort_from_request
from comptoir.tenancy.permissions import firm_member_required


def _role(code: str) -> str:
    return str(CompanyRole(code).label) if code in CompanyRole.values else code


def _given(row) -> str:
    if row["by_rule"] is None:
        return ""
    return str(_("by role") if row["by_rule"] else _("by hand"))


COLUMNS = [
    Column(_("Client company"), lambda r: r["company"].name),
    Column(_("SIRET"), lambda r: format_siret(r["company"].siret)),
    Column(_("Enabled"), lambda r: r["enabled"]),
    Column(_("Assigned on"), lambda r: r["since"]),
    Column(_("User"), lambda r: r["user"].full_name if r["user"] else ""),
    Column(_("E-mail address"), lambda r: r["user"].email if r["user"] else ""),
    Column(_("Role"), lambda r: _role(r["role"])),
    Column(_("How given"), _given),
]


@firm_member_required
def installation_export(request, pk):
    """The companies that have the app and their users who see it (the search ``q`` of the
    clients tab applies)."""
    firm = request.tenant.firm
    installation = selectors.installation_get(firm=firm, pk=pk)
    q = request.GET.get("q", "").strip()[:100]
    sort = sort_from_request(request, selectors.ASSIGNMENT_SORTS, selectors.ASSIGNMENT_DEFAULT_SORT)
    rows = selectors.installation_access_rows(
        firm=firm, installation=installation, q=q, order_by=sort.order_by
    )
    return export_response(
        request,
        back=reverse("assignments:installation", args=[installation.pk]),
        filename=f"utilisateurs-{installation.app.slug}",
        sheet=installation.app.name,
        columns=COLUMNS,
        rows=rows,
    )
