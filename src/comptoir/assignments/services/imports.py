"""The CSV/XLSX import keyed by SIRET, in one pass: reader → cells → companies → plan.

Each request parses the file once: ``read_table`` (``imports.reader``) gives the rows,
``check_cells`` (``imports.validate``) checks the header, the SIRETs and the setting cells,
then ``check_import`` looks the companies up by SIRET (plain rows, one query) and plans the
assignments with ``assignments_plan`` — the planner the screens and the API use. Every problem
is a ``RowError``. Applying writes the plan with ``apply_plan`` in one transaction, all rows or
none; the preview's fingerprint (``ImportCheck.token``) refuses a plan that changed since.
"""

import hashlib
import json
from dataclasses import asdict, dataclass, field
from datetime import timedelta
from functools import cached_property
from typing import Any, Protocol

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from comptoir.accounts.models import User
from comptoir.assignments.batches import in_list
from comptoir.assignments.imports.errors import RowError
from comptoir.assignments.imports.reader import MAX_BYTES, ImportFileError, Table, read_table
from comptoir.assignments.imports.validate import SIRET, Cells, check_cells
from comptoir.assignments.models import AssignmentImport
from comptoir.assignments.permissions import FIRM_ONLY_MESSAGE, is_assignable, require_assignable
from comptoir.assignments.services.plan import (
    CREATED,
    UNCHANGED,
    UPDATED,
    CompanyRow,
    Entry,
    Planned,
    apply_plan,
    assignments_plan,
)
from comptoir.companies.models import Company
from comptoir.core.errors import Conflict, TooLarge, ValidationFailed
from comptoir.firms.permissions import require_firm_member
from comptoir.ops import hooks as ops_hooks
from comptoir.store.models import App, Installation
from comptoir.store.schema import company_fields

KEEP_UPLOADS = timedelta(days=1)
FILENAME_MAX = 255


class ImportRejected(ValidationFailed):
    """The file applies nothing; ``details`` holds every error (row, column, value, code,
    message). ``file_error`` is set when the whole file is refused (empty, wrong type...)."""

    code = "import_rejected"

    def __init__(
        self,
        message: Any,
        *,
        details: list[dict[str, Any]],
        code: str | None = None,
        file_error: bool = False,
    ) -> None:
        super().__init__(message, code=code or self.code, details=details)
        self.file_error = file_error


class ImportTooLarge(TooLarge):
    code = "file_too_large"


class ImportStale(Conflict):
    """What applying would do is no longer what the preview showed: nothing is applied."""

    code = "import_preview_stale"


class ImportAlreadyApplied(Conflict):
    code = "import_already_applied"


class Upload(Protocol):
    name: str | None
    size: int | None

    def read(self, size: int = ...) -> bytes: ...


# --- results ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PreviewRow:
    """One row of a clean file: its company and what applying does to it."""

    row: int
    siret: str
    company_id: int
    company: str
    action: str
    changed: list[str]


@dataclass(frozen=True)
class ImportSummary:
    created: int
    updated: int
    unchanged: int
    rows: int

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


