"""The portal's pages: where to start, switching context, the two home pages with their tiles,
the firm settings index, and the launcher that opens a tile (with the apps' and firm's logos)."""

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from comptoir.core.errors import ValidationFailed
from comptoir.portal import tiles
from comptoir.store.services import launch_record
from comptoir.store.urls_safety import validate_tile_url
from comptoir.tenancy.contexts import choose_context, get_tenant, resolve_context
from comptoir.tenancy.permissions import company_member_required, firm_member_required


@login_required
def start(request):
    """Send the user to the home page of the context they act in."""
    context = get_tenant(request)
    if context is None:
        return render(request, "portal/no_context.html", status=403)
    return redirect("portal:firm_home" if context.is_firm else "portal:company_home")


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
    return redirect("portal:start")


@firm_member_required
def firm_home(request):
    return render(
        request, "portal/firm_home.html", {"tiles": tiles.home_tiles(context=request.tenant)}
    )


@company_member_required
def company_home(request):
    return render(
        request,
        "portal/company_home.html",
        {"tiles": tiles.home_tiles(context=request.tenant), "company": request.tenant.company},
    )


@firm_member_required
def firm_settings(request):
    """The firm settings area (⚙): its index lists the settings sections."""
    return render(request, "portal/settings_index.html", {"firm": request.tenant.firm})


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


@never_cache
@login_required
def open_app(request, installation_id):
    """A tile's link: record the launch, then send the browser to the app (302)."""
    context = get_tenant(request)
    installation = tiles.installation_for_open(context=context, pk=installation_id)
    try:
        url = validate_tile_url(installation.app.launch_url)
    except ValidationFailed:
        raise Http404 from None
    launch_record(user=request.user, context=context, installation=installation)
    response = HttpResponseRedirect(url)
    response["Referrer-Policy"] = "no-referrer"
    return response


@login_required
def logo(request, app_id, version):
    """An app's logo. SVGs are our catalogue's; uploads were re-encoded to PNG."""
    app = tiles.app_logo_get(context=get_tenant(request), app_id=app_id)
    if app.logo_svg:
        response = HttpResponse(app.logo_svg, content_type="image/svg+xml")
    else:
        try:
            response = FileResponse(app.logo_file.open("rb"), content_type="image/png")
        except (FileNotFoundError, ValueError):
            raise Http404 from None
    response["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; sandbox"
    response["X-Content-Type-Options"] = "nosniff"
    cache = "private, max-age=31536000, immutable" if version == app.logo_version else "no-cache"
    response["Cache-Control"] = cache
    return response
