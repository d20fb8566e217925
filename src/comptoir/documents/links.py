"""The addresses of the documents pages, for the pages that link to them.

Used by ``documents.views`` and by the document page (``deliveries.views_document``, which
shows each version's send history): its breadcrumb goes back to the list and the folder.
"""

from urllib.parse import urlencode

from django.urls import reverse


def documents_url(tenant, company) -> str:
    """The company's documents list: the client page's tab for the firm, the company's own
    page for its users."""
    if tenant.is_firm:
        return reverse("documents:firm_company_documents", kwargs={"pk": company.pk})
    return reverse("documents:company_documents")


def place_query(folder: str, start=None, month=None) -> str:
    """The query string that opens the list on a folder, fiscal year and month."""
    query = {"folder": folder}
    if start:
        query["fy"] = start.isoformat()
    if month:
        query["month"] = month.strftime("%Y-%m")
    return "?" + urlencode(query)
