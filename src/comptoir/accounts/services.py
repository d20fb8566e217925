import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from comptoir.accounts.models import ApiToken, Invitation, User, hash_secret
from comptoir.core.errors import NotFound, ValidationFailed
from comptoir.core.request_context import carried


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


def token_create(*, user: User, name: str) -> tuple[ApiToken, str]:
    """Create a token; the clear key is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(_("Give the token a name."), code="name_required", field="name")
    if len(name) > 100:
        raise ValidationFailed(
            _("The name is too long (100 characters at most)."), code="name_too_long", field="name"
        )
    key = ApiToken.PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name, key_hash=hash_secret(key), hint=key[: len(ApiToken.PREFIX) + 6]
    )
    return token, key


def token_revoke(*, user: User, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=user, pk=token_id).first()
    if token is None:
        raise NotFound()
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at", "updated_at"])
    return token


def token_authenticate(key: str) -> User | None:
    """The active user behind a clear key, or None. Notes when the token was last used."""
    if not key or not key.startswith(ApiToken.PREFIX) or len(key) > 200:
        return None
    token = (
        ApiToken.objects.filter(key_hash=hash_secret(key), revoked_at__isnull=True)
        .select_related("user")
        .first()
    )
    if token is None or not token.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user


# --- Invitations ------------------------------------------------------------------------


def invitation_create(
    *, actor: User | None, user: User, firm, company=None, role: str
) -> Invitation:
    """Record an invitation and send its e-mail through the task queue once committed."""
    from comptoir.accounts.tasks import send_invitation

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


def invitation_cancel_pending(*, user: User, firm, company=None) -> int:
    """Void the open invitations of a member who was removed before accepting."""
    return Invitation.objects.filter(
        user=user,
        firm=firm,
        company=company,
        accepted_at__isnull=True,
        cancelled_at__isnull=True,
        declined_at__isnull=True,
    ).update(cancelled_at=timezone.now())


def invitation_issue_link(*, invitation: Invitation) -> str:
    """A fresh link for the invitation; the previous link stops working."""
    raw = secrets.token_urlsafe(32)
    invitation.token_hash = hash_secret(raw)
    invitation.save(update_fields=["token_hash", "updated_at"])
    return raw


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
    from comptoir.accounts.identity import email_address_ensure

    email_address_ensure(user=user)


def invitation_claim(*, invitation: Invitation) -> None:
    """Mark the invitation accepted, once, even if it is used twice at the same moment.

    The membership it promises is made by the caller (``companies.invitations``).
    """
    claimed = Invitation.objects.filter(
        pk=invitation.pk,
        accepted_at__isnull=True,
        cancelled_at__isnull=True,
        declined_at__isnull=True,
        expires_at__gt=timezone.now(),
    ).update(accepted_at=timezone.now())
    if not claimed:
        raise ValidationFailed(
            _("This invitation has already been used. Log in with your e-mail and password."),
            code="invitation_used",
        )
    invitation.refresh_from_db(fields=["accepted_at"])
