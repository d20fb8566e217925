"""Which client companies have which app of the firm's space, and which of their users see it.

- ``CompanyAssignment``: an installation made available to one client company, with that
  company's settings (for automation apps: the connection — dossier code, collection
  addresses...). Disabled, it stays configured but shows no tile and sends nothing.
- ``UserAccess``: a company user allowed to see an app assigned to their company. Given by
  hand (``granted_by_rule`` empty) or by a role grant.
- ``AssignAllRule``: "Affecter à tous les clients"; with ``include_future_companies`` the
  companies created later get the app at creation.
- ``RoleGrant``: "Personnaliser le portail client": users of these roles get the app in one
  company (or in every company that has the app, ``company`` empty); with
  ``include_future_users`` users who join later, or move into one of the roles, get it too.
- ``AssignmentImport``: an uploaded CSV/XLSX kept between its preview and "Importer".

Every row carries its firm; nothing is shared across firms.
"""

from django.conf import settings as django_settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.companies.models import CompanyRole
from comptoir.core.models import TimeStampedModel


class CompanyAssignment(TimeStampedModel):
    """An app of the firm's space given to one client company (a "connection" for automation).

    Status: ``enabled`` True ⇄ False (assignment_set_enabled); deleted by unassigning or by
    removing the app from the space (its user accesses go with it).
    """

    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="+")
    installation = models.ForeignKey(
        "store.Installation", on_delete=models.CASCADE, related_name="assignments"
    )
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, related_name="app_assignments"
    )
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("company assignment")
        verbose_name_plural = _("company assignments")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(
                fields=["installation", "company"], name="assignment_unique_per_company"
            ),
        ]
        indexes = [
            models.Index(fields=["company", "installation"], name="assignment_company_idx"),
            models.Index(fields=["firm", "installation"], name="assignment_firm_inst_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.installation_id} → company #{self.company_id}"


class RoleGrant(TimeStampedModel):
    """Users of ``roles`` get the app: in ``company``, or in every company that has it.

    Kept after it was applied: it is the record of the action, and when
    ``include_future_users`` is set, a rule applied again whenever a user joins a company it
    covers, moves into one of its roles, or the app is assigned to another company it covers.
    Accesses it gave go when their user leaves its roles.
    """

    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="+")
    installation = models.ForeignKey(
        "store.Installation", on_delete=models.CASCADE, related_name="role_grants"
    )
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("Empty: every client company that has the application."),
    )
    roles = models.JSONField(_("roles"), default=list)
    include_future_users = models.BooleanField(_("include users added later"), default=False)
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["id"]
        indexes = [
            models.Index(
                fields=["installation", "include_future_users"], name="rolegrant_inst_idx"
            ),
            models.Index(fields=["company", "include_future_users"], name="rolegrant_company_idx"),
        ]

    def __str__(self) -> str:
        where = f"company #{self.company_id}" if self.company_id else "all companies"
        return f"#{self.installation_id} {', '.join(self.roles)} @ {where}"

    @property
    def role_labels(self) -> list[str]:
        """The roles as people read them ("Administrateur", not "administrateur")."""
        labels = dict(CompanyRole.choices)
        return [str(labels.get(role, role)) for role in self.roles]


class UserAccess(TimeStampedModel):
    """A company user who sees an app assigned to their company (a tile on their home page)."""

    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="+")
    assignment = models.ForeignKey(
        CompanyAssignment, on_delete=models.CASCADE, related_name="accesses"
    )
    user = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="app_accesses"
    )
    granted_by_rule = models.ForeignKey(
        RoleGrant,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accesses",
        help_text=_("Empty when given by hand."),
    )

    class Meta:
        verbose_name = _("user access")
        verbose_name_plural = _("user accesses")
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["assignment", "user"], name="user_access_unique"),
        ]
        indexes = [models.Index(fields=["user", "assignment"], name="user_access_user_idx")]

    def __str__(self) -> str:
        return f"user #{self.user_id} → assignment #{self.assignment_id}"


class AssignAllRule(TimeStampedModel):
    """ "Affecter à tous les clients" was used for this installation.

    With ``include_future_companies`` every company created later gets the app at creation.
    """

    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="+")
    installation = models.OneToOneField(
        "store.Installation", on_delete=models.CASCADE, related_name="assign_all_rule"
    )
    include_future_companies = models.BooleanField(
        _("include companies added later"), default=False
    )
    created_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("assign-to-all rule")
        verbose_name_plural = _("assign-to-all rules")
        indexes = [
            models.Index(fields=["firm", "include_future_companies"], name="assignall_firm_idx"),
        ]

    def __str__(self) -> str:
        return f"all companies → #{self.installation_id}"


class AssignmentImport(models.Model):
    """An uploaded file kept between its preview and "Importer" (then for a day, then purged).

    Status: uploaded → applied (``applied_at`` set). Re-validated when applied: what changed
    in the meantime is taken into account, and a file that became wrong applies nothing.
    """

    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="+")
    installation = models.ForeignKey(
        "store.Installation", on_delete=models.CASCADE, related_name="+"
    )
    uploaded_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+"
    )
    filename = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    size = models.PositiveIntegerField(_("size (bytes)"))
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True, db_index=True)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("assignment import")
        verbose_name_plural = _("assignment imports")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.filename
