"""Writes of documents: upload a document (version 1), add a version. Versions are never changed.

Where the bytes go, and why no row is left without its file nor a file kept without its row:
the file is written to storage (Django's storage API) *before* the database transaction, so
the transaction never waits on a slow disk or object store (SQLite holds its write lock for
the whole transaction). If anything fails inside the transaction — a constraint, the audit
event, the delivery planning — the transaction rolls back and the stored file is deleted
before the error goes on. Django has no rollback hook, so if a caller wraps these services in
a larger transaction of its own and that one rolls back later, the file stays behind under a
random name no row points to: harmless, and unreachable through the application.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.files import File
from django.db import IntegrityError, transaction
from django.template.defaultfilters import filesizeformat
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from comptoir.audit.services import audit_record
from comptoir.core.errors import Conflict, NotFound, TooLarge, ValidationFailed
from comptoir.deliveries import hooks as deliveries_hooks
from comptoir.documents.files import FileFacts, inspect_file, sanitize_filename
from comptoir.documents.folders import (
    FOLDER_KEYS,
    FiscalYear,
    company_fiscal_year,
    first_of_month,
    folder_choices,
)
from comptoir.documents.models import Document, DocumentVersion
from comptoir.documents.selectors import company_fiscal_years

if TYPE_CHECKING:
    from comptoir.accounts.models import User
    from comptoir.companies.models import Company

logger = logging.getLogger(__name__)

TITLE_MAX = 200


# --- input cleaning ----------------------------------------------------------------------------


def clean_folder(folder: str | None) -> str:
    key = (folder or "").strip()
    if key not in FOLDER_KEYS:
        choices = ", ".join(f"{k} ({label})" for k, label in folder_choices())
        raise ValidationFailed(
            _("Choose a folder among: %(choices)s.") % {"choices": choices},
            code="invalid_folder",
            field="folder",
        )
    return key


def _date_or_none(text: str) -> date | None:
    """The date written YYYY-MM-DD, or None (malformed, or well-formed but impossible)."""
    try:
        return parse_date(text)
    except ValueError:  # 2026-02-30
        return None


def parse_month(value: date | str) -> date:
    """A month given as a date, "2026-03" or "2026-03-01", as the month's first day."""
    if isinstance(value, date):
        return first_of_month(value)
    text = str(value).strip()
    parsed = _date_or_none(f"{text}-01" if len(text) == 7 else text)
    if parsed is None:
        raise ValidationFailed(
            _("Give the month as YYYY-MM, for example 2026-03."),
            code="invalid_month",
            field="month",
        )
    return first_of_month(parsed)


def parse_fiscal_year_start(value: FiscalYear | date | str) -> date:
    if isinstance(value, FiscalYear):
        return value.start
    if isinstance(value, date):
        return value
    parsed = _date_or_none(str(value).strip())
    if parsed is None:
        raise ValidationFailed(
            _("Give the fiscal year by its first day, as YYYY-MM-DD (for example 2026-01-01)."),
            code="invalid_fiscal_year",
            field="fiscal_year",
        )
    return parsed


def resolve_place(
    *,
    company: Company,
    fiscal_year: FiscalYear | date | str | None = None,
    month: date | str | None = None,
) -> tuple[FiscalYear, date | None]:
    """(FiscalYear, month or None) where a document is filed; 422 if the company has no such.

    Without a fiscal year: the one holding ``month`` (the current one first), else the
    current one. Without a month: the fiscal year's root.
    """
    month_date = parse_month(month) if month not in (None, "") else None
    years = company_fiscal_years(company=company)
    current = company_fiscal_year(company)
    if fiscal_year in (None, ""):
        if month_date is None:
            return current, None
        holding = [year for year in years if year.contains_month(month_date)]
        if not holding:
            raise ValidationFailed(
                _("No fiscal year of this company covers that month: pick another month."),
                code="month_outside_fiscal_years",
                field="month",
            )
        return (current if current in holding else holding[0]), month_date
    start = parse_fiscal_year_start(fiscal_year)
    year = next((year for year in years if year.start == start), None)
    if year is None:
        choices = ", ".join(year.start.isoformat() for year in years)
        raise ValidationFailed(
            _("This company has no fiscal year starting on %(start)s. Choose one of: %(choices)s.")
            % {"start": start.isoformat(), "choices": choices},
            code="unknown_fiscal_year",
            field="fiscal_year",
        )
    if month_date is not None and not year.contains_month(month_date):
        raise ValidationFailed(
            _(
                "This month is not in the chosen fiscal year: pick a month between %(first)s and "
                "%(last)s."
            )
            % {"first": f"{year.months[0]:%Y-%m}", "last": f"{year.months[-1]:%Y-%m}"},
            code="month_outside_fiscal_year",
            field="month",
        )
    return year, month_date


def clean_title(title: str | None) -> str:
    cleaned = " ".join("".join(ch for ch in (title or "") if ch.isprintable() or ch == " ").split())
    return cleaned[:TITLE_MAX]


def _check_size(size: int | None) -> None:
    limit = settings.DOCUMENT_MAX_UPLOAD_BYTES
    if not size:
        raise ValidationFailed(
            _("The file is empty. Choose a file that has content."), code="file_empty", field="file"
        )
    if size > limit:
        raise TooLarge(
            _(
                "The file weighs %(size)s; the limit is %(limit)s per file. Compress it or split "
                "it, then upload it again."
            )
            % {"size": filesizeformat(size), "limit": filesizeformat(limit)},
            code="file_too_large",
            field="file",
        )


