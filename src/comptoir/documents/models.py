import secrets
from pathlib import PurePosixPath

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from comptoir.core.models import TimeStampedModel
from comptoir.documents.folders import FOLDERS, FiscalYear, folder_label


class Document(TimeStampedModel):
    """A document of a client company, filed in a folder, a fiscal year and maybe a month.

    Its content lives in immutable versions (1..n); ``current_version`` is the number of the
    latest one. Editing a document means adding a version: the earlier ones stay.
    """

    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="documents"
    )
    folder = models.CharField(
        _("folder"), max_length=30, choices=[(f.key, f.label_en) for f in FOLDERS]
    )
    fiscal_year_start = models.DateField(_("fiscal year start"))
    fiscal_year_end = models.DateField(_("fiscal year end"))
    month = models.DateField(
        _("month"), null=True, blank=True, help_text=_("First day of the month, if filed in one.")
    )
    title = models.CharField(_("title"), max_length=200)
    current_version = models.PositiveIntegerField(_("current version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("document")
        verbose_name_plural = _("documents")
        ordering = ["-updated_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(folder__in=[f.key for f in FOLDERS]), name="document_folder_known"
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year_end__gt=models.F("fiscal_year_start")),
                name="document_fiscal_year_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(month__isnull=True) | Q(month__lte=models.F("fiscal_year_end")),
                name="document_month_in_fiscal_year",
            ),
            models.CheckConstraint(
                condition=Q(current_version__gte=1), name="document_current_version_positive"
            ),
        ]
        indexes = [
            models.Index(
                fields=["company", "folder", "fiscal_year_start", "month"],
                name="document_company_place_idx",
            ),
            models.Index(fields=["firm", "-updated_at"], name="document_firm_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def folder_label(self) -> str:
        return folder_label(self.folder)

    @property
    def fiscal_year(self) -> FiscalYear:
        return FiscalYear(start=self.fiscal_year_start, end=self.fiscal_year_end)


def version_upload_to(instance: "DocumentVersion", filename: str) -> str:
    """documents/<firm>/<company>/<random>.<ext>: never the name the user chose."""
    suffix = PurePosixPath(filename).suffix.lower()
    if not (1 < len(suffix) <= 10 and suffix[1:].isascii() and suffix[1:].isalnum()):
        suffix = ""
    company_id = instance.document.company_id
    return f"documents/{instance.firm_id}/{company_id}/{secrets.token_urlsafe(18)}{suffix}"


class ImmutableVersionError(Exception):
    """A document version was about to be changed: versions are written once."""


class DocumentVersionQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ImmutableVersionError("Document versions cannot be changed.")


class DocumentVersion(models.Model):
    """One immutable version of a document: its bytes and what is known about them.

    Written once by the documents services, never updated. ``content_type`` is sniffed from
    the file's first bytes (the client's header is not trusted).
    """

    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="+")
    document = models.ForeignKey(Document, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    file = models.FileField(_("file"), upload_to=version_upload_to, max_length=255)
    original_name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size"))
    content_type = models.CharField(_("content type"), max_length=150)
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    objects = DocumentVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("document version")
        verbose_name_plural = _("document versions")
        ordering = ["document_id", "number"]
        constraints = [
            models.UniqueConstraint(
                fields=["document", "number"], name="document_version_number_unique"
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="document_version_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.original_name} (v{self.number})"

    def save(self, *args, **kwargs):
        if not self._state.adding:
            raise ImmutableVersionError("Document versions cannot be changed.")
        super().save(*args, **kwargs)

    @property
    def sha256_short(self) -> str:
        return self.sha256[:12]
