"""Who may open which page. Outside one's context: 404; inside but without the role: 403.

The decorators and guards of the views, over the context's facts (``TenantContext.is_firm``,
``is_firm_admin``, ``is_company_administrateur``); the services check the acting user again
with ``firms.permissions`` and ``companies.permissions`` (see the vocabulary there).
"""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from comptoir.tenancy.contexts import TenantContext, get_tenant

View = Callable[..., HttpResponse]


class TenantRequest(HttpRequest):
    """A request past one of the decorators below: ``request.tenant`` is its context."""

    tenant: TenantContext


def firm_member_required(view: View) -> View:
    """The view runs in a firm context; ``request.tenant`` is set for it."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = get_tenant(request)
        if context is None or not context.is_firm:
            raise Http404
        request.tenant = context  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def require_firm_admin_context(request: TenantRequest) -> None:
    """403 unless the request's firm context is an admin's.

    Views with an object in the URL look the object up first (404 outside the firm), then call
    this: another firm's object must answer 404, never 403.
    """
    if not request.tenant.is_firm_admin:
        raise PermissionDenied


def require_company_administrateur_context(request: TenantRequest) -> None:
    """403 unless the request's company context is one of its administrateurs'."""
    if not request.tenant.is_company_administrateur:
        raise PermissionDenied


def firm_admin_required(view: View) -> View:
    """For admin-only views without an object in the URL (see ``require_firm_admin_context``)."""

    @firm_member_required
    @wraps(view)
    def wrapper(request: TenantRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        require_firm_admin_context(request)
        return view(request, *args, **kwargs)

    return wrapper


def company_member_required(view: View) -> View:
    """The view runs in a company context (a user of a client company)."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = get_tenant(request)
        if context is None or context.is_firm:
            raise Http404
        request.tenant = context  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper


def tenant_required(view: View) -> View:
    """For pages that serve both contexts (documents, send history): any context, firm or
    company, runs the view with ``request.tenant`` set; no context at all: 404."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        context = get_tenant(request)
        if context is None:
            raise Http404
        request.tenant = context  # type: ignore[attr-defined]
        return view(request, *args, **kwargs)

    return wrapper
