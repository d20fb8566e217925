"""Reads of documents. Every entry point takes the firm or the tenant context: 404 outside."""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, QuerySet
from django.http import Http404

from comptoir.companies.models import Company
from comptoir.companies.selectors import company_get
from comptoir.core.ids import require_id
from comptoir.core.lookups import get_or_404
from comptoir.documents.folders import (
    FOLDERS,
    FiscalYear,
    company_fiscal_year,
    month_label,
)
from comptoir.documents.models import Document, DocumentVersion
from comptoir.firms.models import Firm
from comptoir.tenancy.contexts import TenantContext


def company_for_context(*, context: TenantContext, pk: int | str) -> Company:
    """The company the caller may act on: any company of their firm, or their own company."""
    if context.is_firm:
        return company_get(firm=context.firm, pk=pk)
    membership = context.company_membership
    if membership is None or require_id(pk) != membership.company_id:
        raise Http404
    return membership.company


def document_get(*, firm: Firm, pk: int | str) -> Document:
    """One document of the firm; 404 for another firm's or anything that is not an id."""
    return get_or_404(
        Document.objects.filter(firm=firm).select_related("company", "created_by"), pk=pk
    )


def document_for_context(*, context: TenantContext, pk: int | str) -> Document:
    """A document of the firm (firm users) or of the caller's own company (company users)."""
    document = document_get(firm=context.firm, pk=pk)
    if not context.is_firm:
        membership = context.company_membership
        if membership is None or document.company_id != membership.company_id:
            raise Http404
    return document


def document_list(
    *,
    company: Company,
    folder: str | None = None,
    fiscal_year_start: date | None = None,
    month: date | None = None,
    year_root_only: bool = False,
) -> QuerySet[Document]:
    """The company's documents, newest change first, narrowed to a place of the tree."""
    documents = Document.objects.filter(company=company).select_related("created_by")
    if folder:
        documents = documents.filter(folder=folder)
    if fiscal_year_start:
        documents = documents.filter(fiscal_year_start=fiscal_year_start)
    if month:
        documents = documents.filter(month=month)
    elif year_root_only:
        documents = documents.filter(month__isnull=True)
    return documents.order_by("-updated_at", "-id")


def version_list(*, document: Document) -> QuerySet[DocumentVersion]:
    return DocumentVersion.objects.filter(document=document).select_related("uploaded_by")


def version_get(*, document: Document, number: int | str) -> DocumentVersion:
    return get_or_404(
        DocumentVersion.objects.filter(document=document).select_related("uploaded_by", "document"),
        number=number,
    )


# --- the folder tree ---------------------------------------------------------------------------


@dataclass
class MonthNode:
    month: date
    label: str
    count: int = 0


@dataclass
class FiscalYearNode:
    start: date
    end: date
    label: str
    current: bool
    count: int = 0
    root_count: int = 0
    months: list[MonthNode] = field(default_factory=list)


@dataclass
class FolderNode:
    key: str
    label: str
    count: int = 0
    fiscal_years: list[FiscalYearNode] = field(default_factory=list)


def _place_counts(company: Company) -> dict[tuple[str, date, date, date | None], int]:
    rows = (
        Document.objects.filter(company=company)
        .values("folder", "fiscal_year_start", "fiscal_year_end", "month")
        .annotate(n=Count("id"))
        .order_by()
    )
    return {
        (r["folder"], r["fiscal_year_start"], r["fiscal_year_end"], r["month"]): r["n"]
        for r in rows
    }


def fiscal_years_from(company: Company, used: set[FiscalYear]) -> list[FiscalYear]:
    """The current fiscal year, the one before, and any other that holds documents."""
    current = company_fiscal_year(company)
    years = {current, current.previous(), *used}
    return sorted(years, key=lambda year: (year.start, year.end), reverse=True)


def company_fiscal_years(*, company: Company) -> list[FiscalYear]:
    """The fiscal years one may file in (one query for those that already hold documents)."""
    used = {
        FiscalYear(start=start, end=end)
        for start, end in Document.objects.filter(company=company)
        .values_list("fiscal_year_start", "fiscal_year_end")
        .distinct()
        .order_by()
    }
    return fiscal_years_from(company, used)


def folder_tree(*, company: Company) -> list[FolderNode]:
    """Folders → fiscal years → months, each with its number of documents. One query."""
    counts = _place_counts(company)
    years = fiscal_years_from(company, {FiscalYear(start=s, end=e) for _, s, e, _ in counts})
    current = company_fiscal_year(company)
    tree = []
    for folder in FOLDERS:
        folder_node = FolderNode(key=folder.key, label=folder.label)
        for year in years:
            root = counts.get((folder.key, year.start, year.end, None), 0)
            year_node = FiscalYearNode(
                start=year.start,
                end=year.end,
                label=year.label,
                current=year == current,
                root_count=root,
                count=root,
            )
            for month in year.months:
                n = counts.get((folder.key, year.start, year.end, month), 0)
                year_node.months.append(
                    MonthNode(month=month, label=month_label(month, year), count=n)
                )
                year_node.count += n
            folder_node.fiscal_years.append(year_node)
            folder_node.count += year_node.count
        tree.append(folder_node)
    return tree
