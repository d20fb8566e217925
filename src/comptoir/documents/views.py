"""Document pages: a company's folders and documents, the download of a version.

Firm users reach a client's documents through the “Documents” tab of the client page;
company users through “Documents” of their space. Both list pages and one
document's page (its versions, each with its send history) are served a floor up, in
``deliveries.views_document``: they show what the deliveries know (each document's latest send
status), and the deliveries sit above the documents. ``documents_page`` builds the list page;
the caller adds its column through ``annotate`` and ``rows_context``.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from comptoir.core.errors import ServiceError
from comptoir.documents import selectors, services
from comptoir.documents.downloads import version_file_response
from comptoir.documents.folders import (
    FOLDER_KEYS,
    FiscalYear,
    company_fiscal_year,
    folder_label,
    month_label,
)
from comptoir.documents.forms import DocumentUploadForm
from comptoir.documents.links import documents_url, place_query
from comptoir.documents.permissions import is_document_upload_allowed
from comptoir.tenancy.permissions import tenant_required

DOCUMENTS_PER_PAGE = 50


def _selected_place(request, years: list[FiscalYear]) -> dict:
    """The tree node picked in the query string; unknown values are ignored."""
    folder = request.GET.get("folder", "")
    if folder not in FOLDER_KEYS:
        return {"folder": None, "year": None, "month": None}
    start = parse_date(request.GET.get("fy", "") or "") if request.GET.get("fy") else None
    year = next((y for y in years if y.start == start), None)
    month = None
    if year is not None and request.GET.get("month"):
        try:
            month = services.parse_month(request.GET["month"])
        except ServiceError:
            month = None
        if month is not None and not year.contains_month(month):
            month = None
    return {"folder": folder, "year": year, "month": month}


def _place_title(place: dict) -> str:
    if place["folder"] is None:
        return _("All documents")
    parts = [folder_label(place["folder"])]
    if place["year"] is not None:
        parts.append(place["year"].label)
    if place["month"] is not None:
        parts.append(month_label(place["month"], place["year"]))
    return " / ".join(parts)


def documents_page(
    request,
    company,
    *,
    template: str,
    annotate: Callable[[QuerySet], QuerySet] | None = None,
    rows_context: Callable[[list], dict] | None = None,
):
    """The list page: the tree, the documents of the picked place, the upload form.
    ``annotate`` adds columns to the list's one query; ``rows_context`` reads the page's rows
    and returns what the template needs more."""
    tenant = request.tenant
    may_upload = is_document_upload_allowed(tenant, company)
    tree = selectors.folder_tree(company=company)
    years = [FiscalYear(start=y.start, end=y.end) for y in tree[0].fiscal_years]
    current = company_fiscal_year(company)
    place = _selected_place(request, years)
    initial = {
        "folder": place["folder"] or "",
        "fiscal_year": (place["year"] or current).start.isoformat(),
        "month": place["month"].strftime("%Y-%m") if place["month"] else "",
    }
    status = 200
    if request.method == "POST":
        if not may_upload:
            raise PermissionDenied
        form = DocumentUploadForm(request.POST, request.FILES, fiscal_years=years, initial=initial)
        if form.submit(services.document_upload, actor=request.user, company=company):
            document = form.result
            messages.success(request, _("“%(title)s” is uploaded.") % {"title": document.title})
            return redirect(
                documents_url(tenant, company)
                + place_query(document.folder, document.fiscal_year_start, document.month)
            )
        status = form.status
    else:
        form = DocumentUploadForm(fiscal_years=years, initial=initial)
    documents = selectors.document_list(
        company=company,
        folder=place["folder"],
        fiscal_year_start=place["year"].start if place["year"] else None,
        month=place["month"],
    )
    if annotate is not None:
        documents = annotate(documents)
    page = Paginator(documents, DOCUMENTS_PER_PAGE).get_page(request.GET.get("page"))
    page.object_list = list(page.object_list)
    extra = rows_context(page.object_list) if rows_context is not None else {}
    context = {
        **extra,
        "company": company,
        "tree": tree,
        "place": place,
        "place_title": _place_title(place),
        "page": page,
        "form": form if may_upload else None,
        "may_upload": may_upload,
        "documents_url": documents_url(tenant, company),
        "active_tab": "documents",
    }
    return render(request, template, context, status=status)


@tenant_required
def version_download(request, pk, number):
    document = selectors.document_for_context(context=request.tenant, pk=pk)
    version = selectors.version_get(document=document, number=number)
    try:
        return version_file_response(version, actor=request.user)
    except ServiceError:
        raise Http404 from None
