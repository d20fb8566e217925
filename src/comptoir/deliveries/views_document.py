"""The documents' pages that show deliveries: the lists (each document's latest send status,
read in the list's own query by ``selectors.with_send_status``; the page itself is built by
``documents.views.documents_page``) and one document's page, below.

One document's page: its versions, each with its send history, and a new version's upload.

The page is composed here, a floor above the documents: it reads the document through the
documents' selectors, uploads through their service, and adds what only the deliveries know,
each version's send history (``history.version_histories``, two queries). Its address and name
stay the documents' (``documents:detail``): ``comptoir/urls.py`` adds ``urls.document_patterns``
to that namespace. The templates are the documents' (``documents/detail.html``), which include
the deliveries' history partial.
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from comptoir.deliveries.history import documents_send_status, version_histories
from comptoir.deliveries.selectors import with_send_status
from comptoir.documents import selectors as document_selectors
from comptoir.documents import services as document_services
from comptoir.documents.folders import month_label
from comptoir.documents.forms import VersionUploadForm
from comptoir.documents.links import documents_url, place_query
from comptoir.documents.permissions import is_document_upload_allowed
from comptoir.documents.views import documents_page
from comptoir.tenancy.permissions import (
    company_member_required,
    firm_member_required,
    tenant_required,
)


def _list_page(request, company, *, template: str):
    return documents_page(
        request,
        company,
        template=template,
        annotate=with_send_status,
        rows_context=documents_send_status,
    )


@firm_member_required
def firm_company_documents(request, pk):
    """The client page, tab “Documents”."""
    company = document_selectors.company_for_context(context=request.tenant, pk=pk)
    return _list_page(request, company, template="documents/firm_company_documents.html")


@company_member_required
def company_documents(request):
    """“Documents” of a company user's space."""
    return _list_page(request, request.tenant.company, template="documents/company_documents.html")


@tenant_required
def document_detail(request, pk):
    """One document: its versions, each with its send history; upload a new version."""
    tenant = request.tenant
    document = document_selectors.document_for_context(context=tenant, pk=pk)
    company = document.company
    may_upload = is_document_upload_allowed(tenant, company)
    status = 200
    form = None
    if request.method == "POST":
        if not may_upload:
            raise PermissionDenied
        form = VersionUploadForm(request.POST, request.FILES)
        if form.submit(
            document_services.document_version_add, actor=request.user, document=document
        ):
            messages.success(
                request,
                _("Version %(number)d of “%(title)s” is uploaded.")
                % {"number": form.result.number, "title": document.title},
            )
            return redirect("documents:detail", pk=document.pk)
        status = form.status
    elif may_upload:
        form = VersionUploadForm()
    list_url = documents_url(tenant, company)
    versions = list(document_selectors.version_list(document=document).order_by("-number"))
    histories = version_histories(versions=versions, tenant=tenant)
    context = {
        "company": company,
        "document": document,
        "versions": versions,
        # Each version with its send history, read here (two queries), not by a template tag.
        "version_rows": [(version, histories[version.pk]) for version in versions],
        "form": form,
        "may_upload": may_upload,
        "documents_url": list_url,
        "place_url": list_url
        + place_query(document.folder, document.fiscal_year_start, document.month),
        "month_label": month_label(document.month, document.fiscal_year) if document.month else "",
        "base_template": "companies/client_base.html" if tenant.is_firm else "base.html",
        "active_tab": "documents",
    }
    return render(request, "documents/detail.html", context, status=status)
