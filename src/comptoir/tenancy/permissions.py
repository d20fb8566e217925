"""Who may open which page. Outside one's context: 404; inside but without the role: 403."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404

from comptoir.tenancy.contexts import get_tenant


def is_firm_member(user, firm_id) -> bool:
    """Whether ``user`` (an acting user, for the services' checks) is a user of the firm."""
    from comptoir.firms.models import FirmMembership

    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return FirmMembership.objects.filter(user=user, firm_id=firm_id).exists()


def firm_member_required(view):
    """The view runs in a firm context; ``request.tenant`` is set for it."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        context = get_tenant(request)
        if context is None or not context.is_firm:
            raise Http404
        request.tenant = context
        return view(request, *args, **kwargs)

    return wrapper


def require_firm_admin(request) -> None:
    """403 unless the request's firm context is an admin's.

    Views with an object in the URL look the object up first (404 outside the firm), then call
    this: another firm's object must answer 404, never 403.
    """
    if not request.tenant.is_firm_admin:
        raise PermissionDenied


def firm_admin_required(view):
    """For admin-only views without an object in the URL (see ``require_firm_admin``)."""

    @firm_member_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.tenant.is_firm_admin:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


def company_member_required(view):
    """The view runs in a company context (a user of a client company)."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        context = get_tenant(request)
        if context is None or context.is_firm:
            raise Http404
        request.tenant = context
        return view(request, *args, **kwargs)

    return wrapper


def tenant_required(view):
    """For pages that serve both contexts (documents, send history): any context, firm or
    company, runs the view with ``request.tenant`` set; no context at all: 404."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        context = get_tenant(request)
        if context is None:
            raise Http404
        request.tenant = context
        return view(request, *args, **kwargs)

    return wrapper