def inspect_upload(file: File | None) -> tuple[str, FileFacts]:
    """The upload's safe name and facts, or a clear error (missing, empty, too large)."""
    if file is None:
        # Django drops a file whose name is empty once cleaned (only "..", only invisible
        # characters) before we see it: say so, since the user did choose a file.
        raise ValidationFailed(
            _(
                "Choose a file to upload. If you chose one, its name could not be read (only "
                "dots or invisible characters): rename it and upload it again."
            ),
            code="file_required",
            field="file",
        )
    _check_size(getattr(file, "size", None))
    name = sanitize_filename(getattr(file, "name", ""))
    facts = inspect_file(file, name)
    _check_size(facts.size)  # the bytes actually read, whatever the upload claimed
    return name, facts


# --- storage -----------------------------------------------------------------------------------


def _user(actor: User | None) -> User | None:
    return actor if actor is not None and getattr(actor, "pk", None) else None


def _build_version(
    *, actor: User | None, document: Document, file: File, name: str, facts: FileFacts, number: int
) -> DocumentVersion:
    """An unsaved version whose file is already in storage."""
    version = DocumentVersion(
        firm_id=document.firm_id,
        document=document,
        number=number,
        original_name=name,
        size=facts.size,
        content_type=facts.content_type,
        sha256=facts.sha256,
        uploaded_by=_user(actor),
    )
    file.seek(0)
    version.file.save(name, file, save=False)
    return version


def _discard_stored_file(version: DocumentVersion) -> None:
    name = version.file.name
    if not name:
        return
    try:
        version.file.storage.delete(name)
    except Exception:  # the original error matters more than a failed clean-up
        logger.exception("Could not delete the stored file %s after a rollback", name)


def _version_details(version: DocumentVersion) -> dict[str, Any]:
    return {
        "version": version.number,
        "file_name": version.original_name,
        "size": version.size,
        "content_type": version.content_type,
        "sha256": version.sha256,
    }


# --- services ----------------------------------------------------------------------------------


def document_upload(
    *,
    actor: User | None,
    company: Company,
    folder: str,
    file: File | None,
    fiscal_year: FiscalYear | date | str | None = None,
    month: date | str | None = None,
    title: str | None = None,
) -> Document:
    """A new document of ``company`` in ``folder``, with ``file`` as its version 1."""
    folder = clean_folder(folder)
    year, month_date = resolve_place(company=company, fiscal_year=fiscal_year, month=month)
    name, facts = inspect_upload(file)
    assert file is not None  # inspect_upload refused a missing file
    document = Document(
        firm_id=company.firm_id,
        company=company,
        folder=folder,
        fiscal_year_start=year.start,
        fiscal_year_end=year.end,
        month=month_date,
        title=clean_title(title) or name,
        current_version=1,
        created_by=_user(actor),
    )
    version = _build_version(
        actor=actor, document=document, file=file, name=name, facts=facts, number=1
    )
    try:
        with transaction.atomic():
            document.save()
            version.document = document
            version.save()
            audit_record(
                firm=company.firm,
                actor=actor,
                action="document.upload",
                target=document,
                details={
                    "company": company.pk,
                    "folder": folder,
                    "fiscal_year": year.start.isoformat(),
                    "month": month_date.isoformat() if month_date else "",
                    **_version_details(version),
                },
            )
            deliveries_hooks.version_created(version=version)
    except BaseException:
        _discard_stored_file(version)
        raise
    return document


def document_version_add(
    *, actor: User | None, document: Document, file: File | None
) -> DocumentVersion:
    """A new version of ``document`` (number = the latest + 1); the earlier ones stay."""
    name, facts = inspect_upload(file)
    assert file is not None  # inspect_upload refused a missing file
    version = _build_version(
        actor=actor, document=document, file=file, name=name, facts=facts, number=0
    )
    try:
        with transaction.atomic():
            locked = Document.objects.select_for_update().filter(pk=document.pk).first()
            if locked is None:
                raise NotFound(_("This document no longer exists."), code="document_gone")
            version.number = locked.current_version + 1
            version.document = locked
            version.save()
            locked.current_version = version.number
            locked.save(update_fields=["current_version", "updated_at"])
            audit_record(
                firm=locked.firm,
                actor=actor,
                action="document.version_add",
                target=locked,
                details={"company": locked.company_id, **_version_details(version)},
            )
            deliveries_hooks.version_created(version=version)
    except IntegrityError:
        _discard_stored_file(version)
        raise Conflict(
            _("Someone added a version of this document at the same moment. Try again."),
            code="version_conflict",
        ) from None
    except BaseException:
        _discard_stored_file(version)
        raise
    document.current_version = locked.current_version
    document.updated_at = locked.updated_at
    version.document = document
    return version


# --- when a company goes ---------------------------------------------------------------------


def company_files_delete_on_commit(*, company: Company) -> int:
    """Delete the stored files of the company's document versions once its deletion commits.

    Called by ``company_delete`` before the rows go (they cascade with the company). The files
    are deleted only after the commit, so a rolled-back deletion keeps every file. Returns how
    many files are scheduled.
    """
    from django.core.files.storage import default_storage

    names = list(
        DocumentVersion.objects.filter(document__company=company)
        .exclude(file="")
        .values_list("file", flat=True)
    )

    def delete_files() -> None:
        for name in names:
            try:
                default_storage.delete(name)
            except Exception:  # a missing file or a passing storage error must not hide the rest
                logger.exception("Could not delete %s after its company was deleted", name)

    if names:
        transaction.on_commit(delete_files)
    return len(names)
