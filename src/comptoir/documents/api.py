"""Documents API: the folder tree, uploads, versions and downloads.

Works in a firm context (any company of the firm) and in a company context (the caller's own
company only). Another firm's or another company's objects answer 404; a company ``invite``
gets 403 on uploads.
"""

from datetime import date, datetime
from typing import Annotated

from django.core.exceptions import PermissionDenied
from django.http import FileResponse, HttpRequest
from django.urls import reverse
from ninja import File, Form, Router, Schema, Status
from ninja.files import UploadedFile

from comptoir.core.api import Limit, documented, errors, form_fields_documented, paginate
from comptoir.core.ids import Id
from comptoir.documents import selectors, services
from comptoir.documents.downloads import version_file_response
from comptoir.documents.folders import FOLDER_KEYS, folder_label, month_label
from comptoir.documents.models import Document, DocumentVersion
from comptoir.documents.permissions import is_document_upload_allowed
from comptoir.tenancy.api import api_context

router = Router(tags=["documents"])


# --- schemas -----------------------------------------------------------------------------------


# What the services check, for the OpenAPI document (a fresh Field for each use).
FOLDER = {"enum": list(FOLDER_KEYS)}
FISCAL_YEAR = {"maxLength": 10, "description": "The fiscal year's first day, YYYY-MM-DD"}
MONTH = {"maxLength": 10, "description": "YYYY-MM (or the month's first day, YYYY-MM-DD)"}
TITLE = {
    "description": "The document's title (the file name without extension by default), "
    "cut to 200 characters"
}
SHA256 = {"pattern": "^[0-9a-f]{64}$"}


class UserRef(Schema):
    id: Id
    name: str


class FiscalYearOut(Schema):
    start: date
    end: date
    label: str


class VersionOut(Schema):
    number: Annotated[int, documented(minimum=1)]
    original_name: str
    size: Annotated[int, documented(minimum=0)]
    content_type: str
    sha256: str = documented(**SHA256)
    uploaded_by: UserRef | None
    created_at: datetime
    download_url: str


class DocumentSummaryOut(Schema):
    id: Id
    company: Id
    folder: str = documented(**FOLDER)
    folder_label: str
    fiscal_year: FiscalYearOut
    month: date | None
    month_label: str | None
    title: str
    current_version: Annotated[int, documented(minimum=1)]
    created_by: UserRef | None
    created_at: datetime
    updated_at: datetime


class DocumentOut(DocumentSummaryOut):
    versions: list[VersionOut]


class DocumentPage(Schema):
    items: list[DocumentSummaryOut]
    next: str | None


class MonthNodeOut(Schema):
    month: date
    label: str
    count: Annotated[int, documented(minimum=0)]


class FiscalYearNodeOut(Schema):
    start: date
    end: date
    label: str
    current: bool
    count: Annotated[int, documented(minimum=0)]
    root_count: Annotated[int, documented(minimum=0)]
    months: list[MonthNodeOut]


class FolderNodeOut(Schema):
    key: str = documented(**FOLDER)
    label: str
    count: Annotated[int, documented(minimum=0)]
    fiscal_years: list[FiscalYearNodeOut]


class FolderTreeOut(Schema):
    company: Id
    folders: list[FolderNodeOut]


# --- serialisation -----------------------------------------------------------------------------


def user_ref(user) -> dict | None:
    return {"id": user.pk, "name": user.display_name} if user is not None else None


def version_out(version: DocumentVersion, document: Document) -> dict:
    return {
        "number": version.number,
        "original_name": version.original_name,
        "size": version.size,
        "content_type": version.content_type,
        "sha256": version.sha256,
        "uploaded_by": user_ref(version.uploaded_by),
        "created_at": version.created_at,
        "download_url": reverse(
            "api:version_file", kwargs={"document_id": document.pk, "number": version.number}
        ),
    }


def document_summary_out(document: Document) -> dict:
    year = document.fiscal_year
    return {
        "id": document.pk,
        "company": document.company_id,
        "folder": document.folder,
        "folder_label": folder_label(document.folder),
        "fiscal_year": {"start": year.start, "end": year.end, "label": year.label},
        "month": document.month,
        "month_label": month_label(document.month, year) if document.month else None,
        "title": document.title,
        "current_version": document.current_version,
        "created_by": user_ref(document.created_by),
        "created_at": document.created_at,
        "updated_at": document.updated_at,
    }


