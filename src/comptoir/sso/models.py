from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from comptoir.core.models import TimeStampedModel


class ProviderKind(models.TextChoices):
    ENTRA = "entra", _("Microsoft Entra ID")
    GOOGLE = "google", _("Google Workspace")
    OIDC = "oidc", _("Other OpenID Connect provider")


ENTRA_ISSUER = "https://login.microsoftonline.com/{tenant}/v2.0"
GOOGLE_ISSUER = "https://accounts.google.com"


class FirmIdentityProvider(TimeStampedModel):
    """A firm's identity provider (one per firm), mirrored into allauth's ``SocialApp`` whose
    ``provider_id`` is ``provider_id`` (the firm's slug when it was connected; kept, since the
    firm's users' linked accounts carry it).

    States: connected (``enabled``) ⇄ paused (``enabled`` off: the button disappears, nobody
    signs in with it); ``required`` only while enabled and ``tested_at`` is set: a successful
    sign-in through it since its issuer, client id or secret last changed.
    """

    firm = models.OneToOneField(
        "firms.Firm", on_delete=models.CASCADE, related_name="identity_provider"
    )
    provider_id = models.CharField(max_length=60, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=ProviderKind.choices)
    display_name = models.CharField(_("name on the button"), max_length=40)
    tenant = models.CharField(_("Microsoft tenant (directory) ID"), max_length=64, blank=True)
    issuer = models.URLField(_("issuer"), max_length=300)
    client_id = models.CharField(_("client ID"), max_length=191)
    client_secret = models.TextField(_("client secret (encrypted)"))
    enabled = models.BooleanField(_("enabled"), default=True)
    required = models.BooleanField(_("SSO required for the firm's staff"), default=False)
    tested_at = models.DateTimeField(_("last successful sign-in"), null=True, blank=True)

    class Meta:
        verbose_name = _("firm identity provider")
        verbose_name_plural = _("firm identity providers")

    def __str__(self) -> str:
        return f"{self.firm} — {self.display_name}"


class SsoDomain(TimeStampedModel):
    """An e-mail domain a firm claims for single sign-on. It counts only once the platform
    operator has verified that the firm owns it (``verified_at``, set in the Django admin);
    a verified domain belongs to one firm only.

    States: claimed (``verified_at`` empty) → verified.
    """

    identity_provider = models.ForeignKey(
        FirmIdentityProvider, on_delete=models.CASCADE, related_name="domains"
    )
    domain = models.CharField(_("domain"), max_length=253)
    verified_at = models.DateTimeField(_("verified by the operator"), null=True, blank=True)
    verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = _("SSO e-mail domain")
        verbose_name_plural = _("SSO e-mail domains")
        ordering = ["domain"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity_provider", "domain"], name="sso_domain_unique_per_provider"
            ),
            models.UniqueConstraint(
                fields=["domain"],
                condition=Q(verified_at__isnull=False),
                name="sso_domain_verified_once",
            ),
        ]

    def __str__(self) -> str:
        return self.domain

    @property
    def is_verified(self) -> bool:
        return self.verified_at is not None
