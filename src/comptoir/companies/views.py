"""The firm's client pages: “Clients”, “Ajouter une entreprise”, the client page and its tabs."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from comptoir.companies import selectors, services
from comptoir.companies.forms import (
    CompanyEditForm,
    CompanyForm,
)
from comptoir.companies.siret import format_siret
from comptoir.core.sorting import sort_from_request
from comptoir.tenancy.permissions import firm_member_required, require_firm_admin_context

CLIENTS_PER_PAGE = 50


def _posted(request):
    return request.POST if request.method == "POST" else None


@firm_member_required
def company_list(request):
    """“Clients”: search by name or SIRET (``?q=``), sorted by ``?tri=``, 50 per page, with
    member counts."""
    q = request.GET.get("q", "").strip()
    sort = sort_from_request(request, selectors.COMPANY_SORTS, selectors.COMPANY_DEFAULT_SORT)
    companies = selectors.company_list_with_member_counts(
        firm=request.tenant.firm, q=q, order_by=sort.order_by
    )
    page = Paginator(companies, CLIENTS_PER_PAGE).get_page(request.GET.get("page"))
    context = {"page": page, "q": q, "sort": sort}
    if request.htmx and request.htmx.target == "client-results":
        return render(request, "companies/partials/client_results.html", context)
    return render(request, "companies/list.html", context)


@firm_member_required
def company_create(request):
    """“Ajouter une entreprise”."""
    start, end = services.default_fiscal_year()
    form = CompanyForm(
        _posted(request), initial={"fiscal_year_start": start, "fiscal_year_end": end}
    )
    if request.method == "POST" and form.submit(
        services.company_create, actor=request.user, firm=request.tenant.firm
    ):
        company = form.result
        messages.success(request, _("Company “%(name)s” added.") % {"name": company.name})
        return redirect("companies:detail", pk=company.pk)
    return render(request, "companies/create.html", {"form": form}, status=form.status)


@firm_member_required
def company_detail(request, pk):
    """The client page, tab “Fiche”: what the firm knows of the company, and its edit form."""
    company = selectors.company_get(firm=request.tenant.firm, pk=pk)
    form = CompanyEditForm(
        _posted(request),
        initial={
            "name": company.name,
            "siret": format_siret(company.siret),
            "fiscal_year_start": company.fiscal_year_start,
            "fiscal_year_end": company.fiscal_year_end,
        },
    )
    if request.method == "POST" and form.submit(
        services.company_update, actor=request.user, company=company
    ):
        messages.success(request, _("The changes are saved."))
        return redirect("companies:detail", pk=company.pk)
    return render(
        request,
        "companies/detail.html",
        {"company": company, "form": form, "active_tab": "detail"},
        status=form.status,
    )


@firm_member_required
def company_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Only a firm administrator deletes a client company, after a confirmation page."""
    company = selectors.company_get(firm=request.tenant.firm, pk=pk)
    require_firm_admin_context(request)
    if request.method == "POST":
        name = company.name
        services.company_delete(actor=request.user, company=company)
        messages.success(request, _("Company “%(name)s” deleted.") % {"name": name})
        return redirect("companies:list")
    return render(request, "companies/delete.html", {"company": company, "active_tab": "detail"})