@dataclass(frozen=True)
class ImportCheck:
    """The outcome of checking a file: its errors, or what applying it would do."""

    columns: list[str]
    extra_columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    planned: list[Planned] = field(default_factory=list)
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    @property
    def ok(self) -> bool:
        return not self.errors

    def summary(self) -> ImportSummary:
        return ImportSummary(self.created, self.updated, self.unchanged, len(self.planned))

    @cached_property
    def rows(self) -> list[PreviewRow]:
        """The preview's rows, made when a page or the API shows them (applying does not)."""
        rows = []
        for item in self.planned:
            company, number = item.entry.company, item.entry.row
            assert company is not None and number is not None
            rows.append(
                PreviewRow(
                    row=number,
                    siret=company.siret or "",
                    company_id=company.pk,
                    company=company.name,
                    action=item.action,
                    changed=item.changed,
                )
            )
        return rows

    @property
    def token(self) -> str:
        """A short fingerprint of what the preview shows: each row's company, action, changes.

        The preview page (a hidden field) and the API's dry run (``preview``) hand it out;
        applying with it refuses, with ``ImportStale``, a plan that differs from the one the
        user approved (another import or a colleague changed the same assignments in the
        meantime, a company was renamed away...), instead of quietly reporting "0 added".
        """
        plan = sorted(
            (p.entry.row, p.entry.company.pk if p.entry.company else None, p.action, p.changed)
            for p in self.planned
        )
        raw = json.dumps([self.columns, plan], separators=(",", ":"), default=str)
        return hashlib.sha256(raw.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class ImportOutcome:
    """An API import: the check of the file (its rows) and what was (or would be) done."""

    check: ImportCheck
    summary: ImportSummary
    applied: bool


def preview_token(check: ImportCheck) -> str:
    return check.token


# --- refusals -----------------------------------------------------------------------------------


def _stale() -> ImportStale:
    return ImportStale(
        _(
            "Nothing was imported: the client companies or their settings changed since the "
            "preview, so the import would no longer do what it showed. Check the new preview "
            "and import again."
        )
    )


def _reject(check: ImportCheck, *, short: bool = False) -> ImportRejected:
    count = {"count": len(check.errors)}
    n = count["count"]
    message = (
        ngettext(
            "Nothing was imported: the file has %(count)d error.",
            "Nothing was imported: the file has %(count)d errors.",
            n,
        )
        % count
        if short
        else ngettext(
            "Nothing was imported: the file has %(count)d error. Fix it and import it again.",
            "Nothing was imported: the file has %(count)d errors. Fix them and import it again.",
            n,
        )
        % count
    )
    return ImportRejected(message, details=[e.as_detail() for e in check.errors])


def file_error_as_service_error(error: ImportFileError) -> ImportRejected | ImportTooLarge:
    details = [RowError(None, None, "", error.code, error.message).as_detail()]
    if error.status == 413:
        return ImportTooLarge(error.message, code=error.code, details=details)
    return ImportRejected(error.message, code=error.code, details=details, file_error=True)


# --- reading and checking -----------------------------------------------------------------------


def read_upload(upload: Upload | None) -> tuple[bytes, str]:
    """The bytes of an uploaded file (never more than the cap plus one byte) and its name."""
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


def _require_importable(app: App) -> None:
    if not is_assignable(app):
        raise ImportFileError(
            "firm_only_app",
            _("“%(app)s” is meant for the firm only: it cannot be given to client companies.")
            % {"app": app.name},
        )


def read_file(*, installation: Installation, data: bytes, filename: str) -> Table:
    """Parse the file (once): its rows, or ``ImportRejected``/``ImportTooLarge``."""
    try:
        _require_importable(installation.app)
        return read_table(data, filename)
    except ImportFileError as error:
        raise file_error_as_service_error(error) from None


def check_file(*, installation: Installation, data: bytes, filename: str) -> ImportCheck:
    """Parse and check a file: an ``ImportCheck``, or ``ImportRejected``/``ImportTooLarge``."""
    table = read_file(installation=installation, data=data, filename=filename)
    return check_import(installation=installation, table=table)


def _companies_by_siret(firm_id: int, sirets: set[str]) -> dict[str, CompanyRow]:
    """The firm's companies with these SIRETs, as plain rows: one query, no model instance."""
    if not sirets:
        return {}
    # One IN list of the normalised SIRETs, on the (firm, siret) unique index; no ordering.
    rows = (
        Company.objects.filter(firm_id=firm_id, siret__in=in_list(sirets))
        .order_by()
        .values_list("pk", "firm_id", "name", "siret")
    )
    return {siret: CompanyRow(pk, firm, name, siret) for pk, firm, name, siret in rows if siret}


def check_import(*, installation: Installation, table: Table) -> ImportCheck:
    """Every error of the file, or the plan: created / updated / unchanged per row.

    Two queries whatever the row count: the firm's companies by SIRET, then their current
    assignments (``assignments_plan``).
    """
    app = installation.app
    _require_importable(app)
    cells = check_cells(table, company_fields(app))
    if not cells.header_ok:
        return ImportCheck(cells.columns, cells.extra_columns, errors=cells.errors)
    companies = _companies_by_siret(
        installation.firm_id, {row.siret for row in cells.rows if row.siret}
    )
    errors = list(cells.errors)
    entries = []
    for row in cells.rows:
        found = companies.get(row.siret) if row.siret else None
        if row.siret and found is None:
            errors.append(
                RowError.at(
                    row.number,
                    cells.heading[SIRET],
                    row.typed_siret,  # the cell as the user typed it, so they find it in their file
                    "siret_unknown",
                    _(
                        "No client company of your firm has this SIRET. Check the number, or "
                        "create the company first."
                    ),
                )
            )
        entries.append(Entry(company=found, settings=row.settings, row=row.number))
    planned, plan_errors = assignments_plan(installation=installation, entries=entries)
    errors.extend(_plan_errors_as_row_errors(cells, plan_errors, already=errors))
    if errors:
        order = {key: i for i, key in enumerate(cells.columns)}
        key_of = {text: key for key, text in cells.heading.items()}
        errors.sort(key=lambda e: (e.row or 0, order.get(key_of.get(e.column or "", ""), 99)))
        return ImportCheck(cells.columns, cells.extra_columns, errors=errors)
    actions = [item.action for item in planned]
    return ImportCheck(
        cells.columns,
        cells.extra_columns,
        planned=planned,
        created=actions.count(CREATED),
        updated=actions.count(UPDATED),
        unchanged=actions.count(UNCHANGED),
    )


def _plan_errors_as_row_errors(
    cells: Cells, plan_errors: list[Any], *, already: list[RowError]
) -> list[RowError]:
    """The planner's problems at their cell; a cell already refused (too long) is not
    reported again as missing."""
    reported = {(e.row, e.column) for e in already}
    found = []
    for problem in plan_errors:
        key = problem.key if problem.key in cells.heading else SIRET
        column = cells.heading[key]
        if (problem.row, column) in reported:
            continue
        found.append(
            RowError.at(
                problem.row, column, cells.value(problem.row, key), problem.code, problem.message
            )
        )
    return found


# --- keeping and applying -----------------------------------------------------------------------


def assignment_import_store(
    *, actor: User, installation: Installation, data: bytes, filename: str
) -> AssignmentImport:
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


def _apply_checked(
    *,
    actor: User,
    installation: Installation,
    check: ImportCheck,
    filename: str,
    expected_preview: str | None,
    short_refusal: bool = False,
) -> ImportSummary:
    """Write a checked file, in the caller's transaction: refused if wrong or stale."""
    if not check.ok:
        raise _reject(check, short=short_refusal)
    if expected_preview is not None and check.token != expected_preview:
        raise _stale()
    result = apply_plan(
        actor=actor,
        installation=installation,
        planned=check.planned,
        enable=True,
        source="import",
        filename=filename,
    )
    ops_hooks.import_applied()
    return ImportSummary(result.created, result.updated, result.unchanged, len(check.planned))


def assignment_import_apply(
    *,
    actor: User,
    installation: Installation,
    data: bytes,
    filename: str,
    stored: AssignmentImport | None = None,
    expected_preview: str | None = None,
) -> ImportSummary:
    """ "Importer": check the file again and apply it, all rows or none, in one transaction.

    Returns the counts (created, updated, unchanged, rows). Applying the same file again
    changes nothing. With ``expected_preview`` (the token of the preview the user approved),
    a plan that changed since is refused with ``ImportStale`` (409). A ``stored`` file is
    locked and applied once: a second "Importer" on it gets ``ImportAlreadyApplied`` (409).
    """
    require_firm_member(actor, installation.firm_id, message=FIRM_ONLY_MESSAGE)
    require_assignable(installation.app)
    with transaction.atomic():
        if stored is not None:
            stored = AssignmentImport.objects.select_for_update().get(pk=stored.pk)
            if stored.applied_at is not None:
                raise ImportAlreadyApplied(_("This file was already imported."))
        # Checked inside the transaction: the preview may be minutes old.
        check = check_file(installation=installation, data=data, filename=filename)
        summary = _apply_checked(
            actor=actor,
            installation=installation,
            check=check,
            filename=filename,
            expected_preview=expected_preview,
        )
        if stored is not None:
            stored.applied_at = timezone.now()
            stored.result = summary.as_dict()
            stored.save(update_fields=["applied_at", "result"])
    return summary


def assignment_import(
    *,
    actor: User,
    installation: Installation,
    data: bytes,
    filename: str,
    dry_run: bool,
    expected_preview: str | None = None,
) -> ImportOutcome:
    """The API's import: check the file, and unless ``dry_run`` apply it — one parse.

    A file with errors is ``ImportRejected`` (422, every row in ``details``) whether or not
    it is a dry run; applying checks inside the transaction, as ``assignment_import_apply``.
    """
    if dry_run:
        check = check_file(installation=installation, data=data, filename=filename)
        if not check.ok:
            raise _reject(check, short=True)
        return ImportOutcome(check=check, summary=check.summary(), applied=False)
    require_firm_member(actor, installation.firm_id, message=FIRM_ONLY_MESSAGE)
    require_assignable(installation.app)
    with transaction.atomic():
        check = check_file(installation=installation, data=data, filename=filename)
        summary = _apply_checked(
            actor=actor,
            installation=installation,
            check=check,
            filename=filename,
            expected_preview=expected_preview,
            short_refusal=True,
        )
    return ImportOutcome(check=check, summary=summary, applied=True)
