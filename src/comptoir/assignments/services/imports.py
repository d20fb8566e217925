"""Keep an uploaded import file for its preview, and apply a clean file in one transaction."""

import hashlib
import json
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from comptoir.assignments.models import AssignmentImport
from comptoir.assignments.permissions import FIRM_ONLY_MESSAGE, require_assignable
from comptoir.core.errors import Conflict, TooLarge, ValidationFailed
from comptoir.firms.permissions import require_firm_member

KEEP_UPLOADS = timedelta(days=1)
FILENAME_MAX = 255


class ImportRejected(ValidationFailed):
    """The file applies nothing; ``details`` holds every error (row, column, value, code,
    message). ``file_error`` is set when the whole file is refused (empty, wrong type...)."""

    code = "import_rejected"

    def __init__(self, message, *, details, code=None, file_error: bool = False):
        super().__init__(message, code=code or self.code, details=details)
        self.file_error = file_error


class ImportTooLarge(TooLarge):
    code = "file_too_large"


class ImportStale(Conflict):
    """What applying would do is no longer what the preview showed: nothing is applied."""

    code = "import_preview_stale"


class ImportAlreadyApplied(Conflict):
    code = "import_already_applied"


def preview_token(check) -> str:
    """A short fingerprint of what a preview shows: each row's company, action and changes.

    The preview page (a hidden field) and the API's dry run (``preview``) hand it out; applying
    with it refuses, with ``ImportStale``, a plan that differs from the one the user approved
    (another import or a colleague changed the same assignments in the meantime, a company was
    renamed away...), instead of quietly reporting "0 added".
    """
    plan = sorted(
        (row["row"], row["company_id"], row["action"], sorted(row["changed"])) for row in check.rows
    )
    raw = json.dumps([check.columns, plan], separators=(",", ":"), default=str)
    return hashlib.sha256(raw.encode()).hexdigest()[:32]


def _stale() -> ImportStale:
    return ImportStale(
        _(
            "Nothing was imported: the client companies or their settings changed since the "
            "preview, so the import would no longer do what it showed. Check the new preview "
            "and import again."
        )
    )


def file_error_as_service_error(error) -> Exception:
    detail = {
        "row": None,
        "column": None,
        "value": "",
        "code": error.code,
        "message": error.message,
    }
    if error.status == 413:
        return ImportTooLarge(error.message, code=error.code, details=[detail])
    return ImportRejected(error.message, code=error.code, details=[detail], file_error=True)


def read_upload(upload) -> tuple[bytes, str]:
    """The bytes of an uploaded file (never more than the cap plus one byte) and its name."""
    from comptoir.assignments.imports.reader import MAX_BYTES, ImportFileError

    if upload is None:
        raise ValidationFailed(
            _("Choose a CSV or XLSX file to import."), code="file_required", field="file"
        )
    name = str(getattr(upload, "name", "") or "import.csv")[-FILENAME_MAX:]
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_BYTES:
        raise file_error_as_service_error(
            ImportFileError(
                "file_too_large",
                _(
                    "The file is too large; the limit is 2 MiB. Split it into files of 500 clients "
                    "at most."
                ),
                status=413,
            )
        )
    data = upload.read(MAX_BYTES + 1)
    return data, name


def check_file(*, installation, data: bytes, filename: str):
    """Read and check a file: an ``ImportCheck``, or ``ImportRejected``/``TooLarge``."""
    from comptoir.assignments.imports.reader import ImportFileError, read_table
    from comptoir.assignments.imports.validate import check_import

    try:
        table = read_table(data, filename)
        return check_import(installation=installation, table=table)
    except ImportFileError as error:
        raise file_error_as_service_error(error) from None


def _reject(check) -> ImportRejected:
    return ImportRejected(
        _("Nothing was imported: the file has %(count)d error(s). Fix them and import it again.")
        % {"count": len(check.errors)},
        details=check.errors,
    )


def assignment_import_store(*, actor, installation, data: bytes, filename: str) -> AssignmentImport:
    """Keep the file for its preview page (and purge uploads older than a day)."""
    require_firm_member(actor, installation.firm_id, message=FIRM_ONLY_MESSAGE)
    require_assignable(installation.app)
    with transaction.atomic():
        AssignmentImport.objects.filter(created_at__lt=timezone.now() - KEEP_UPLOADS).delete()
        return AssignmentImport.objects.create(
            firm_id=installation.firm_id,
            installation=installation,
            uploaded_by=actor,
            filename=filename[-FILENAME_MAX:],
            content=data,
            size=len(data),
        )


def assignment_import_apply(
    *,
    actor,
    installation,
    data: bytes,
    filename: str,
    stored: AssignmentImport | None = None,
    expected_preview: str | None = None,
) -> dict[str, Any]:
    """ "Importer": check the file again and apply it, all rows or none, in one transaction.

    The file is planned by ``assignments_plan`` and written by ``apply_plan``: the two halves
    of ``assignments_upsert``, the service the screens and the API use. Returns the counts
    (created, updated, unchanged, rows). Applying the same file again changes nothing.

    With ``expected_preview`` (the ``preview_token`` of the preview the user approved), a plan
    that changed since is refused with ``ImportStale`` (409). A ``stored`` file is locked and
    applied once: a second "Importer" on it gets ``ImportAlreadyApplied`` (409).
    """
    from comptoir.assignments.services.companies import apply_plan

    require_firm_member(actor, installation.firm_id, message=FIRM_ONLY_MESSAGE)
    require_assignable(installation.app)
    with transaction.atomic():
        if stored is not None:
            stored = AssignmentImport.objects.select_for_update().get(pk=stored.pk)
            if stored.applied_at is not None:
                raise ImportAlreadyApplied(_("This file was already imported."))
        # Checked again inside the transaction: the preview may be minutes old.
        check = check_file(installation=installation, data=data, filename=filename)
        if not check.ok:
            raise _reject(check)
        if expected_preview is not None and preview_token(check) != expected_preview:
            raise _stale()
        result = apply_plan(
            actor=actor,
            installation=installation,
            planned=check.planned,
            enable=True,
            source="import",
            filename=filename,
        )
        summary = {
            "created": result.created,
            "updated": result.updated,
            "unchanged": result.unchanged,
            "rows": len(check.entries),
        }
        if stored is not None:
            stored.applied_at = timezone.now()
            stored.result = summary
            stored.save(update_fields=["applied_at", "result"])
    return summary
