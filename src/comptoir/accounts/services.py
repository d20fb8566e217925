from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from comptoir.accounts import identity
from comptoir.accounts.identity import email_address_ensure
from comptoir.accounts.models import ApiToken, Invitation, User, hash_secret
from comptoir.accounts.tasks import send_invitation
from comptoir.core.errors import NotFound, ServiceError, ValidationFailed
from comptoir.core.request_context import carried
from comptoir.firms.models import Firm

if TYPE_CHECKING:
    from comptoir.companies.models import Company


def normalize_email(email: str) -> str:
    """One spelling per address: trimmed and lower-cased; refused if it is not an address."""
    cleaned = (email or "").strip().lower()
    try:
        validate_email(cleaned)
    except DjangoValidationError:
        raise ValidationFailed(
            _("“%(email)s” is not a valid e-mail address.") % {"email": email},
            code="invalid_email",
            field="email",
        ) from None
    return cleaned


def user_update_profile(*, user: User, full_name: str) -> User:
    """The user's own details (the settings page)."""
    full_name = " ".join((full_name or "").split())
    if len(full_name) > 150:
        raise ValidationFailed(
            _("The name is too long (150 characters at most)."),
            code="name_too_long",
            field="full_name",
        )
    if user.full_name != full_name:
        user.full_name = full_name
        user.save(update_fields=["full_name", "updated_at"])
    return user


# --- API tokens -------------------------------------------------------------------------

TOKEN_EXPIRY_CHOICES = (7, 30, 90, 180, 365)  # days; 90 by default
TOKEN_DEFAULT_DAYS = 90


class TokenRefused(ServiceError):
    """A token that exists but cannot be used (expired): the API answers 401."""

    status = 401
    code = "token_expired"


def token_firms(token: ApiToken) -> list | None:
    """A pinned token's events go to its firm's log; others to each of the user's firms."""
    if token.firm_id:
        return [token.firm]
    if token.company is not None:
        return [token.company.firm]
    return None


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = (
        ApiToken.objects.filter(user=user, pk=token_id).select_related("firm", "company").first()
    )
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        with transaction.atomic():
            token.revoked_at = timezone.now()
            token.save(update_fields=["revoked_at", "updated_at"])
            identity.record(
                user=user, action="identity.token_revoke", target=token, firms=token_firms(token)
            )
    return token


def token_check(key: str) -> ApiToken | None:
    """The usable token behind a clear key, or None if there is none (unknown, revoked,
    its user deactivated). An expired one raises TokenRefused (401 ``token_expired``).
    Notes when the token was last used (at most once a minute)."""
    if not key or not key.startswith(ApiToken.PREFIX) or len(key) > 200:
        return None
    token = (
        ApiToken.objects.filter(key_hash=hash_secret(key), revoked_at__isnull=True)
        .select_related("user", "firm", "company")
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    if token.is_expired:
        raise TokenRefused(
            _(
                "This token expired on %(date)s. Create a new one in “My account” and use it "
                "instead."
            )
            % {"date": timezone.localtime(token.expires_at).strftime("%d/%m/%Y")}
        )
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def token_authenticate(key: str) -> User | None:
    """The active user behind a clear key, or None (expired tokens included)."""
    try:
        token = token_check(key)
    except TokenRefused:
        return None
    return token.user if token is not None else None


# --- Invitations ------------------------------------------------------------------------


def invitation_create(
    *, actor: User | None, user: User, firm: Firm, company: Company | None = None, role: str
) -> Invitation:
    """Record an invitation and send its e-mail through the task queue once committed."""
    invitation = Invitation.objects.create(
        firm=firm,
        company=company,
        user=user,
        role=role,
        invited_by=actor,
        language=(get_language() or settings.LANGUAGE_CODE)[:8],
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    transaction.on_commit(lambda: send_invitation.enqueue(invitation.pk, **carried()))
    return invitation


def invitation_cancel_pending(*, user: User, firm: Firm, company: Company | None = None) -> int:
    """Void the open invitations of a member who was removed before accepting."""
    return (
        Invitation.objects.open()
        .filter(user=user, firm=firm, company=company)
        .update(cancelled_at=timezone.now())
    )


def invitation_for_token(raw_token: str) -> Invitation:
    """The pending invitation behind a link, or a clear error saying why it cannot be used."""
    invitation = (
        Invitation.objects.filter(token_hash=hash_secret(raw_token or ""))
        .select_related("user", "firm", "company")
        .first()
    )
    if invitation is None:
        raise NotFound(
            _("This invitation link is not valid. Ask your firm to send you a new one."),
            code="invitation_unknown",
        )
    if invitation.accepted_at is not None:
        raise ValidationFailed(
            _("This invitation has already been used. Log in with your e-mail and password."),
            code="invitation_used",
        )
    if invitation.cancelled_at is not None:
        raise ValidationFailed(
            _("This invitation was cancelled. Ask your firm for a new one."),
            code="invitation_cancelled",
        )
    if invitation.declined_at is not None:
        raise ValidationFailed(
            _(
                "You declined this invitation. If you changed your mind, ask your firm for a "
                "new one."
            ),
            code="invitation_declined",
        )
    if invitation.is_expired:
        raise ValidationFailed(
            _("This invitation has expired. Ask your firm to send you a new one."),
            code="invitation_expired",
        )
    return invitation


def invitation_set_password(*, user: User, password: str, full_name: str = "") -> None:
    """A new login's first password (and name), chosen on the invitation's page."""
    try:
        validate_password(password, user=user)
    except DjangoValidationError as error:
        raise ValidationFailed(
            " ".join(error.messages), code="weak_password", field="password"
        ) from None
    user.set_password(password)
    if full_name.strip():
        user.full_name = full_name.strip()[:150]
    user.save(update_fields=["password", "full_name", "updated_at"])
    # The invitation's link proved the address: allauth's reset and two-factor rely on it.

    email_address_ensure(user=user)


def invitation_claim(*, invitation: Invitation) -> None:
    """Mark the invitation accepted, once, even if it is used twice at the same moment.

    The membership it promises is made by the caller (``companies.invitations``).
    """
    claimed = (
        Invitation.objects.pending().filter(pk=invitation.pk).update(accepted_at=timezone.now())
    )
    if not claimed:
        raise ValidationFailed(
            _("This invitation has already been used. Log in with your e-mail and password."),
            code="invitation_used",
        )
    invitation.refresh_from_db(fields=["accepted_at"])
