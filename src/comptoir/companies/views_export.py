"""The clients list's export (“Clients”, with the page's search), as CSV or XLSX."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from comptoir.companies import selectors
from comptoir.companies.siret import format_siret
from comptoir.core.exports import Column, export_response
from comptoir.core.sorting import sort_from_request
from comptoir.tenancy.permissions import firm_member_required

COLUMNS = [
    Column(_("Client company"), lambda c: c.name),
    Column(_("SIRET"), lambda c: format_siret(c.siret)),
    Column(_("Fiscal year start"), lambda c: c.fiscal_year_start),
    Column(_("Fiscal year end"), lambda c: c.fiscal_year_end),
    Column(_("Users"), lambda c: c.member_count),
    Column(_("Added on"), lambda c: c.created_at),
]


@firm_member_required
def company_list_export(request):
    q = request.GET.get("q", "").strip()[:100]
    sort = sort_from_request(request, selectors.COMPANY_SORTS, selectors.COMPANY_DEFAULT_SORT)
    companies = selectors.company_list_with_member_counts(
        firm=request.tenant.firm, q=q, order_by=sort.order_by
    )
    return export_response(
        request,
        back=reverse("companies:list"),
        filename="clients",
        sheet=str(_("Clients")),
        columns=COLUMNS,
        rows=companies.iterator(chunk_size=2000),
        count=companies.count,
    )
