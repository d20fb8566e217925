"""Log in and out, the user's own settings and API tokens.

Accepting an invitation makes a membership: it lives with the memberships, in
``companies.views_invitations``."""

from http import HTTPStatus

from allauth.account import views as allauth_views
from allauth.account.adapter import get_adapter
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.forms.forms import NON_FIELD_ERRORS
from django.http import Http404
from django.shortcuts import redirect, render, resolve_url
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_POST

from comptoir.accounts import identity, selectors, services
from comptoir.accounts.forms import ProfileForm, TokenForm
from comptoir.core.errors import NotFound
from comptoir.firms.selectors import user_has_two_factor
from comptoir.tenancy import tokens
from comptoir.tenancy.contexts import available_contexts


class LoginView(allauth_views.LoginView):
    """django-allauth's login (its throttling, the two-factor step, the sessions list) on our
    page: /connexion/, our template, our wording. Too many failures answer HTTP 429."""

    template_name = "accounts/login.html"

    def form_invalid(self, form):
        response = super().form_invalid(form)
        if form.has_error(NON_FIELD_ERRORS, code="too_many_login_attempts"):
            response.status_code = HTTPStatus.TOO_MANY_REQUESTS
        return response


@method_decorator(csrf_protect, name="dispatch")
class LogoutView(View):
    """POST only; ends the session through allauth (audited) and says goodbye on the login
    page."""

    http_method_names = ["post", "options"]

    def post(self, request, *args, **kwargs):
        if request.user.is_authenticated:
            get_adapter(request).logout(request)
        messages.info(request, _("You are logged out."))
        return redirect(resolve_url(settings.LOGOUT_REDIRECT_URL))


def _settings_page(request, *, profile_form=None, token_form=None, new_key=None, status=200):
    return render(
        request,
        "accounts/settings.html",
        {
            "profile_form": profile_form
            or ProfileForm(initial={"full_name": request.user.full_name}),
            "token_form": token_form or TokenForm(contexts=available_contexts(request.user)),
            "tokens": selectors.token_list(user=request.user),
            "new_key": new_key,
            "two_factor_on": user_has_two_factor(request.user),
            "sessions": selectors.session_list(
                user=request.user, current_key=request.session.session_key
            ),
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
    form = TokenForm(request.POST, contexts=available_contexts(request.user))
    if not form.submit(tokens.token_create, user=request.user):
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


# --- password change and reset (django-allauth's views, with our consequences) ---------------


class PasswordChangeView(allauth_views.PasswordChangeView):
    """Current password required, Django's validators; the other sessions end."""

    def form_valid(self, form):
        response = super().form_valid(form)
        identity.sessions_end_others(user=form.user, keep_key=self.request.session.session_key)
        identity.password_changed(user=form.user)
        return response


class PasswordResetFromKeyView(allauth_views.PasswordResetFromKeyView):
    """The e-mail's link (single-use: the key depends on the password it replaces; expires
    after PASSWORD_RESET_TIMEOUT). Every session of the user ends."""

    def form_valid(self, form):
        user = self.reset_user
        response = super().form_valid(form)
        identity.sessions_end_others(user=user, keep_key=self.request.session.session_key)
        identity.password_reset_done(user=user)
        return response


# --- sessions ---------------------------------------------------------------------------------


@require_POST
@login_required
def session_end(request, pk):
    """ "Se déconnecter de cet appareil": one of the user's own sessions (another's: 404)."""
    from django.contrib.auth import logout

    try:
        current = identity.session_end(
            user=request.user, session_id=pk, current_key=request.session.session_key
        )
    except NotFound:
        raise Http404 from None
    if current:
        logout(request)
        messages.info(request, _("You are logged out."))
        return redirect("accounts:login")
    messages.success(request, _("That device is logged out."))
    return redirect(f"{resolve_url('accounts:settings')}#sessions")


@require_POST
@login_required
def sessions_end_all(request):
    """ "Se déconnecter partout": every session, this one included."""
    from django.contrib.auth import logout

    identity.sessions_end_all(user=request.user, current_key=request.session.session_key)
    logout(request)
    messages.info(request, _("You are logged out on every device."))
    return redirect("accounts:login")
