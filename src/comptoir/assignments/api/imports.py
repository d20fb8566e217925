"""Assignments API: the CSV template and the CSV/XLSX import keyed by SIRET."""

from django.http import HttpRequest, HttpResponse
from ninja import File, Router
from ninja.files import UploadedFile

from comptoir.assignments import imports, services
from comptoir.assignments.api.assignments import _installation
from comptoir.assignments.api.schemas import ImportOut
from comptoir.assignments.permissions import require_assignable
from comptoir.core.ids import Id

router = Router()


@router.get(
    "/installations/{installation_id}/assignments/template.csv",
    summary="The CSV template: siret, then the app's company-level setting keys",
    openapi_extra={
        "responses": {
            200: {
                "description": "CSV (UTF-8 with BOM, ';')",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def import_template(request: HttpRequest, installation_id: Id):
    _context, installation = _installation(request, installation_id)

    require_assignable(installation.app)
    response = HttpResponse(
        imports.template_csv(installation.app), content_type="text/csv; charset=utf-8"
    )
    filename = imports.template_filename(installation.app)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@router.post(
    "/installations/{installation_id}/assignments/import",
    response={200: ImportOut},
    summary="Import assignments from a CSV or XLSX file keyed by SIRET (all rows or none)",
)
def import_file(
    request: HttpRequest,
    installation_id: Id,
    dry_run: bool = False,
    preview: str | None = None,
    file: File[UploadedFile] = None,  # type: ignore[assignment]
):
    """``preview``: the token of the dry run the caller approved; applying answers 409
    ``import_preview_stale`` and applies nothing when the plan changed since."""
    _context, installation = _installation(request, installation_id)
    data, filename = services.read_upload(file)
    outcome = services.assignment_import(
        actor=request.user,
        installation=installation,
        data=data,
        filename=filename,
        dry_run=dry_run,
        expected_preview=preview,
    )
    return {
        "dry_run": dry_run,
        "created": outcome.summary.created,
        "updated": outcome.summary.updated,
        "unchanged": outcome.summary.unchanged,
        "rows": outcome.check.rows,
        "columns": outcome.check.columns,
        "extra_columns": outcome.check.extra_columns,
        "preview": outcome.check.token,
    }
