"""The tenancy chokepoint: which firm (and which company) a request acts in.

A user may belong to several firms (firm context) and several client companies (company
context). Pages keep the chosen context in the session; the API takes it from the
``X-Comptoir-Firm: <slug>`` or ``X-Comptoir-Company: <id>`` header. Without a choice, the
context the user last chose (``User.default_context``), else their first firm, else their first
company; joining a new firm or company pins that default first (``pin_default_context``), so a
new membership never becomes the default by itself. Asking for a context the user does not
have answers 404, exactly as for an object of another firm.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, cast

from django.http import Http404, HttpRequest

from comptoir.companies.models import CompanyRole
from comptoir.core.lookups import get_or_404

if TYPE_CHECKING:
    from django.contrib.auth.models import AnonymousUser

    from comptoir.accounts.models import User
    from comptoir.companies.models import Company, CompanyMembership
    from comptoir.firms.models import Firm, FirmMembership

SESSION_KEY = "comptoir_context"


@dataclass(frozen=True)
class TenantContext:
    """Where the current user acts: a firm, or one client company of a firm."""

    firm: Firm
    firm_membership: FirmMembership | None = None
    company_membership: CompanyMembership | None = None

    @property
    def kind(self) -> str:
        return "firm" if self.firm_membership is not None else "company"

    @property
    def key(self) -> str:
        if self.firm_membership is not None:
            return f"firm:{self.firm.slug}"
        assert self.company_membership is not None
        return f"company:{self.company_membership.company_id}"

    @property
    def is_firm(self) -> bool:
        return self.firm_membership is not None

    @property
    def is_firm_admin(self) -> bool:
        return self.firm_membership is not None and self.firm_membership.is_admin

    @property
    def is_company_administrateur(self) -> bool:
        """An administrateur of the context's company (``companies.permissions``' rule)."""
        return self.company_role == CompanyRole.ADMINISTRATEUR

    @property
    def company(self) -> Company | None:
        return self.company_membership.company if self.company_membership else None

    @property
    def company_role(self) -> str | None:
        return self.company_membership.role if self.company_membership else None

    @property
    def role(self) -> str:
        if self.firm_membership is not None:
            return self.firm_membership.role
        assert self.company_membership is not None
        return self.company_membership.role

    @property
    def label(self) -> str:
        company = self.company
        return f"{company.name} ({self.firm.name})" if company else self.firm.name


def available_contexts(user: User | AnonymousUser) -> list[TenantContext]:
    """Every context the user may act in: firms first, then companies, by name."""
    from comptoir.companies.models import CompanyMembership
    from comptoir.firms.models import FirmMembership

    if not user.is_authenticated:
        return []
    firm_memberships = FirmMembership.objects.filter(user=user).select_related("firm")
    company_memberships = CompanyMembership.objects.filter(user=user).select_related(
        "company", "company__firm"
    )
    contexts = [
        TenantContext(firm=m.firm, firm_membership=m)
        for m in sorted(firm_memberships, key=lambda m: m.firm.name.lower())
    ]
    contexts += [
        TenantContext(firm=m.company.firm, company_membership=m)
        for m in sorted(company_memberships, key=lambda m: m.company.name.lower())
    ]
    return contexts


def resolve_context(
    user: User | AnonymousUser,
    *,
    firm_slug: str | None = None,
    company_id: str | None = None,
    key: str | None = None,
) -> TenantContext | None:
    """The context a request acts in, or None if the user belongs nowhere.

    An explicit ``firm_slug`` or ``company_id`` the user does not have raises Http404;
    a stale session ``key`` silently falls back to the default context.
    """
    from comptoir.companies.models import CompanyMembership
    from comptoir.firms.models import FirmMembership

    if not user.is_authenticated:
        return None
    if firm_slug:
        membership = (
            FirmMembership.objects.filter(user=user, firm__slug=firm_slug)
            .select_related("firm")
            .first()
        )
        if membership is None:
            raise Http404
        return TenantContext(firm=membership.firm, firm_membership=membership)
    if company_id:
        company_membership = get_or_404(
            CompanyMembership.objects.filter(user=user).select_related("company", "company__firm"),
            company_id=company_id,
        )
        return TenantContext(
            firm=company_membership.company.firm, company_membership=company_membership
        )
    for remembered in (key, user.default_context):
        context = _context_for_key(user, remembered)
        if context is not None:
            return context
    contexts = available_contexts(user)
    return contexts[0] if contexts else None


def _context_for_key(user: User, key: str | None) -> TenantContext | None:
    """The context a stored key names, or None when it is empty or no longer the user's."""
    kind, _, value = (key or "").partition(":")
    if not value or kind not in ("firm", "company"):
        return None
    try:
        if kind == "firm":
            return resolve_context(user, firm_slug=value)
        return resolve_context(user, company_id=value)
    except Http404:
        return None


def pin_default_context(user: User) -> None:
    """Keep the user's current default before they join another firm or company.

    A user who never chose lands in their first context by name; without this, a company
    joined later whose name sorts first would become where their next upload goes.
    """
    if user.default_context:
        return
    contexts = available_contexts(user)
    if contexts:
        user.default_context = contexts[0].key
        user.save(update_fields=["default_context", "updated_at"])


def choose_context(request: HttpRequest, context: TenantContext) -> None:
    """The user picked a context: act in it now, and by default from now on (pages and API)."""
    set_tenant(request, context)
    user = cast("User", request.user)  # only a signed-in user has a context to choose
    if user.default_context != context.key:
        user.default_context = context.key
        user.save(update_fields=["default_context", "updated_at"])


_UNSET = object()


def get_tenant(request: HttpRequest) -> TenantContext | None:
    """The page request's context, from the session; computed once per request."""
    cached = getattr(request, "_comptoir_tenant", _UNSET)
    if cached is _UNSET:
        key = request.session.get(SESSION_KEY)
        cached = resolve_context(request.user, key=key)
        if cached is not None and cached.key != key:
            request.session[SESSION_KEY] = cached.key  # later requests resolve it directly
        request._comptoir_tenant = cached  # type: ignore[attr-defined]  # the request's cache
    return cached  # type: ignore[return-value]


def set_tenant(request: HttpRequest, context: TenantContext) -> None:
    request.session[SESSION_KEY] = context.key
    request._comptoir_tenant = context  # type: ignore[attr-defined]
