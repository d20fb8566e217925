from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from comptoir.core.models import TimeStampedModel


class Company(TimeStampedModel):
    """A client company (entreprise, dossier) whose books a firm keeps.

    ``slug`` is unique within the firm and is used in collection addresses; ``siret`` is
    stored normalised (14 digits) and unique within the firm when present.
    """

    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="companies")
    name = models.CharField(_("name"), max_length=200)
    siret = models.CharField(_("SIRET"), max_length=14, null=True, blank=True)
    slug = models.SlugField(_("slug"), max_length=80)
    fiscal_year_start = models.DateField(_("fiscal year start"))
    fiscal_year_end = models.DateField(_("fiscal year end"))

    class Meta:
        verbose_name = _("client company")
        verbose_name_plural = _("client companies")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "slug"], name="company_slug_unique_in_firm"),
            models.UniqueConstraint(
                fields=["firm", "siret"],
                condition=Q(siret__isnull=False),
                name="company_siret_unique_in_firm",
            ),
            models.CheckConstraint(
                condition=Q(fiscal_year_end__gt=models.F("fiscal_year_start")),
                name="company_fiscal_year_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["firm", "name"], name="company_firm_name_idx")]

    def __str__(self) -> str:
        return self.name


class CompanyRole(models.TextChoices):
    ADMINISTRATEUR = "administrateur", _("Administrator")
    COLLABORATEUR = "collaborateur", _("Collaborator")
    INVITE = "invite", _("Guest")


class CompanyMembership(TimeStampedModel):
    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="+")
    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="company_memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=CompanyRole.choices)

    class Meta:
        verbose_name = _("company member")
        verbose_name_plural = _("company members")
        constraints = [
            models.UniqueConstraint(fields=["company", "user"], name="company_membership_unique"),
        ]
        indexes = [models.Index(fields=["firm", "role"], name="company_member_firm_role_idx")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.company} ({self.role})"
