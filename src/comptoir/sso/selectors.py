"""Reads of the firms' identity providers (who signs in where)."""

from __future__ import annotations

from django.db.models import Q

from comptoir.accounts.models import Invitation, User
from comptoir.companies.models import CompanyMembership
from comptoir.firms.models import Firm, FirmMembership
from comptoir.sso.models import FirmIdentityProvider, SsoDomain


def email_domain(email: str) -> str:
    return (email or "").rpartition("@")[2].strip().lower()


def identity_provider_of_firm(*, firm: Firm) -> FirmIdentityProvider | None:
    return FirmIdentityProvider.objects.filter(firm=firm).prefetch_related("domains").first()


def identity_provider_by_provider_id(provider_id: str) -> FirmIdentityProvider | None:
    return (
        FirmIdentityProvider.objects.filter(provider_id=provider_id).select_related("firm").first()
    )


def identity_provider_by_firm_slug(slug: str) -> FirmIdentityProvider | None:
    """The enabled provider behind a firm's own login address, or None."""
    return (
        FirmIdentityProvider.objects.filter(firm__slug=slug, enabled=True)
        .select_related("firm")
        .first()
    )


def identity_provider_for_email(email: str) -> FirmIdentityProvider | None:
    """The enabled provider of the firm that verified the e-mail's domain, or None."""
    domain = email_domain(email)
    if not domain:
        return None
    found = (
        SsoDomain.objects.filter(
            domain=domain, verified_at__isnull=False, identity_provider__enabled=True
        )
        .select_related("identity_provider__firm")
        .first()
    )
    return found.identity_provider if found else None


def domain_is_verified(*, identity_provider: FirmIdentityProvider, email: str) -> bool:
    return SsoDomain.objects.filter(
        identity_provider=identity_provider,
        domain=email_domain(email),
        verified_at__isnull=False,
    ).exists()


def open_firm_invitation(*, user: User, firm: Firm) -> Invitation | None:
    """A pending invitation to join the firm itself (not one of its companies)."""
    for invitation in Invitation.objects.filter(
        user=user, firm=firm, company__isnull=True
    ).order_by("-created_at"):
        if invitation.is_pending:
            return invitation
    return None


def has_access_outside(*, user: User, firm: Firm) -> bool:
    """Whether the login reaches another firm's tenant (a membership there, or an open
    invitation from it)."""
    return (
        FirmMembership.objects.filter(user=user).exclude(firm=firm).exists()
        or CompanyMembership.objects.filter(user=user).exclude(firm=firm).exists()
        or Invitation.objects.open().filter(user=user).exclude(firm=firm).exists()
    )


def providers_requiring_sso(*, user: User) -> list[FirmIdentityProvider]:
    """The enabled, mandatory providers of the firms where ``user`` is staff."""
    firm_ids = FirmMembership.objects.filter(user=user).values("firm_id")
    return list(
        FirmIdentityProvider.objects.filter(
            Q(firm_id__in=firm_ids), enabled=True, required=True
        ).select_related("firm")
    )
