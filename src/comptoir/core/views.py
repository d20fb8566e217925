"""The portal's entry pages: where to start, switching context, the two home pages."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from comptoir.core.permissions import (
    company_member_required,
    firm_member_required,
)
from comptoir.core.tenancy import choose_context, get_tenant, resolve_context


@login_required
def start(request):
    """Send the user to the home page of the context they act in."""
    context = get_tenant(request)
    if context is None:
        return render(request, "core/no_context.html", status=403)
    return redirect("core:firm_home" if context.is_firm else "core:company_home")


@require_POST
@login_required
def switch_context(request):
    """Act in another firm or company of the user's (``firm:<slug>`` or ``company:<id>``)."""
    kind, _, value = request.POST.get("context", "").partition(":")
    if kind == "firm" and value:
        context = resolve_context(request.user, firm_slug=value)
    elif kind == "company" and value:
        context = resolve_context(request.user, company_id=value)
    else:
        raise Http404
    assert context is not None  # resolve_context raises 404 for a context the user lacks
    choose_context(request, context)
    return redirect("core:start")


def home_tiles(request) -> list[dict]:
    """The app tiles of the current user in the current context.

    Each tile is a dict with ``name``, ``logo_url`` and ``url_open`` (see
    ``comptoir.store.selectors.home_tiles``; company users' tiles come from the assignments).
    """
    from comptoir.store.selectors import home_tiles as store_home_tiles

    return store_home_tiles(context=request.tenant)


@firm_member_required
def firm_home(request):
    return render(request, "core/firm_home.html", {"tiles": home_tiles(request)})


@company_member_required
def company_home(request):
    return render(
        request,
        "core/company_home.html",
        {"tiles": home_tiles(request), "company": request.tenant.company},
    )


@firm_member_required
def firm_settings(request):
    """The firm settings area (⚙): its index lists the settings sections."""
    return render(request, "core/settings_index.html", {"firm": request.tenant.firm})


@login_required
def firm_logo(request):
    """The current firm's logo (the portal is white-label). Only its own users see it."""
    context = get_tenant(request)
    if context is None or not context.firm.logo:
        raise Http404
    try:
        response = FileResponse(context.firm.logo.open("rb"))
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, max-age=3600"
    return response
