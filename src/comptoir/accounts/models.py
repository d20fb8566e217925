import hashlib
from datetime import datetime

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from comptoir.core.models import TimeStampedModel


def hash_secret(secret: str) -> str:
    """Tokens and invitation links are stored as SHA-256: a leaked table opens nothing."""
    return hashlib.sha256(secret.encode()).hexdigest()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> "User":
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> "User":
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin, TimeStampedModel):
    """A login. One e-mail address may belong to several firms and companies."""

    email = models.EmailField(_("e-mail address"), unique=True)
    full_name = models.CharField(_("full name"), max_length=150, blank=True)
    is_active = models.BooleanField(_("active"), default=True)
    is_staff = models.BooleanField(_("platform staff"), default=False)
    # The context the user last chose (``firm:<slug>`` or ``company:<id>``, see
    # core.tenancy): where pages and the API act when nothing else says. Kept on the user, so
    # that joining a new firm or company never moves them elsewhere by itself.
    default_context = models.CharField(_("default context"), max_length=60, blank=True)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.email


class TokenScope(models.TextChoices):
    READ = "read", _("Read only")
    WRITE = "write", _("Read and write")


class ApiToken(TimeStampedModel):
    """A personal API token. Shown once; only its SHA-256 is kept. Revoked tokens stay listed.

    It expires (``expires_at``, chosen at creation), may only read (``scope``), and may be
    pinned to one firm or one client company of the user's: it then acts only there.
    """

    PREFIX = "cpt_"

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    hint = models.CharField(_("starts with"), max_length=16)
    scope = models.CharField(
        _("scope"), max_length=10, choices=TokenScope.choices, default=TokenScope.WRITE
    )
    expires_at = models.DateTimeField(_("expires"), null=True, blank=True)
    firm = models.ForeignKey(
        "firms.Firm", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    company = models.ForeignKey(
        "companies.Company", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(firm__isnull=True) | models.Q(company__isnull=True),
                name="apitoken_pinned_once",
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.hint}…)"

    @property
    def is_expired(self) -> bool:
        return self.expires_at is not None and timezone.now() >= self.expires_at

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None and not self.is_expired

    @property
    def pinned_to(self):
        return self.company or self.firm


class InvitationStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an answer")
    ACCEPTED = "accepted", _("Accepted")
    DECLINED = "declined", _("Declined")
    CANCELLED = "cancelled", _("Cancelled")
    EXPIRED = "expired", _("Expired")


class InvitationQuerySet(models.QuerySet["Invitation"]):
    def open(self) -> "InvitationQuerySet":
        """Neither accepted, declined nor cancelled (expired ones included)."""
        return self.filter(
            accepted_at__isnull=True, cancelled_at__isnull=True, declined_at__isnull=True
        )

    def pending(self, now: datetime | None = None) -> "InvitationQuerySet":
        """Open and not expired (at ``now``, by default this moment): waiting for an answer."""
        return self.open().filter(expires_at__gt=now or timezone.now())


class Invitation(TimeStampedModel):
    """An invitation to join a firm (``company`` empty) or a client company with a role.

    States: pending → accepted (from the e-mail's link or the banner of the invitee's own
    session) | declined (the invitee said no) | expired (``expires_at`` passed) | cancelled
    (revoked by the firm, or the member was removed first). For a login outside the firm's
    tenant the membership only exists once the invitation is accepted: nobody is made a member
    of another firm's company without saying yes. Only the link's SHA-256 is kept; the link is
    made when the e-mail is sent (see ``accounts.tasks``).
    """

    firm = models.ForeignKey("firms.Firm", on_delete=models.CASCADE, related_name="invitations")
    company = models.ForeignKey(
        "companies.Company",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="invitations",
    )
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="invitations")
    role = models.CharField(_("role"), max_length=20)
    # Set when the e-mail is sent: every send makes a new link and voids the previous one.
    token_hash = models.CharField(max_length=64, unique=True, null=True, blank=True)
    language = models.CharField(_("language"), max_length=8, default="fr")
    invited_by = models.ForeignKey(
        User, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    expires_at = models.DateTimeField(_("expires at"))
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    declined_at = models.DateTimeField(_("declined at"), null=True, blank=True)

    objects = InvitationQuerySet.as_manager()

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.user.email} → {self.company or self.firm}"

    @property
    def is_expired(self) -> bool:
        return timezone.now() >= self.expires_at

    @property
    def is_pending(self) -> bool:
        return self.is_open and not self.is_expired

    @property
    def is_open(self) -> bool:
        """Neither accepted, declined nor cancelled (it may have expired)."""
        return self.accepted_at is None and self.cancelled_at is None and self.declined_at is None

    @property
    def status(self) -> str:
        if self.accepted_at is not None:
            return InvitationStatus.ACCEPTED
        if self.declined_at is not None:
            return InvitationStatus.DECLINED
        if self.cancelled_at is not None:
            return InvitationStatus.CANCELLED
        if self.is_expired:
            return InvitationStatus.EXPIRED
        return InvitationStatus.PENDING