def document_out(document: Document) -> dict:
    versions = selectors.version_list(document=document)
    return {
        **document_summary_out(document),
        "versions": [version_out(version, document) for version in versions],
    }


# --- helpers -----------------------------------------------------------------------------------


def acting_company(request: HttpRequest, company_id: Id):
    """The company the caller may act on (their firm's, or their own company's); 404 otherwise."""
    return selectors.company_for_context(context=api_context(request), pk=company_id)


def _require_upload(request: HttpRequest, company) -> None:
    if not is_document_upload_allowed(api_context(request), company):
        raise PermissionDenied


# --- endpoints ---------------------------------------------------------------------------------


@router.get(
    "/companies/{company_id}/folders", response=FolderTreeOut, summary="The company's folder tree"
)
def folder_tree(request: HttpRequest, company_id: Id):
    company = acting_company(request, company_id)
    return {"company": company.pk, "folders": selectors.folder_tree(company=company)}


@router.get(
    "/companies/{company_id}/documents", response=DocumentPage, summary="The company's documents"
)
def document_list(
    request: HttpRequest,
    company_id: Id,
    folder: Annotated[str, documented(**FOLDER)] | None = None,
    fiscal_year: Annotated[str, documented(**FISCAL_YEAR)] | None = None,
    month: Annotated[str, documented(**MONTH)] | None = None,
    limit: Limit | None = None,
    cursor: str | None = None,
):
    company = acting_company(request, company_id)
    documents = selectors.document_list(
        company=company,
        folder=services.clean_folder(folder) if folder else None,
        fiscal_year_start=services.parse_fiscal_year_start(fiscal_year) if fiscal_year else None,
        month=services.parse_month(month) if month else None,
    )
    rows, next_cursor = paginate(documents, limit=limit, cursor=cursor, keys=("id",))
    return {"items": [document_summary_out(document) for document in rows], "next": next_cursor}


@router.post(
    "/companies/{company_id}/documents",
    response={201: DocumentOut},
    summary="Upload a document (its version 1)",
    # The form fields' rules, as the service checks them (a Field on a Form parameter
    # would make it required).
    openapi_extra=form_fields_documented(
        required=("file", "folder"),
        file={"description": "The file"},
        folder=FOLDER,
        fiscal_year=FISCAL_YEAR,
        month=MONTH,
        title=TITLE,
    ),
)
def document_upload(
    request: HttpRequest,
    company_id: Id,
    file: File[UploadedFile] = None,  # type: ignore[assignment]
    folder: Form[str] = "",
    fiscal_year: Form[str] = "",
    month: Form[str] = "",
    title: Form[str] = "",
):
    company = acting_company(request, company_id)
    _require_upload(request, company)
    document = services.document_upload(
        actor=request.user,
        company=company,
        folder=folder,
        file=file,
        fiscal_year=fiscal_year or None,
        month=month or None,
        title=title or None,
    )
    return Status(201, document_out(document))


@router.get("/documents/{document_id}", response=DocumentOut, summary="A document and its versions")
def document_detail(request: HttpRequest, document_id: Id):
    context = api_context(request)
    return document_out(selectors.document_for_context(context=context, pk=document_id))


@router.post(
    "/documents/{document_id}/versions",
    response={201: VersionOut, **errors(409)},
    summary="Upload a new version of a document",
)
def version_add(
    request: HttpRequest,
    document_id: Id,
    file: File[UploadedFile] = None,  # type: ignore[assignment]
):
    document = selectors.document_for_context(context=api_context(request), pk=document_id)
    _require_upload(request, document.company)
    version = services.document_version_add(actor=request.user, document=document, file=file)
    return Status(201, version_out(version, document))


@router.get(
    "/documents/{document_id}/versions/{number}/file",
    url_name="version_file",
    summary="Download the bytes of one version",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, as an attachment, with the type it was stored with",
                "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}},
            }
        }
    },
)
def version_file(request: HttpRequest, document_id: Id, number: Id) -> FileResponse:
    document = selectors.document_for_context(context=api_context(request), pk=document_id)
    version = selectors.version_get(document=document, number=number)
    return version_file_response(version, actor=request.user)
