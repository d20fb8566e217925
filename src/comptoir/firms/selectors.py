"""Reads about firms: which users must have two-factor authentication, and who has it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.db.models import Exists, OuterRef, QuerySet

from comptoir.firms.models import Firm, FirmMembership

if TYPE_CHECKING:
    from allauth.mfa.models import Authenticator
    from django.contrib.auth.models import AnonymousUser

    from comptoir.accounts.models import User

# The factors that count as "two-factor": an authenticator app (TOTP) or a passkey/security key
# (WebAuthn). Recovery codes only back them up: alone they are not a second factor.
SECOND_FACTOR_TYPES = ("totp", "webauthn")


def _factors() -> QuerySet[Authenticator]:
    from allauth.mfa.models import Authenticator

    return Authenticator.objects.filter(type__in=SECOND_FACTOR_TYPES)


def user_has_two_factor(user: User | AnonymousUser | None) -> bool:
    """Whether ``user`` has an authenticator app or a passkey."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return _factors().filter(user_id=user.pk).exists()


def firm_requires_two_factor_of(user: User | AnonymousUser | None, firm: Firm) -> bool:
    """Whether ``firm`` requires two-factor of ``user`` and they have none yet: true only for
    the firm's own users (its members), not for its clients' users."""
    if not firm.require_two_factor:
        return False
    return not user_has_two_factor(user)


@dataclass(frozen=True)
class MemberTwoFactor:
    membership: FirmMembership
    has_two_factor: bool


def firm_members_two_factor(*, firm: Firm) -> list[MemberTwoFactor]:
    """The firm's users with whether each has a second factor, by e-mail (one query)."""
    memberships = (
        FirmMembership.objects.filter(firm=firm)
        .select_related("user")
        .annotate(has_factor=Exists(_factors().filter(user_id=OuterRef("user_id"))))
        .order_by("user__email")
    )
    return [MemberTwoFactor(m, bool(m.has_factor)) for m in memberships]
