"""Single sign-on pages: the firm's settings (⚙ → Authentification unique), the e-mail step of
the login page, the firm's own login address and the start of a sign-in."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings
from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.core.errors import ServiceError
from comptoir.core.navigation import safe_next
from comptoir.sso import selectors, services
from comptoir.sso.forms import IdentityProviderForm, SsoEmailForm
from comptoir.sso.models import FirmIdentityProvider
from comptoir.tenancy.permissions import firm_admin_required


def callback_url(idp: FirmIdentityProvider | None) -> str:
    """The redirect URI to register at the provider."""
    if idp is None:
        return ""
    try:
        path = reverse("openid_connect_callback", kwargs={"provider_id": idp.provider_id})
    except NoReverseMatch:  # allauth's URLs not mounted (should not happen)
        return ""
    return settings.SITE_URL.rstrip("/") + path


def _initial(idp: FirmIdentityProvider | None) -> dict:
    if idp is None:
        return {"kind": "entra", "enabled": True}
    return {
        "kind": idp.kind,
        "tenant": idp.tenant,
        "issuer": idp.issuer if idp.kind == "oidc" else "",
        "display_name": idp.display_name,
        "client_id": idp.client_id,
        "domains": "\n".join(d.domain for d in idp.domains.all()),
        "enabled": idp.enabled,
        "required": idp.required,
    }


@firm_admin_required
def firm_sso(request):
    firm = request.tenant.firm
    idp = selectors.identity_provider_of_firm(firm=firm)
    status = 200
    if request.method == "POST":
        form = IdentityProviderForm(request.POST, has_secret=idp is not None)
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.identity_provider_save(
                    actor=request.user,
                    firm=firm,
                    kind=data["kind"],
                    tenant=data["tenant"],
                    issuer=data["issuer"],
                    display_name=data["display_name"],
                    client_id=data["client_id"],
                    client_secret=data["client_secret"],
                    domains=data["domains"],
                    enabled=data["enabled"],
                    required=data["required"],
                )
            except ServiceError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
                status = error.status
            else:
                messages.success(request, _("Single sign-on settings saved."))
                return redirect("sso:firm_settings")
        else:
            status = 422
    else:
        form = IdentityProviderForm(initial=_initial(idp), has_secret=idp is not None)
    return render(
        request,
        "sso/firm_settings.html",
        {
            "form": form,
            "identity_provider": idp,
            "callback_url": callback_url(idp),
            "login_address": settings.SITE_URL.rstrip("/")
            + reverse("sso:firm_login", kwargs={"slug": firm.slug}),
        },
        status=status,
    )


@require_POST
@firm_admin_required
def firm_sso_remove(request):
    services.identity_provider_remove(actor=request.user, firm=request.tenant.firm)
    messages.success(request, _("Single sign-on disconnected."))
    return redirect("sso:firm_settings")


def discover(request):
    """The login page's “Continuer avec l'authentification unique”: the firm from the
    e-mail's domain (verified domains only: nothing is said about accounts)."""
    data = request.POST if request.method == "POST" else request.GET
    email = (data.get("email") or data.get("username") or data.get("login") or "").strip()
    form = SsoEmailForm({"email": email}) if email else SsoEmailForm()
    if email and form.is_valid():
        idp = selectors.identity_provider_for_email(form.cleaned_data["email"])
        if idp is not None:
            query = {"email": form.cleaned_data["email"].lower()}
            next_url = safe_next(request, fallback="")
            if next_url:
                query["next"] = next_url
            url = reverse("sso:firm_login", kwargs={"slug": idp.firm.slug})
            return redirect(f"{url}?{urlencode(query)}")
        form.add_error(
            "email",
            _(
                "No firm signs in with single sign-on for this e-mail domain. Log in with your "
                "password, or use your firm's own login address."
            ),
        )
    status = 422 if form.is_bound and form.errors else 200
    return render(request, "sso/discover.html", {"form": form}, status=status)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}"


def firm_login(request, slug: str):
    """The firm's own login address: its “Se connecter avec …” button. 404 when the firm has
    no enabled single sign-on (nothing is said about which firms exist)."""
    idp = selectors.identity_provider_by_firm_slug(slug)
    if idp is None:
        raise Http404
    next_url = safe_next(request, fallback="")
    response = render(
        request,
        "sso/firm_login.html",
        {
            "identity_provider": idp,
            "sso_firm": idp.firm,
            "email": (request.GET.get("email") or "")[:254],
            "next": next_url,
        },
    )
    # The button's form ends at the provider (a redirect): the browser's form-action check
    # must allow the provider's origin on this page, and only here.
    origins = {_origin(idp.issuer), _origin(services.authorization_endpoint(idp) or idp.issuer)}
    response._csp_update = {"form-action": sorted(origins)}  # type: ignore[attr-defined]
    return response


@require_POST
def firm_login_start(request, slug: str):
    """Start the sign-in at the firm's provider (allauth's OpenID Connect login, PKCE on);
    a provider that does not answer gets a French page, not an error."""
    import requests
    from allauth.socialaccount.providers.openid_connect.views import login as oidc_login

    idp = selectors.identity_provider_by_firm_slug(slug)
    if idp is None:
        raise Http404
    try:
        return oidc_login(request, provider_id=idp.provider_id)
    except requests.RequestException:
        return render(
            request,
            "sso/refused.html",
            {
                "identity_provider": idp,
                "message": _(
                    "%(name)s does not answer for now. Try again in a moment, or log in with "
                    "your password if your firm allows it."
                )
                % {"name": idp.display_name},
            },
            status=502,
        )
