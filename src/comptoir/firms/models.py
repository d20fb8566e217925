from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from comptoir.core.models import TimeStampedModel

hex_colour = RegexValidator(
    r"^#[0-9a-fA-F]{6}$", _("Enter a colour as #RRGGBB, for example #1d4ed8.")
)


class Firm(TimeStampedModel):
    """An accounting firm (cabinet): the tenant. Nothing of one firm is seen by another."""

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    brand_colour = models.CharField(
        _("brand colour"), max_length=7, default="#1d4ed8", validators=[hex_colour]
    )
    logo = models.ImageField(_("logo"), upload_to="firm-logos/", blank=True)
    # "Exiger la double authentification": the firm's own users (firm memberships, not its
    # clients' users) must have an authenticator app or a passkey; until they do, every page
    # leads them to set one up and the API answers 403 ``two_factor_required``.
    require_two_factor = models.BooleanField(_("require two-factor authentication"), default=False)

    class Meta:
        verbose_name = _("firm")
        verbose_name_plural = _("firms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class FirmRole(models.TextChoices):
    ADMIN = "admin", _("Administrator")
    COLLABORATOR = "collaborator", _("Collaborator")


class FirmMembership(TimeStampedModel):
    firm = models.ForeignKey(Firm, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="firm_memberships"
    )
    role = models.CharField(_("role"), max_length=20, choices=FirmRole.choices)

    class Meta:
        verbose_name = _("firm member")
        verbose_name_plural = _("firm members")
        constraints = [
            models.UniqueConstraint(fields=["firm", "user"], name="firm_membership_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.firm} ({self.role})"

    @property
    def is_admin(self) -> bool:
        return self.role == FirmRole.ADMIN
