"""Log in and out, accept an invitation, the user's own settings and API tokens."""

from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from comptoir.accounts import selectors, services
from comptoir.accounts.forms import InvitationPasswordForm, LoginForm, ProfileForm, TokenForm
from comptoir.core.errors import NotFound, ServiceError
from comptoir.core.tenancy import resolve_context, set_tenant


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default); says goodbye on the login page."""

    def post(self, request, *args, **kwargs):
        response = super().post(request, *args, **kwargs)
        messages.info(request, _("You are logged out."))
        return response


def _invitation_invalid(request, error: ServiceError):
    return render(
        request, "accounts/invitation_invalid.html", {"message": error.message}, status=error.status
    )


def invitation_accept(request, token):
    """The link of an invitation e-mail: a new login sets a password, an existing one confirms."""
    try:
        invitation = services.invitation_for_token(token)
    except ServiceError as error:
        return _invitation_invalid(request, error)
    form = None
    if not invitation.user.has_usable_password():  # a new login: it chooses its password
        form = InvitationPasswordForm(
            request.POST if request.method == "POST" else None,
            initial={"full_name": invitation.user.full_name},
        )
    if request.method == "POST":
        if form is not None:
            if form.submit(services.invitation_accept, raw_token=token):
                return _after_acceptance(request, invitation, user=form.result, logged_in=True)
        else:
            try:
                user = services.invitation_accept(raw_token=token, password="")
            except ServiceError as error:
                return _invitation_invalid(request, error)
            return _after_acceptance(request, invitation, user=user, logged_in=False)
    place = invitation.company or invitation.firm
    return render(
        request,
        "accounts/invitation_accept.html",
        {"invitation": invitation, "place": place, "form": form, "brand_firm": invitation.firm},
        status=form.status if form is not None else 200,
    )


def _after_acceptance(request, invitation, *, user, logged_in: bool):
    """Log a new login in (its password was just set), then open the place it joined."""
    if logged_in:
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    elif request.user != user:
        # The link proves the address, not the password: an existing login logs in as usual.
        if request.user.is_authenticated:
            logout(request)
        messages.success(request, _("Invitation accepted. Log in to open your new space."))
        return redirect("accounts:login")
    context = resolve_context(
        user,
        company_id=str(invitation.company_id) if invitation.company_id else None,
        firm_slug=None if invitation.company_id else invitation.firm.slug,
    )
    if context is not None:
        set_tenant(request, context)
    messages.success(
        request,
        _("Welcome! You now have access to %(place)s.")
        % {"place": (invitation.company or invitation.firm).name},
    )
    return redirect("core:start")


def _settings_page(request, *, profile_form=None, token_form=None, new_key=None, status=200):
    return render(
        request,
        "accounts/settings.html",
        {
            "profile_form": profile_form
            or ProfileForm(initial={"full_name": request.user.full_name}),
            "token_form": token_form or TokenForm(),
            "tokens": selectors.token_list(user=request.user),
            "new_key": new_key,
        },
        status=status,
    )


@login_required
def account_settings(request):
    """The user's own settings: name, language, API tokens."""
    if request.method == "POST":
        form = ProfileForm(request.POST)
        if form.submit(services.user_update_profile, user=request.user):
            messages.success(request, _("Your details are saved."))
            return redirect("accounts:settings")
        return _settings_page(request, profile_form=form, status=form.status)
    return _settings_page(request)


@require_POST
@login_required
def token_create(request):
    """Create an API token; its key is in this response only, never again."""
    form = TokenForm(request.POST)
    if not form.submit(services.token_create, user=request.user):
        return _settings_page(request, token_form=form, status=form.status)
    token, key = form.result
    messages.success(
        request, _("Token “%(name)s” created. Copy its key now.") % {"name": token.name}
    )
    response = _settings_page(request, new_key=key)
    response["Cache-Control"] = "no-store"
    return response


@require_POST
@login_required
def token_revoke(request, pk):
    try:
        token = services.token_revoke(user=request.user, token_id=pk)
    except NotFound:
        raise Http404 from None
    messages.success(
        request, _("Token “%(name)s” revoked: it no longer opens the API.") % {"name": token.name}
    )
    return redirect("accounts:settings")
