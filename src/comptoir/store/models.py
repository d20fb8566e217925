"""The Store: the catalogue (categories, apps), the apps in each firm's space, launches.

The platform catalogue is data (``catalog/``, loaded by ``comptoir load-catalog``); a firm's
custom app is an ``App`` with ``owner_firm`` set, visible to that firm only.
"""

from django.conf import settings as django_settings
from django.db import models
from django.db.models import Q
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from comptoir.core.models import TimeStampedModel


def _is_french() -> bool:
    return (get_language() or "fr").startswith("fr")


class Category(TimeStampedModel):
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    name_fr = models.CharField(_("name (French)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120)
    order = models.PositiveIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("category")
        verbose_name_plural = _("categories")
        ordering = ["order", "slug"]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_fr if _is_french() else self.name_en


class AppType(models.TextChoices):
    REDIRECT = "redirect", _("Redirect")
    AUTOMATION = "automation", _("Automation")


class Audience(models.TextChoices):
    FIRM = "firm", _("Firm")
    COMPANY = "company", _("Company")
    BOTH = "both", _("Firm and companies")


class Transport(models.TextChoices):
    EMAIL = "email", _("Collection e-mail")
    HTTPS = "https", _("HTTPS API")
    SFTP = "sftp", _("SFTP")


FIRM_AUDIENCES = (Audience.FIRM, Audience.BOTH)
COMPANY_AUDIENCES = (Audience.COMPANY, Audience.BOTH)


class App(TimeStampedModel):
    """A catalogue entry, or a firm's custom redirect app (``owner_firm`` set).

    Catalogue apps are never deleted: dropped from the catalogue files they become inactive
    (hidden from the unused list), and the firms that installed them keep them.
    """

    slug = models.SlugField(_("slug"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=120)
    publisher = models.CharField(_("publisher"), max_length=120, blank=True)
    category = models.ForeignKey(
        Category,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="apps",
        verbose_name=_("category"),
    )
    short_description = models.CharField(_("short description"), max_length=300, blank=True)
    long_description = models.TextField(_("long description"), blank=True)
    business_model = models.TextField(_("business model"), blank=True)
    type = models.CharField(_("type"), max_length=20, choices=AppType.choices)
    audience = models.CharField(_("audience"), max_length=20, choices=Audience.choices)
    launch_url = models.CharField(_("launch URL"), max_length=2000, blank=True)
    # Logos: the catalogue's SVG (our own files, checked at load) or an uploaded raster image
    # (re-encoded to PNG by the service). Served by the portal:logo view.
    logo_svg = models.TextField(_("logo (SVG)"), blank=True)
    logo_file = models.FileField(_("logo (image)"), upload_to="app-logos/", blank=True)
    logo_version = models.CharField(_("logo version"), max_length=16, blank=True)
    # Automation apps
    transport = models.CharField(
        _("transport"), max_length=10, choices=Transport.choices, blank=True
    )
    accepted_folders = models.JSONField(_("accepted folders"), default=list, blank=True)
    accepted_file_types = models.JSONField(_("accepted file types"), default=list, blank=True)
    max_file_size = models.PositiveBigIntegerField(
        _("maximum file size (bytes)"), null=True, blank=True
    )
    settings_schema = models.JSONField(_("settings schema"), default=list, blank=True)
    requires_siret = models.BooleanField(_("requires a SIRET"), default=False)
    is_active = models.BooleanField(_("active"), default=True)
    owner_firm = models.ForeignKey(
        "firms.Firm",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="custom_apps",
        verbose_name=_("firm (custom app)"),
    )
    # Options chosen when a firm created its custom app ("assign to all dossiers", roles),
    # handed to the assignments service: {"assign_to_all_companies": bool, "roles": [...]}.
    custom_options = models.JSONField(_("custom app options"), default=dict, blank=True)
    catalog_version = models.CharField(_("catalogue version"), max_length=40, blank=True)
    catalog_hash = models.CharField(_("catalogue hash"), max_length=64, blank=True)

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        ordering = ["name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(type=AppType.AUTOMATION) | ~Q(launch_url=""),
                name="store_app_redirect_has_url",
            ),
            models.CheckConstraint(
                condition=Q(owner_firm__isnull=True) | Q(type=AppType.REDIRECT),
                name="store_custom_app_is_redirect",
            ),
        ]
        indexes = [models.Index(fields=["is_active", "owner_firm"], name="store_app_active_idx")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_custom(self) -> bool:
        return self.owner_firm_id is not None

    @property
    def is_redirect(self) -> bool:
        return self.type == AppType.REDIRECT

    @property
    def is_automation(self) -> bool:
        return self.type == AppType.AUTOMATION

    @property
    def has_logo(self) -> bool:
        return bool(self.logo_version and (self.logo_svg or self.logo_file))

    @property
    def logo_url(self) -> str | None:
        if not self.logo_version:
            return None
        return reverse("portal:logo", args=[self.pk, self.logo_version])

    @property
    def needs_firm_settings(self) -> bool:
        from comptoir.store.schema import firm_fields

        return bool(firm_fields(self))

    @property
    def initials(self) -> str:
        words = [w for w in self.name.replace("-", " ").split() if w[:1].isalnum()]
        return "".join(w[0] for w in words[:2]).upper() or "?"


class Installation(TimeStampedModel):
    """An app in a firm's space ("Les applications de mon espace"), with its firm settings.

    ``settings`` holds the firm-level values of the app's settings schema; secrets are stored
    encrypted (see ``store/schema.py``). Removing the app deletes this row after the removal
    steps cancelled what hangs below it; adding it again starts from a new, empty row.
    """

    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="installations")
    app = models.ForeignKey(App, on_delete=models.PROTECT, related_name="installations")
    settings = models.JSONField(_("settings"), default=dict, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    installed_by = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("installed application")
        verbose_name_plural = _("installed applications")
        ordering = ["position", "id"]
        constraints = [
            models.UniqueConstraint(fields=["firm", "app"], name="store_installation_unique"),
        ]
        indexes = [models.Index(fields=["firm", "position"], name="store_inst_firm_pos_idx")]

    def __str__(self) -> str:
        return f"{self.app} @ {self.firm}"


class LaunchEvent(models.Model):
    """One opening of a tile: who, when, from which company context. Kept after removal."""

    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="+")
    installation = models.ForeignKey(
        Installation, on_delete=models.SET_NULL, null=True, blank=True, related_name="launches"
    )
    app = models.ForeignKey(App, on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    app_name = models.CharField(_("application"), max_length=120)
    user = models.ForeignKey(
        django_settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    company = models.ForeignKey(
        "companies.Company", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("when"), auto_now_add=True)

    class Meta:
        verbose_name = _("launch")
        verbose_name_plural = _("launches")
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["firm", "-created_at"], name="store_launch_firm_idx")]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.app_name}"
