"""The API caller and the context it acts in: tokens or the browser session, then the firm
or company that the headers (or the session, or a pinned token) name."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja.security import HttpBearer, SessionAuth

from comptoir.accounts.services import token_check
from comptoir.core.errors import Forbidden, NotFound, TooManyRequests
from comptoir.core.request_context import ip_from_request
from comptoir.core.throttle import is_blocked, note_failure
from comptoir.firms.selectors import user_has_two_factor
from comptoir.tenancy.contexts import SESSION_KEY, TenantContext, resolve_context

if TYPE_CHECKING:
    from comptoir.accounts.models import ApiToken, User

UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class BearerTokenAuth(HttpBearer):
    """``Authorization: Bearer <key>``. Wrong keys are counted per client IP in the shared
    cache: past API_TOKEN_FAILURE_LIMIT in a minute, that IP's wrong keys get 429 until the
    minute ends (a valid key still works: it costs no cache query).
    An expired token is 401 ``token_expired``; a read-only one writing is 403
    ``token_read_only``; a pinned one acts only in its firm or company (``api_context``)."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        api_token = token_check(token)
        if api_token is None:
            # Only wrong keys touch the counter: a valid key costs no cache query.
            who = ip_from_request(request) or "unknown"
            limit, window = settings.API_TOKEN_FAILURE_LIMIT, 60
            wait = is_blocked("api_token", who, limit=limit, window=window)
            if wait:
                raise TooManyRequests(
                    _(
                        "Too many wrong tokens from your address: wait %(seconds)d seconds, "
                        "then try again with a valid token."
                    )
                    % {"seconds": wait},
                    retry_after=wait,
                )
            note_failure("api_token", who, window=window)
            return None
        if api_token.scope == "read" and request.method in UNSAFE_METHODS:
            raise Forbidden(
                _("This token may only read: create a read-and-write token to change data."),
                code="token_read_only",
            )
        request.user = api_token.user
        request.api_token_used = True  # type: ignore[attr-defined]
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class BrowserSessionAuth(SessionAuth):
    """The logged-in browser session; CSRF is checked on unsafe methods."""

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        return user if user.is_authenticated and user.is_active else None


def api_context(request: HttpRequest) -> TenantContext:
    """The context the call acts in: the headers first, then the browser session's choice."""
    cached = getattr(request, "_comptoir_api_tenant", None)
    if cached is not None:
        return cached
    key = None
    if not getattr(request, "api_token_used", False):
        key = request.session.get(SESSION_KEY)
    firm_slug = request.headers.get("X-Comptoir-Firm")
    company_id = request.headers.get("X-Comptoir-Company")
    token = getattr(request, "api_token", None)
    if token is not None and (token.firm_id or token.company_id):
        return _pinned_context(request, token, firm_slug=firm_slug, company_id=company_id)
    context = resolve_context(request.user, firm_slug=firm_slug, company_id=company_id, key=key)
    if context is None:
        raise Forbidden(_("Your account belongs to no firm and no company yet."), code="no_context")
    require_two_factor_if_asked(request, context)
    request._comptoir_api_tenant = context  # type: ignore[attr-defined]
    return context


def require_two_factor_if_asked(request: HttpRequest, context: TenantContext) -> None:
    """A firm that requires two-factor ("Exiger la double authentification") shows nothing of
    its own until the user has a second factor: 403 ``two_factor_required`` (a query only for
    those firms)."""
    if not (context.is_firm and context.firm.require_two_factor):
        return
    if not user_has_two_factor(request.user):
        raise Forbidden(
            _(
                "Your firm requires two-factor authentication: set it up in My account → "
                "Two-factor authentication, then try again."
            ),
            code="two_factor_required",
        )


def _pinned_context(
    request: HttpRequest, token: ApiToken, *, firm_slug: str | None, company_id: str | None
) -> TenantContext:
    """A pinned token acts in its firm or company only: another context header is 403
    ``token_pinned``; no header means the pinned one. Losing the membership is a 404."""
    pinned_firm = token.firm.slug if token.firm is not None else None  # no query when unset
    pinned_company = str(token.company_id) if token.company_id else None
    asked_other = (firm_slug and firm_slug != pinned_firm) or (
        company_id and company_id.strip() != pinned_company
    )
    if asked_other:
        raise Forbidden(
            _("This token is pinned to %(place)s: it cannot act anywhere else.")
            % {"place": token.pinned_to.name},
            code="token_pinned",
        )
    context = resolve_context(request.user, firm_slug=pinned_firm, company_id=pinned_company)
    if context is None:  # pragma: no cover - resolve_context raises 404 first
        raise NotFound()
    require_two_factor_if_asked(request, context)
    request._comptoir_api_tenant = context  # type: ignore[attr-defined]
    return context


def firm_context(request: HttpRequest, *, admin: bool = False) -> TenantContext:
    """A firm context; ``admin`` also requires the admin role (403).

    In a company context firm endpoints answer 404, like the firm's pages do: a company user
    learns nothing about the firm's objects, not even that an id exists.
    """
    context = api_context(request)
    if not context.is_firm:
        raise NotFound(
            _("Not found in a company context: firm endpoints need the X-Comptoir-Firm header."),
        )
    if admin and not context.is_firm_admin:
        raise Forbidden(_("Only an administrator of the firm can do this."), code="admin_only")
    return context
