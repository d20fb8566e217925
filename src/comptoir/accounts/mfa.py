"""Two-factor authentication with django-allauth's ``mfa``: TOTP, recovery codes, passkeys.

- ``MFAAdapter``: the TOTP secret and the recovery codes' seed are kept Fernet-encrypted
  (``core.crypto``, like the apps' secrets); our issuer and relying-party name.
- The rule "Exiger la double authentification" (``firms.Firm.require_two_factor``) is applied
  to requests in ``accounts/middleware.py``: ``two_factor_setup_needed`` says whether the
  request's firm context requires a second factor that the user does not have;
  ``TwoFactorRequiredMiddleware`` then leads every page to the set-up page, and the API
  (``tenancy.api.api_context``) answers 403 ``two_factor_required``.
- The audit log: a factor set up or removed, recovery codes regenerated, a wrong code after
  the right password (``identity.two_factor_*``) is recorded in every firm the user belongs to
  (``two_factor_audit``), from allauth's signals (allauth's views do the writes; its signals
  are its documented hook).
"""

from __future__ import annotations

from typing import Any

from allauth.mfa.adapter import DefaultMFAAdapter
from django.utils.translation import gettext_lazy

from comptoir.accounts import identity
from comptoir.core.crypto import decrypt_str, encrypt_str
from comptoir.firms.models import FirmMembership
from comptoir.firms.selectors import SECOND_FACTOR_TYPES

SITE_NAME = "Comptoir"


class MFAAdapter(DefaultMFAAdapter):
    error_messages = {
        **DefaultMFAAdapter.error_messages,
        "incorrect_code": gettext_lazy(
            "This code is not right: type the 6 digits your app shows now, or a recovery code."
        ),
        "cannot_delete_authenticator": gettext_lazy(
            "Your firm requires two-factor authentication: add another authenticator app or "
            "passkey before removing this one."
        ),
    }

    def encrypt(self, text: str) -> str:
        return encrypt_str(text)

    def decrypt(self, encrypted_text: str) -> str:
        return decrypt_str(encrypted_text)

    def get_totp_issuer(self) -> str:
        return SITE_NAME

    def _get_site_name(self) -> str:
        return SITE_NAME

    def can_delete_authenticator(self, authenticator) -> bool:
        """The last authenticator app or passkey of a user whose firm requires two-factor
        stays: they would be locked out of their firm's pages at once."""
        if authenticator.type not in SECOND_FACTOR_TYPES:
            return True
        others = authenticator.__class__.objects.filter(
            user_id=authenticator.user_id, type__in=SECOND_FACTOR_TYPES
        ).exclude(pk=authenticator.pk)
        if others.exists():
            return True
        return not _firms_requiring(authenticator.user)


def _firms_requiring(user) -> bool:
    return FirmMembership.objects.filter(user=user, firm__require_two_factor=True).exists()


# --- the audit log --------------------------------------------------------------------------


def two_factor_audit(*, user, action: str, details: dict[str, Any] | None = None) -> None:
    """An identity event of ``user``: in the audit log of each of their firms
    (``accounts.identity.record``, like logins and password changes)."""
    if user is None or not user.pk:
        return
    identity.record(user=user, action=action, details=details)


def _details(authenticator) -> dict[str, Any]:
    details: dict[str, Any] = {"type": authenticator.type}
    if authenticator.type == "webauthn":
        wrapped = authenticator.wrap()
        details["name"] = wrapped.name
        details["passkey"] = bool(wrapped.is_passwordless)
    return details


def on_authenticator_added(sender, request, user, authenticator, **kwargs) -> None:
    two_factor_audit(user=user, action="identity.two_factor_added", details=_details(authenticator))


def on_authenticator_removed(sender, request, user, authenticator, **kwargs) -> None:
    two_factor_audit(
        user=user, action="identity.two_factor_removed", details=_details(authenticator)
    )


def on_authenticator_reset(sender, request, user, authenticator, **kwargs) -> None:
    two_factor_audit(
        user=user, action="identity.recovery_codes_regenerated", details=_details(authenticator)
    )


def on_authentication_failed(sender, request, user, authenticator, **kwargs) -> None:
    """A wrong code after the right password: someone may know the password."""
    details = {"type": authenticator.type}
    if kwargs.get("reauthentication"):
        details["reauthentication"] = True
    two_factor_audit(user=user, action="identity.two_factor_failed", details=details)


def connect_signals() -> None:
    """Called once from ``AccountsConfig.ready``."""
    from allauth.mfa import signals

    signals.authenticator_added.connect(on_authenticator_added, dispatch_uid="comptoir-2fa-add")
    signals.authenticator_removed.connect(
        on_authenticator_removed, dispatch_uid="comptoir-2fa-remove"
    )
    signals.authenticator_reset.connect(on_authenticator_reset, dispatch_uid="comptoir-2fa-reset")
    signals.authentication_failed.connect(
        on_authentication_failed, dispatch_uid="comptoir-2fa-failed"
    )
